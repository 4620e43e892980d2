"""``annotator bench tracker`` and ``annotator bench flow``: tracker speed, JSON-ready reports.

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
from annotator.tracking.flow import FlowConfig, FlowTracker
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
    results: dict[str, object] = {}
    report: dict[str, object] = {
        "benchmark": "tracker",
        "frame_size": [854, 480],
        "frames_timed": frames,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "results": results,
    }
    torch.manual_seed(0)
    net = load_network(weights) if weights is not None else SiamMaskNet().eval()
    for name in devices:
        dev = resolve_device(name)
        tracker = SiamMaskTracker(net, device=dev)
        one = _tracker_case(tracker, clip, 1, True, frames)
        four_batched = _tracker_case(tracker, clip, 4, True, frames)
        four_sequential = _tracker_case(tracker, clip, 4, False, frames)
        results[name] = {
            "device": device_label(dev),
            "fps_1_object": round(one, 3),
            "fps_4_objects_batched": round(four_batched, 3),
            "fps_4_objects_sequential": round(four_sequential, 3),
            "batched_speedup_vs_sequential": round(four_batched / four_sequential, 3),
            "object_frames_per_second_4_batched": round(4 * four_batched, 3),
        }
    return report


def _disc_masks(width: int, height: int, count: int) -> list[np.ndarray]:
    """``count`` disc masks (H, W) uint8 spread over the frame, about 1/30 of it each."""
    yy, xx = np.mgrid[0:height, 0:width]
    r = 0.1 * height
    return [
        (((xx - width * (k + 1) / (count + 1)) ** 2 + (yy - height / 2) ** 2) <= r * r).astype(
            np.uint8
        )
        for k in range(count)
    ]


def _flow_case(config: FlowConfig, clip: list[np.ndarray], n_obj: int, frames: int) -> float:
    tracker = FlowTracker(config)
    h, w = clip[0].shape[:2]
    states = [tracker.init(clip[0], mask=m) for m in _disc_masks(w, h, n_obj)]

    def step(i: int) -> None:
        nonlocal states
        states = [r.state for r in tracker.track(clip[1 + i], states)]

    return 1.0 / _time_per_frame(step, frames)


def _flow_pair_case(config: FlowConfig, clip: list[np.ndarray], frames: int) -> float:
    """The baseline: the two DIS flows per frame alone, without any mask work."""
    tracker = FlowTracker(config)
    grays = [tracker.gray(f) for f in clip]

    def step(i: int) -> None:
        tracker.flow_pair(grays[i], grays[i + 1])

    return 1.0 / _time_per_frame(step, frames)


def bench_flow(frames: int = 20) -> dict[str, object]:
    """Flow backend frames per second at 480p and 1080p, 1 and 5 objects.

    Each size times the bare optical flow (two DIS calls per frame), a plain
    warp of the mask (the baseline a method must beat on quality), and the
    default backend (soft warp and graph cut) with the medium and fast DIS
    presets; ``vs_plain_warp`` is the default's fps over the plain warp's,
    measured in the same run.
    """
    import cv2

    from annotator.video.synthetic import render_frames

    results: dict[str, object] = {}
    report: dict[str, object] = {
        "benchmark": "flow",
        "frames_timed": frames,
        "opencv": cv2.__version__,
        "opencv_threads": cv2.getNumThreads(),
        "machine": platform.processor() or platform.machine(),
        "results": results,
    }
    for label, (width, height) in (("480p", (854, 480)), ("1080p", (1920, 1080))):
        clip, _ = render_frames(frames + 3, width, height)
        for preset in ("medium", "fast"):
            bare = _flow_pair_case(FlowConfig(preset=preset), clip, frames)
            plain = FlowConfig(preset=preset, soft=False, refine=False)
            warp = _flow_case(plain, clip, 1, frames)
            one = _flow_case(FlowConfig(preset=preset), clip, 1, frames)
            five = _flow_case(FlowConfig(preset=preset), clip, 5, frames)
            results[f"{label}_{preset}"] = {
                "frame_size": [width, height],
                "preset": preset,
                "fps_flow_only": round(bare, 2),
                "fps_plain_warp_1_object": round(warp, 2),
                "fps_1_object": round(one, 2),
                "fps_5_objects": round(five, 2),
                "vs_plain_warp": round(one / warp, 3),
                "five_objects_vs_one": round(five / one, 3),
            }
    return report
