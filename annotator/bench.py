"""Benchmarks behind ``annotator bench``; each returns a JSON-ready report.

Figures are meant to be read as ratios against a baseline measured in the same
run (these machines are noisy): for the tracker, batched objects against the
same objects tracked one call each.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from annotator.tracking.device import device_label, resolve_device
from annotator.tracking.network import SiamMaskNet
from annotator.tracking.siammask import SiamMaskTracker
from annotator.tracking.weights import load_network


def synthetic_clip(n: int, width: int = 854, height: int = 480, seed: int = 0) -> list[np.ndarray]:
    """Textured frames (RGB uint8) with a textured square moving right; for timing only."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    patch = rng.integers(0, 255, (80, 80, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        frame = background.copy()
        x = 100 + 3 * i
        frame[200:280, x : x + 80] = patch
        frames.append(frame)
    return frames


def _time_per_frame(step: Callable[[int], None], frames: int, warmup: int = 2) -> float:
    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(warmup, warmup + frames):
        step(i)
    return (time.perf_counter() - start) / frames


def _tracker_case(
    tracker: SiamMaskTracker, clip: list[np.ndarray], n_obj: int, batched: bool, frames: int
) -> float:
    boxes = [(100 + 150 * k % 600, 150 + 40 * k, 90, 100) for k in range(n_obj)]
    states = [tracker.init(clip[0], box=b) for b in boxes]

    def step(i: int) -> None:
        nonlocal states
        frame = clip[1 + i]
        if batched:
            states = [r.state for r in tracker.track(frame, states)]
        else:
            states = [tracker.track(frame, [s])[0].state for s in states]

    if tracker.device.type == "cuda":
        torch.cuda.synchronize()
    seconds = _time_per_frame(step, frames)
    return 1.0 / seconds


def bench_tracker(
    frames: int = 20, device: str = "auto", weights: Path | None = None
) -> dict[str, object]:
    """Tracker frames per second: 1 object; 4 objects batched vs 4 sequential calls.

    Without ``weights`` the network is randomly initialised: speed does not
    depend on the weight values.
    """
    devices = ["cpu"]
    if device in ("auto", "cuda") and torch.cuda.is_available():
        devices.append("cuda")
    clip = synthetic_clip(frames + 3)
    report: dict[str, object] = {
        "benchmark": "tracker",
        "frame_size": [854, 480],
        "frames_timed": frames,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "results": {},
    }
    torch.manual_seed(0)
    net = load_network(weights) if weights is not None else SiamMaskNet().eval()
    for name in devices:
        dev = resolve_device(name)
        tracker = SiamMaskTracker(net, device=dev)
        one = _tracker_case(tracker, clip, 1, True, frames)
        four_batched = _tracker_case(tracker, clip, 4, True, frames)
        four_sequential = _tracker_case(tracker, clip, 4, False, frames)
        report["results"][name] = {  # type: ignore[index]
            "device": device_label(dev),
            "fps_1_object": round(one, 3),
            "fps_4_objects_batched": round(four_batched, 3),
            "fps_4_objects_sequential": round(four_sequential, 3),
            "batched_speedup_vs_sequential": round(four_batched / four_sequential, 3),
            "object_frames_per_second_4_batched": round(4 * four_batched, 3),
        }
    return report


def bench_video(frames: int = 2000) -> dict[str, object]:
    from annotator.video.bench import bench_seek

    return bench_seek(frames)
