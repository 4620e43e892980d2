"""Seek and memory benchmark for ``FrameSource`` on a generated H.264 video."""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from annotator.video.frame_source import open_source
from annotator.video.synthetic import render_frames, write_video


def _generated_frames(width: int, height: int, content: str) -> list[np.ndarray]:
    """Templates cycled to make a long clip.

    "noise": eight shifted copies of one noise image, the worst case for a
    decoder (every macroblock is detail). "scene": 30 frames of the sample
    clip's moving textured shapes, closer to real footage.
    """
    if content == "scene":
        frames, _ = render_frames(30, width, height)
        return frames
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    return [np.roll(base, 16 * k, axis=1) for k in range(8)]


def bench_seek(
    frames: int = 2000,
    width: int = 1920,
    height: int = 1080,
    seeks: int = 60,
    content: str = "noise",
) -> dict[str, object]:
    """Median random-seek latency, sequential read speed and peak memory (max RSS)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mp4"
        t0 = time.perf_counter()
        templates = _generated_frames(width, height, content)
        # Frames drawn from a few templates, so generating a long clip stays small.
        write_video(path, (templates[i % len(templates)] for i in range(frames)), gop=30)
        encode_s = time.perf_counter() - t0
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        order = random.Random(0).sample(range(frames), min(seeks, frames))
        with open_source(path, cache_bytes=64 * 1024 * 1024, prefetch=0) as source:
            latencies = []
            for i in order:
                t = time.perf_counter()
                source[i]
                latencies.append(time.perf_counter() - t)
        with open_source(path, cache_bytes=64 * 1024 * 1024) as source:
            t = time.perf_counter()
            for _ in source:
                pass
            sequential_fps = frames / (time.perf_counter() - t)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "benchmark": "video",
        "content": content,
        "frames": frames,
        "size": [width, height],
        "encode_seconds": round(encode_s, 2),
        "seek_median_ms": round(1000 * statistics.median(latencies), 2),
        "seek_p90_ms": round(1000 * sorted(latencies)[int(0.9 * len(latencies))], 2),
        "sequential_fps": round(sequential_fps, 1),
        "max_rss_mb_before_reading": round(rss_before / 1024, 1),
        "max_rss_mb_after_reading_all": round(rss_after / 1024, 1),
    }
