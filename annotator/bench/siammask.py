"""``annotator bench tracker``: SiamMask's speed per device, alone and end to end.

Per device (the CPU, and CUDA when there is one), at 480p and 1080p, for 1, 5
and 20 objects:

- ``tracker_steps_per_s``: ``track`` calls per second on frames already decoded;
- ``end_to_end_fps``: frames per second of the whole loop a propagation runs:
  decode the H.264 frame, track, encode each mask as RLE, commit to a project;
- ``breakdown_ms``: where a frame's time goes, in ms: ``decode``, ``crop``,
  ``network`` (search and refine), ``select`` (anchor selection and the
  transfer back), ``paste`` (masks into their windows, rotated boxes) and
  ``encode`` (RLE); ``commit_ms`` is the project write.

Baselines measured in the same run: five objects in one batched call against
five calls of one (``batched_speedup_vs_sequential``), and per device the
host-side work per object (crop, select, paste, encode) at 1080p for a small
object, one half the frame high and one of 1300 x 900 pixels
(``host_ms_per_object``): the crop costs the same at any size, but paste and
encode read every pixel of the mask's window, so they grow with the object
(with random weights the large object's mask covers about 90% of the frame, so
its window is the whole frame: the worst case).
Without ``weights`` the network is random: speed does not depend on the weight
values.
"""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from annotator.bench.trackers import time_per_frame
from annotator.commands.project import open_or_create
from annotator.core.model import AnnotationModel, ObjectInfo, Provenance
from annotator.propagation import result_mask
from annotator.tracking.device import device_label, resolve_device
from annotator.tracking.network import SiamMaskNet
from annotator.tracking.siammask import SiamMaskTracker
from annotator.tracking.weights import load_network
from annotator.video.frame_source import open_source
from annotator.video.synthetic import write_video

SIZES = {"480p": (854, 480), "1080p": (1920, 1080)}
OBJECT_COUNTS = (1, 5, 20)
STAGES = ("decode", "crop", "network", "select", "paste", "encode")


