"""A review video: the frames with each object's mask tinted in its colour and its name."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from annotator.core import rle
from annotator.formats.common import ExportError, ExportJob, staged
from annotator.video.writer import VideoWriter

ALPHA = 0.5


def overlay_frame(
    frame: np.ndarray, layers: list[tuple[str, tuple[int, int, int], rle.RLE]]
) -> np.ndarray:
    """RGB (H, W, 3): ``frame`` with each (name, rgb, mask) tinted in order, names at their tops."""
    out = frame.astype(np.float32)
    for _, colour, mask in layers:
        inside = rle.decode(mask) > 0
        out[inside] = (1 - ALPHA) * out[inside] + ALPHA * np.asarray(colour, np.float32)
    image = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for name, colour, mask in layers:
        x, y, w, _ = rle.bbox(mask)
        if w > 0:
            x, y = int(x), max(int(y) - 12, 0)
            draw.text((x + 1, y + 1), name, fill=(0, 0, 0))
            draw.text((x, y), name, fill=tuple(colour))
    return np.asarray(image)


def export_overlay(
    job: ExportJob, out: Path, overwrite: bool = False
) -> Generator[int, None, None]:
    """An H.264 mp4 at the video's frame rate; yields after each frame."""
    if out.suffix.lower() != ".mp4":
        raise ExportError(f"{out}: the overlay video must be an .mp4 file")
    with staged(out, overwrite, folder=False) as tmp, VideoWriter(tmp, job.fps) as writer:
        for f in job.frames:
            layers = [
                (job.model.objects[k].name, job.model.objects[k].color, m) for k, m in job.masks(f)
            ]
            writer.write(overlay_frame(np.asarray(job.pixels(f)), layers))
            yield f
