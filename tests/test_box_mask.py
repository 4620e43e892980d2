"""A box becomes a mask: GrabCut, told by a neighbouring frame what moves."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from annotator.errors import InvalidBoxError
from annotator.metrics import jaccard
from annotator.tracking.box_mask import box_mask, clean_mask, neighbour_index


def _textured_scene(shift_bg: int, shift_obj: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A perfectly camouflaged object: on ``frame`` it cannot be seen at all, so
    colour and edges cannot find it, only motion. Returns (frame, neighbour, truth).

    The background moves ``shift_bg`` px right between the two frames (a pan) and
    the object ``shift_obj`` px right.
    """
    rng = np.random.default_rng(4)
    coarse = rng.integers(0, 255, (40, 70, 3)).astype(np.uint8)
    bg = cv2.resize(coarse, (700, 400), interpolation=cv2.INTER_CUBIC)
    # The object wears the texture of the background it covers on the first frame, so
    # that there, it has no edge at all: only its motion in the neighbour gives it away.
    obj_tex = bg[100:220, 180:300]
    yy, xx = np.mgrid[:120, :120]
    disc = (yy - 60) ** 2 + (xx - 60) ** 2 < 55**2

    def render(bg_dx: int, obj_dx: int) -> tuple[np.ndarray, np.ndarray]:
        frame = bg[40:280, 40 - bg_dx : 440 - bg_dx].copy()
        truth = np.zeros(frame.shape[:2], np.uint8)
        y0, x0 = 60, 140 + obj_dx
        region = frame[y0 : y0 + 120, x0 : x0 + 120]
        region[disc] = obj_tex[disc]
        truth[y0 : y0 + 120, x0 : x0 + 120] = disc
        return frame, truth

    frame, truth = render(0, 0)
    neighbour, _ = render(shift_bg, shift_obj)
    return frame, neighbour, truth


@pytest.mark.parametrize("pan", [0, 3], ids=["still-camera", "panning-camera"])
def test_motion_finds_an_object_that_colour_cannot(pan: int) -> None:
    frame, neighbour, truth = _textured_scene(pan, 8)
    box = (115, 35, 170, 170)  # xywh, 25 px of background around the disc
    alone = jaccard(box_mask(frame, box), truth)
    told = jaccard(box_mask(frame, box, neighbour), truth)
    assert told > 0.8, (alone, told)
    assert told > alone + 0.3, (alone, told)


def test_no_motion_in_the_box_gives_the_plain_box_init() -> None:
    frame, _, _ = _textured_scene(0, 0)
    box = (130, 50, 140, 140)
    # The neighbour is the same frame: nothing moves, so the cue says nothing.
    assert np.array_equal(box_mask(frame, box, frame.copy()), box_mask(frame, box))


def test_a_neighbour_of_another_size_is_ignored() -> None:
    frame, _, _ = _textured_scene(0, 0)
    box = (130, 50, 140, 140)
    other = np.zeros((100, 100, 3), np.uint8)
    assert np.array_equal(box_mask(frame, box, other), box_mask(frame, box))


def test_a_box_too_small_or_outside_is_refused() -> None:
    frame, neighbour, _ = _textured_scene(0, 8)
    with pytest.raises(InvalidBoxError):
        box_mask(frame, (10, 10, 0, 5), neighbour)
    with pytest.raises(InvalidBoxError):
        box_mask(frame, (5000, 10, 20, 20), neighbour)
    with pytest.raises(InvalidBoxError):
        box_mask(frame, (10.2, 10.2, 1.2, 1.2), neighbour)


def test_a_box_over_the_whole_frame_still_gives_a_mask() -> None:
    # No background outside the box to fit the camera on: the plain init.
    frame, neighbour, _ = _textured_scene(0, 8)
    h, w = frame.shape[:2]
    mask = box_mask(frame, (0, 0, w, h), neighbour)
    assert mask.shape == (h, w) and mask.dtype == np.uint8 and mask.any()


def test_neighbour_index_prefers_a_later_frame() -> None:
    assert neighbour_index(0, 10) == 3
    assert neighbour_index(8, 10) == 5
    assert neighbour_index(1, 3) == 2
    assert neighbour_index(0, 2) == 1
    assert neighbour_index(0, 1) is None


def test_clean_mask_fills_holes_and_drops_specks() -> None:
    m = np.zeros((50, 50), np.uint8)
    m[10:40, 10:40] = 1
    m[20:25, 20:25] = 0
    m[2, 45] = 1
    out = clean_mask(m, 0.02)
    assert out[22, 22] == 1 and out[2, 45] == 0 and out.sum() == 900
