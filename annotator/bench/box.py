"""``annotator bench box``: how long a box takes to become a mask on an 854 x 480 frame.

The box init (``annotator.tracking.box_mask``) runs once per object, on a worker
thread while the window shows that it is busy. It runs its cut once per margin
it votes over (``BoxMaskConfig.vote_margins``), on threads; each case times the
vote against a single cut on the same box, measured in the same run.
"""

from __future__ import annotations

import dataclasses
import platform

import numpy as np

from annotator.bench.timing import times_ms
from annotator.metrics import jaccard
from annotator.tracking.box_mask import NEIGHBOUR_GAP, BoxMaskConfig, box_mask
from annotator.tracking.geometry import mask_bbox
from annotator.video.synthetic import render_frames


def bench_box(repeats: int = 5, width: int = 854, height: int = 480) -> dict[str, object]:
    """Median and worst time per box, in ms, with the vote and with one cut, and each
    mask's IoU with the truth. Boxes: the sample clip's disc and square, each as its
    true box and drawn a quarter of its size looser on every side."""
    frames, truths = render_frames(NEIGHBOUR_GAP + 1, width, height)
    frame, neighbour = frames[0], frames[NEIGHBOUR_GAP]
    cases: dict[str, tuple[np.ndarray, tuple[float, float, float, float]]] = {}
    for name, truth in (("disc", truths[0][0]), ("square", truths[0][1])):
        tight = mask_bbox(truth)
        assert tight is not None
        x, y, w, h = (float(v) for v in tight)
        cases[name] = (truth, (x, y, w, h))
        cases[f"{name}_loose"] = (truth, (x - w / 4, y - h / 4, 1.5 * w, 1.5 * h))
    voting = BoxMaskConfig()
    single = dataclasses.replace(voting, vote_margins=())
    results: dict[str, dict[str, float]] = {}
    for name, (truth, box) in cases.items():
        row: dict[str, float] = {}
        for label, cfg in (("vote", voting), ("one_cut", single)):

            def init(
                c: BoxMaskConfig = cfg, b: tuple[float, float, float, float] = box
            ) -> np.ndarray:
                return box_mask(frame, b, neighbour, c)

            times, mask = times_ms(init, repeats)
            row[f"{label}_median_ms"] = round(float(np.median(times)), 1)
            row[f"{label}_max_ms"] = round(float(np.max(times)), 1)
            row[f"{label}_iou"] = round(jaccard(mask, truth), 3)
        row["vote_vs_one_cut"] = round(
            row["vote_median_ms"] / max(row["one_cut_median_ms"], 1e-6), 2
        )
        results[name] = row
    return {
        "benchmark": "box",
        "frame_size": [width, height],
        "repeats": repeats,
        "machine": platform.processor() or platform.machine(),
        "vote_margins": list(voting.vote_margins),
        "results": results,
    }