def textured_clip(n: int, width: int, height: int, seed: int = 0) -> list[np.ndarray]:
    """RGB uint8 frames: blurred noise with a textured square moving right; for timing."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    side = height // 6
    patch = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        frame = background.copy()
        x = width // 8 + 3 * i
        frame[height // 3 : height // 3 + side, x : x + side] = patch
        frames.append(frame)
    return frames


def object_boxes(count: int, width: int, height: int) -> list[tuple[float, float, float, float]]:
    """``count`` xywh boxes on a grid over the frame, each about 1/8 of its height."""
    side = height / 8
    cols = int(np.ceil(np.sqrt(count)))
    return [
        ((k % cols + 0.5) * width / cols - side / 2, (k // cols + 0.5) * height / cols - side / 2,
         side, side)
        for k in range(count)
    ]  # fmt: skip


def _steps_per_s(
    tracker: SiamMaskTracker, frames: list[np.ndarray], states: list[Any], n: int
) -> float:
    """``track`` calls per second over ``frames`` (the first two warm up). ``track`` ends
    with its one transfer to the host, so a GPU has finished when it returns."""

    def step(i: int) -> None:
        nonlocal states
        states = [r.state for r in tracker.track(frames[i % len(frames)], states)]

    return 1.0 / time_per_frame(step, n)


def _end_to_end(
    tracker: SiamMaskTracker, video: Path, project: Path, count: int, n: int
) -> dict[str, object]:
    """Decode, track, encode and commit ``n`` frames; fps and the per-frame breakdown."""
    with open_source(video) as source, open_or_create(project, source) as store:
        width, height = source.size
        model: AnnotationModel = store.model
        states = tracker.init_many(source[0], object_boxes(count, width, height))
        for k in range(1, count + 1):
            store.apply(model.add_object(ObjectInfo(k, f"object {k}")))
        decode = encode = commit = 0.0
        tracker.timer.reset()
        tracker.timer.enabled = True
        start = time.perf_counter()
        for f in range(1, n + 1):
            t0 = time.perf_counter()
            frame = source[f]
            t1 = time.perf_counter()
            results = tracker.track(frame, states)
            states = [r.state for r in results]
            t2 = time.perf_counter()
            cells = [
                (k + 1, f, result_mask(r, Provenance.PROPAGATED, 0)) for k, r in enumerate(results)
            ]
            t3 = time.perf_counter()
            store.apply(model.set_masks("bench", cells))
            t4 = time.perf_counter()
            decode, encode, commit = decode + t1 - t0, encode + t3 - t2, commit + t4 - t3
        total = time.perf_counter() - start
        tracker.timer.enabled = False
        spent = {"decode": decode, "encode": encode, **tracker.timer.seconds}
        return {
            "end_to_end_fps": round(n / total, 3),
            "breakdown_ms": {k: round(1000 * spent.get(k, 0.0) / n, 2) for k in STAGES},
            "commit_ms": round(1000 * commit / n, 2),
        }


def _host_ms_per_object(
    tracker: SiamMaskTracker, frame: np.ndarray, box: tuple[float, float, float, float], n: int
) -> float:
    """crop + select + paste + encode for one object, ms: the work the host does per object."""
    states = tracker.init_many(frame, [box])
    tracker.track(frame, states)  # warm up
    tracker.timer.reset()
    tracker.timer.enabled = True
    encode = 0.0
    for _ in range(n):
        results = tracker.track(frame, states)
        t = time.perf_counter()
        result_mask(results[0], Provenance.PROPAGATED, 0)
        encode += time.perf_counter() - t
    tracker.timer.enabled = False
    host = sum(tracker.timer.seconds.get(k, 0.0) for k in ("crop", "select", "paste")) + encode
    return round(1000 * host / n, 2)


def bench_tracker(
    frames: int = 20, device: str = "auto", weights: Path | None = None
) -> dict[str, object]:
    devices = ["cpu"]
    if device in ("auto", "cuda") and torch.cuda.is_available():
        devices.append("cuda")
    if device == "cpu":
        devices = ["cpu"]
    torch.manual_seed(0)
    net = load_network(weights) if weights is not None else SiamMaskNet().eval()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        clips = {}
        for label, (width, height) in SIZES.items():
            clips[label] = textured_clip(frames + 3, width, height)
            write_video(Path(tmp) / f"{label}.mp4", clips[label])
        for name in devices:
            dev = resolve_device(name)
            tracker = SiamMaskTracker(net, device=dev)
            row: dict[str, object] = {"device": device_label(dev)}
            for label, (width, height) in SIZES.items():
                clip = clips[label]
                for count in OBJECT_COUNTS:
                    boxes = object_boxes(count, width, height)
                    steps = _steps_per_s(tracker, clip, tracker.init_many(clip[0], boxes), frames)
                    project = Path(tmp) / f"{name}-{label}-{count}.annot"
                    case = _end_to_end(tracker, Path(tmp) / f"{label}.mp4", project, count, frames)
                    row[f"{label}_{count}"] = {"tracker_steps_per_s": round(steps, 3), **case}
            clip = clips["480p"]
            five = [tracker.init_many(clip[0], [b])[0] for b in object_boxes(5, 854, 480)]
            batched = _steps_per_s(tracker, clip, five, frames)
            one_each = 1.0 / sum(1.0 / _steps_per_s(tracker, clip, [s], frames) for s in five)
            row["batched_speedup_vs_sequential"] = round(batched / one_each, 3)
            big = clips["1080p"][0]
            row["host_ms_per_object"] = {
                "1080p_small_object": _host_ms_per_object(
                    tracker, big, (900, 480, 135, 135), frames
                ),
                "1080p_half_height_object": _host_ms_per_object(
                    tracker, big, (700, 270, 400, 540), frames
                ),
                "1080p_large_object": _host_ms_per_object(
                    tracker, big, (300, 90, 1300, 900), frames
                ),
            }
            results[name] = row
    return {
        "benchmark": "tracker",
        "frames_timed": frames,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "results": results,
    }
