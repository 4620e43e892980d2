"""A mask left where the object was, next to where it is now, is replaced by the
keyframe moved onto the foreground stroke, not extended (``lost_object.CROSSED``)."""

from __future__ import annotations

import numpy as np

from annotator.propagation import mask_iou
from annotator.tracking.lost_object import left_behind
from annotator.tracking.strokes import Stroke, apply_strokes, stroke_labels

H, W = 160, 260
TOP, SIZE_Y, SIZE_X = 50, 50, 70


def scenes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(keyframe, its mask) with a textured object at x = 40, and (frame, truth) with
    it at x = 110, right next to where it was."""
    rng = np.random.default_rng(8)
    background = rng.integers(0, 120, (H, W, 3), dtype=np.uint8)
    pattern = rng.integers(130, 255, (SIZE_Y, SIZE_X, 3), dtype=np.uint8)

    def at(x: int) -> tuple[np.ndarray, np.ndarray]:
        frame = background.copy()
        frame[TOP : TOP + SIZE_Y, x : x + SIZE_X] = pattern
        mask = np.zeros((H, W), np.uint8)
        mask[TOP : TOP + SIZE_Y, x : x + SIZE_X] = 1
        return frame, mask

    key_frame, key_mask = at(40)
    frame, truth = at(110)
    return key_frame, key_mask, frame, truth


def test_a_mask_left_next_to_the_object_is_replaced_not_extended() -> None:
    key_frame, key_mask, frame, truth = scenes()
    # the tracker's mask stayed where the object was, with the background around it:
    # taller than the cut reaches from a stroke across its middle
    stale = np.zeros((H, W), np.uint8)
    stale[25:125, 5:110] = 1
    strokes = [
        Stroke(((113.0, 75.0), (170.0, 75.0)), 2.0, True),  # touches the stale mask
        Stroke(((10.0, 75.0), (105.0, 75.0)), 2.0, False),  # across it
    ]
    assert left_behind(stale, truth, stroke_labels((H, W), strokes))
    out = apply_strokes(frame, stale, strokes, reference=(key_frame, key_mask))
    assert mask_iou(out, truth) > 0.9
    assert out[stale > 0].mean() < 0.05


def test_a_mask_the_background_stroke_crosses_only_in_part_is_not_left_behind() -> None:
    _, key_mask, _, truth = scenes()
    short = [
        Stroke(((113.0, 75.0), (170.0, 75.0)), 2.0, True),
        Stroke(((45.0, 75.0), (70.0, 75.0)), 2.0, False),  # 25 of 70 px
    ]
    assert not left_behind(key_mask, truth, stroke_labels((H, W), short))
    # a keyframe placed over half of the mask or more says the mask holds the object
    across = [short[0], Stroke(((45.0, 75.0), (105.0, 75.0)), 2.0, False)]
    assert not left_behind(key_mask, key_mask, stroke_labels((H, W), across))
