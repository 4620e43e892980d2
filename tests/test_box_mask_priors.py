"""The box init's priors: the camera read near the box, a tight box's rows and columns, and
the object's colours learnt again from the last cut."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from annotator.metrics import jaccard
from annotator.tracking.box_mask import (
    BoxMaskConfig,
    box_logit,
    box_mask,
    cut_in_box,
    pinpoint,
    refit_and_cut,
)


def _texture(h: int, w: int, seed: int) -> np.ndarray:
    coarse = np.random.default_rng(seed).integers(0, 255, (h // 8, w // 8, 3)).astype(np.uint8)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _parallax_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A camera panning with an object on the near ground: far scenery (top 200 rows)
    moves 1 px, the ground 8 px, the object not at all. (frame, neighbour, truth)."""
    h, w = 360, 640
    far, near, skin = _texture(h, w + 40, 1), _texture(h, w + 40, 2), _texture(h, w + 40, 3)[:, :w]
    yy, xx = np.mgrid[:h, :w]
    disc = (yy - 290) ** 2 + (xx - 460) ** 2 < 50**2

    def render(far_dx: int, near_dx: int) -> np.ndarray:
        frame = np.empty((h, w, 3), np.uint8)
        frame[:200] = far[:200, 20 - far_dx : 20 - far_dx + w]
        frame[200:] = near[200:, 20 - near_dx : 20 - near_dx + w]
        frame[disc] = skin[disc]
        return frame

    return render(0, 0), render(1, 8), disc.astype(np.uint8)


def test_the_camera_is_read_on_the_ground_around_the_box() -> None:
    """Fitted to the whole frame, the camera is the far scenery's pan, and the near ground
    in the box seems to move as much as an object would; fitted around the box, it is the
    ground's, and only the object stands out (a horse on sand under trees)."""
    frame, neighbour, truth = _parallax_scene()
    box = (410, 240, 101, 101)
    # One cut, so that only the camera's fit differs (the vote of three adds a thin
    # ring of ground here: two of the three GrabCuts keep it, IoU 0.87).
    ring = BoxMaskConfig(vote_margins=())
    whole = dataclasses.replace(ring, camera_ring=None)
    assert jaccard(box_mask(frame, box, neighbour, whole) > 0, truth > 0) < 0.5
    assert jaccard(box_mask(frame, box, neighbour, ring) > 0, truth > 0) > 0.9
    assert jaccard(box_mask(frame, box, neighbour) > 0, truth > 0) > 0.85


def test_pinpointing_gives_every_row_and_column_of_the_box_some_object() -> None:
    """The cut kept a disc and dropped the thin stick that reaches the box's left side;
    the stick's pixels are object-like, so each empty column gets a seed and the stick
    comes back. A column with nothing object-like in it (a loose box) stays empty."""
    h, w = 60, 100
    crop = np.full((h, w, 3), 90, np.uint8)
    inside = (slice(10, 50), slice(10, 90))  # the box: rows 10-49, columns 10-89
    truth = np.zeros((h, w), np.uint8)
    cv2.circle(truth, (70, 30), 15, 1, -1)
    truth[30, 12:60] = 1  # the stick, one pixel thick
    logit = np.where(truth > 0, 2.0, -2.0).astype(np.float32)
    logit[:, :10] = logit[:, 90:] = 0
    logit[:, 10:12] = -1.0  # the box's two leftmost columns: nothing object-like
    logit[:10] = logit[50:] = 0
    dropped = truth.copy()
    dropped[30, :55] = 0
    cfg = BoxMaskConfig()
    out = pinpoint(crop, inside, logit, dropped, cfg)
    assert np.array_equal(out[30, 12:60], np.ones(48, np.uint8))
    assert out[:, 10:12].sum() == 0
    # Nothing else comes in, but for the corners where the stick meets the disc.
    near = cv2.dilate(truth, np.ones((9, 9), np.uint8)) > 0
    assert out[~near].sum() == 0
    off = dataclasses.replace(cfg, pinpoint=0)
    assert np.array_equal(pinpoint(crop, inside, logit, dropped, off), dropped)


def test_the_object_colours_are_learnt_again_from_the_last_cut() -> None:
    """GrabCut learnt a pale brown patch of still background as the object's; the last cut
    dropped it. Learnt again from that cut, the object's model has no brown in it, and a
    cut on it leaves the patch out where the old model would keep it, and cuts the
    object anew."""
    rng = np.random.default_rng(5)
    h, w = 120, 200
    crop = np.clip(rng.normal(128, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    inside = (slice(20, 100), slice(30, 170))
    disc = np.zeros((h, w), np.uint8)
    cv2.circle(disc, (80, 60), 30, 1, -1)
    patch = np.zeros((h, w), np.uint8)
    patch[40:80, 125:160] = 1
    for region, colour in ((disc, (200, 30, 30)), (patch, (140, 110, 90))):
        noisy = np.clip(rng.normal(colour, 6, (h, w, 3)), 0, 255).astype(np.uint8)
        crop[region > 0] = noisy[region > 0]
    cfg = BoxMaskConfig()
    labels = np.full((h, w), cv2.GC_BGD, np.uint8)
    labels[inside] = np.where((disc | patch)[inside] > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    fg_model, bg_model = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)
    cv2.grabCut(crop, labels, None, bg_model, fg_model, 0, cv2.GC_INIT_WITH_MASK)
    # The box's motion says nothing either way: colour decides.
    motion = np.full((80, 140), cfg.motion_factor)
    logit = box_logit(crop, inside, fg_model, bg_model, motion, cfg)
    assert logit is not None
    old = cut_in_box(crop, inside, logit, np.zeros((h, w), bool), cfg)
    assert old[patch > 0].mean() > 0.9
    # The last cut also lost the disc's lower half; the cut on the new model brings it back.
    last = disc.copy()
    last[60:] = 0
    new = refit_and_cut(crop, inside, last, bg_model, motion, cfg)
    assert new[patch > 0].mean() < 0.05
    assert jaccard(new > 0, disc > 0) > 0.95
    empty = np.zeros((h, w), np.uint8)
    assert np.array_equal(refit_and_cut(crop, inside, empty, bg_model, motion, cfg), empty)
