"""FrameSource: frame-accurate random access, image folders, cache bound, bad files."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from annotator.errors import VideoError
from annotator.video.frame_source import FrameCache, open_source
from annotator.video.synthetic import render_frames, write_video


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames, _ = render_frames(75, 320, 180)
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    write_video(path, frames, gop=12)
    return path


def test_random_access_equals_sequential_decoding(h264: Path) -> None:
    with open_source(h264, prefetch=0) as source:
        assert (len(source), source.size, source.fps) == (75, (320, 180), 30.0)
        sequential = [np.array(f) for f in source]
    order = list(range(75))
    random.Random(1).shuffle(order)
    with open_source(h264, cache_bytes=3 * 320 * 180 * 3) as source:
        for i in [*order, 74, 0, 37, 36, 38, 40, 44, 47, 50, 3, 5, 11, 13]:
            assert np.array_equal(source[i], sequential[i]), f"frame {i}"


def test_frames_are_read_only_rgb(h264: Path) -> None:
    with open_source(h264) as source:
        frame = source[5]
    assert frame.dtype == np.uint8 and frame.shape == (180, 320, 3)
    with pytest.raises(ValueError):
        frame[0, 0, 0] = 1


def test_image_folder_is_sorted_by_name(tmp_path: Path) -> None:
    from PIL import Image

    for name, value in [("b.png", 20), ("a.png", 10), ("c.jpg", 30)]:
        Image.fromarray(np.full((8, 10, 3), value, np.uint8)).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("ignored")
    with open_source(tmp_path) as source:
        assert len(source) == 3 and source.size == (10, 8)
        assert [int(source[i][0, 0, 0]) for i in range(3)] == [10, 20, 30]


def test_unpadded_frame_names_are_read_in_natural_order(tmp_path: Path) -> None:
    from PIL import Image

    for i in (1, 2, 10, 11, 20):
        Image.fromarray(np.full((4, 4, 3), i, np.uint8)).save(tmp_path / f"frame{i}.png")
    with open_source(tmp_path) as source:
        assert [int(source[i][0, 0, 0]) for i in range(len(source))] == [1, 2, 10, 11, 20]


def test_cache_is_bounded_in_bytes() -> None:
    cache = FrameCache(max_bytes=3 * 100)
    for i in range(10):
        cache.put(i, np.zeros(100, np.uint8))
    assert cache.nbytes <= 300
    assert 9 in cache and 0 not in cache


def test_truncated_video_keeps_its_complete_frames(tmp_path: Path) -> None:
    import av

    # The index (moov) at the front, as a streaming-friendly mp4 has it, so that
    # half of the file is still a video whose first frames are all there.
    frames, _ = render_frames(60, 160, 96)
    full = tmp_path / "faststart.mp4"
    with av.open(str(full), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.options = {"g": "10", "crf": "20"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with open_source(cut) as source:
        count = len(source)
        assert count > 0
        good = 0
        for i in range(count):
            try:
                frame = source[i]
            except VideoError as exc:
                assert f"frame {i}" in str(exc) and "cut.mp4" in str(exc)
                break
            # A frame that decodes is the frame that was written (within H.264 loss).
            assert np.abs(frame.astype(int) - frames[i].astype(int)).mean() < 8
            good += 1
        assert 5 <= good < 60


@pytest.mark.parametrize("content", [b"", b"garbage" * 100])
def test_corrupt_video_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match=r"bad\.mp4"):
        open_source(path)


def test_missing_path_and_single_image(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="does not exist"):
        open_source(tmp_path / "nope.mp4")
    image = tmp_path / "one.png"
    from PIL import Image

    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(image)
    with pytest.raises(VideoError, match="single image"):
        open_source(image)


def test_a_twin_reuses_the_index_and_reads_on_its_own(
    h264: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.video.frame_source import VideoFileSource

    with open_source(h264) as source:
        assert isinstance(source, VideoFileSource)
        expected = [source[i].copy() for i in (0, 7, 3)]

        def no_scan(self: VideoFileSource) -> None:
            raise AssertionError("a twin must not demux the file again")

        monkeypatch.setattr(VideoFileSource, "_scan", no_scan)
        with source.twin() as twin:
            assert len(twin) == len(source) and twin.size == source.size
            for got, want in zip((twin[0], twin[7], twin[3]), expected, strict=True):
                assert np.array_equal(got, want)
        # Closing the twin leaves the original open.
        assert np.array_equal(source[7], expected[1])


def test_a_folder_twin_reads_the_same_files(tmp_path: Path) -> None:
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((8, 10, 3), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    with open_source(tmp_path) as source, source.twin() as twin:
        assert len(twin) == 3 and np.array_equal(twin[2], source[2])
