"""Writing H.264 video frame by frame (PyAV), so nothing but the current frame is held."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import av
import numpy as np


class VideoWriter:
    """``with VideoWriter(path, fps) as w: w.write(rgb)``; frames are RGB uint8 (H, W, 3).

    The size is taken from the first frame. yuv420p needs even sizes, so an odd
    width or height is cropped by one pixel.
    """

    def __init__(self, path: Path, fps: float = 30.0, gop: int = 30, crf: int = 20) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fps = fps
        self.options: dict[str, str] = {"g": str(gop), "crf": str(crf), "preset": "veryfast"}
        self._container = av.open(str(path), "w")
        self._stream: av.VideoStream | None = None

    def write(self, frame: np.ndarray) -> None:
        h, w = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
        if self._stream is None:
            rate = max(round(self.fps), 1)
            self._stream = self._container.add_stream("libx264", rate=rate)
            self._stream.width, self._stream.height = w, h
            self._stream.pix_fmt = "yuv420p"
            # PyAV's stub types add_stream's result as a plain Stream, without codec options.
            self._stream.options = self.options  # type: ignore[assignment]
        image = np.ascontiguousarray(frame[:h, :w])
        video_frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        self._container.mux(self._stream.encode(video_frame))

    def close(self) -> None:
        if self._stream is not None:
            self._container.mux(self._stream.encode())
        self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
