"""How far a stroke's cut reaches on a large object (``StrokeWeights.max_reach_px``)."""

from __future__ import annotations

import numpy as np

from annotator.propagation import mask_iou
from annotator.tracking.strokes import Stroke, StrokeWeights, apply_strokes


def large_object() -> tuple[np.ndarray, np.ndarray]:
    """A 480 x 640 textured green frame with a red object 400 px tall and 440 wide."""
    rng = np.random.default_rng(11)
    h, w = 480, 640
    frame = np.empty((h, w, 3), np.uint8)
    frame[..., 0] = rng.integers(40, 90, (h, w))
    frame[..., 1] = rng.integers(90, 140, (h, w))
    frame[..., 2] = rng.integers(40, 90, (h, w))
    truth = np.zeros((h, w), np.uint8)
    truth[40:440, 100:540] = 1
    n = int(truth.sum())
    frame[truth > 0] = np.stack(
        [rng.integers(170, 230, n), rng.integers(20, 60, n), rng.integers(20, 60, n)], axis=1
    )
    return frame, truth


def test_a_stroke_far_from_the_mask_on_a_large_object_reaches_past_160_px() -> None:
    """The mask holds a strip at the object's left edge; the stroke runs down the object
    120 px right of it, 360 px long. The cut may reach 0.75 of that span (270 px): past
    the old 160 px cap, as a motocross rider five times the size of its keyframe needs
    (``scripts/replay_strokes.py stale``)."""
    frame, truth = large_object()
    strip = np.zeros_like(truth)
    strip[40:440, 100:180] = 1
    stroke = [Stroke(((300.0, 60.0), (300.0, 420.0)), 3.0, True)]
    after = apply_strokes(frame, strip, stroke)
    capped = apply_strokes(frame, strip, stroke, StrokeWeights(max_reach_px=160.0))
    assert mask_iou(after, truth) > mask_iou(capped, truth) + 0.2
    assert not (after & (1 - truth)).any()  # all it added is the object's
