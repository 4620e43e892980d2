"""``annotator bench flow``: the flow backend's speed, JSON-ready reports (SiamMask's is
``annotator.bench.siammask``).

Figures are meant to be read as ratios against a baseline measured in the same
run (these machines are noisy): for the tracker, batched objects against the
same objects tracked one call each.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np

from annotator.tracking.flow import FlowConfig, FlowTracker


def time_per_frame(step: Callable[[int], None], frames: int, warmup: int = 2) -> float:
    """Seconds per call of ``step(i)`` over ``frames`` calls, after ``warmup`` untimed ones."""
    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(warmup, warmup + frames):
        step(i)
    return (time.perf_counter() - start) / frames


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

    return 1.0 / time_per_frame(step, frames)


def _flow_pair_case(config: FlowConfig, clip: list[np.ndarray], frames: int) -> float:
    """The baseline: the two DIS flows per frame alone, without any mask work."""
    tracker = FlowTracker(config)
    grays = [tracker.gray(f) for f in clip]

    def step(i: int) -> None:
        tracker.flow_pair(grays[i], grays[i + 1])

    return 1.0 / time_per_frame(step, frames)


def bench_flow(frames: int = 20) -> dict[str, object]:
    """Flow backend frames per second at 480p and 1080p, 1 and 5 objects.

    Each size times the bare optical flow (two DIS calls per frame), a plain
    warp of the mask (the baseline a method must beat on quality), and the
    default backend (soft warp and graph cut) with the medium and fast DIS
    presets; ``vs_plain_warp`` is the default's fps over the plain warp's,
    measured in the same run, and ``hidden_parts_cost`` the default's fps over
    its fps without carrying hidden parts (``FlowConfig.hidden_decay`` 0).
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
            plain = FlowConfig(preset=preset, soft=False, refine=False, hidden_decay=0.0)
            warp = _flow_case(plain, clip, 1, frames)
            one = _flow_case(FlowConfig(preset=preset), clip, 1, frames)
            unhidden = _flow_case(FlowConfig(preset=preset, hidden_decay=0.0), clip, 1, frames)
            five = _flow_case(FlowConfig(preset=preset), clip, 5, frames)
            results[f"{label}_{preset}"] = {
                "frame_size": [width, height],
                "preset": preset,
                "fps_flow_only": round(bare, 2),
                "fps_plain_warp_1_object": round(warp, 2),
                "fps_1_object": round(one, 2),
                "fps_1_object_no_hidden_parts": round(unhidden, 2),
                "fps_5_objects": round(five, 2),
                "vs_plain_warp": round(one / warp, 3),
                "hidden_parts_cost": round(one / unhidden, 3),
                "five_objects_vs_one": round(five / one, 3),
            }
    return report
