"""A box becomes a mask: GrabCut, told by a neighbouring frame what moves."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from annotator.errors import InvalidBoxError
from annotator.metrics import jaccard
from annotator.tracking.box_mask import (
    BoxMaskConfig,
    box_mask,
    clean_mask,
    gmm_log_likelihood,
    neighbour_index,
)
from annotator.tracking.box_motion import largest_share


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


def _strip_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A moving disc above a still strip of the same colours (its shadow, the ground it
    stands on), with those colours around the box too, so colour alone cannot tell
    the strip from the disc. Returns (frame, neighbour, truth); the disc moves 8 px."""
    rng = np.random.default_rng(5)
    warm = [(200, 40, 40), (230, 120, 60), (150, 30, 90)]
    cool = [(40, 140, 60), (90, 170, 80), (30, 90, 120)]

    def texture(h: int, w: int, palette: list[tuple[int, int, int]]) -> np.ndarray:
        cells = np.asarray(palette, np.uint8)[rng.integers(0, 3, (h // 6 + 1, w // 6 + 1))]
        img = cv2.resize(cells, (cells.shape[1] * 6, cells.shape[0] * 6), interpolation=0)
        return np.clip(img[:h, :w] + rng.normal(0, 10, (h, w, 3)), 0, 255).astype(np.uint8)

    ground, strip = texture(240, 400, cool), texture(40, 160, warm)
    disc_tex = texture(100, 100, warm)
    ground[120:240, 0:100] = texture(120, 100, warm)
    ground[120:240, 300:400] = texture(120, 100, warm)
    ground[160:200, 120:280] = strip
    yy, xx = np.mgrid[:100, :100]
    disc = (yy - 50) ** 2 + (xx - 50) ** 2 < 48**2

    def render(dx: int) -> tuple[np.ndarray, np.ndarray]:
        frame, truth = ground.copy(), np.zeros((240, 400), np.uint8)
        frame[60:160, 150 + dx : 250 + dx][disc] = disc_tex[disc]
        truth[60:160, 150 + dx : 250 + dx] = disc
        return frame, truth

    (frame, truth), (neighbour, _) = render(0), render(8)
    return frame, neighbour, truth


def test_motion_keeps_a_still_look_alike_out_of_the_mask() -> None:
    frame, neighbour, truth = _strip_scene()
    box = (120, 55, 160, 145)  # xywh over the disc and the strip
    seeded_only = box_mask(frame, box, neighbour, BoxMaskConfig(motion_weight=0.0))
    cut = box_mask(frame, box, neighbour)
    assert jaccard(seeded_only, truth) < 0.6  # GrabCut takes the strip in
    assert jaccard(cut, truth) > 0.9


def test_gmm_log_likelihood_reads_grabcuts_layout() -> None:
    model = np.zeros((1, 65))
    model[0, 0] = 1.0  # one component: weight, mean (10, 20, 30), covariance 4 I
    model[0, 5:8] = (10, 20, 30)
    model[0, 20:29] = (4 * np.eye(3)).ravel()
    pixels = np.array([[10.0, 20.0, 30.0], [12.0, 20.0, 30.0]])
    expected = -0.5 * np.log(4.01**3) - 0.5 * np.array([0.0, 4.0 / 4.01])
    assert np.allclose(gmm_log_likelihood(model, pixels), expected)


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


def test_largest_share_measures_how_scattered_motion_is() -> None:
    mask = np.zeros((60, 60), bool)
    assert largest_share(mask) == 0.0
    mask[5:25, 5:25] = True
    assert largest_share(mask) == 1.0
    mask[40:50, 40:50] = True
    assert largest_share(mask) == 400 / 500


def test_the_box_mask_is_the_majority_of_cuts_seeing_different_margins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GrabCut's optimum depends on the background sample it is shown; the box init
    runs its cut once per margin (``vote_margins``) and keeps what most cuts say."""
    from annotator.tracking import box_mask as module

    seen: list[float] = []

    def cut(frame, box, motion, margin, cfg):  # type: ignore[no-untyped-def]
        seen.append(margin)
        out = np.zeros(frame.shape[:2], np.uint8)
        out[10:20, 10:20] = 1  # every cut
        out[20:30, 10:20] = margin >= 0.5  # two of three
        out[30:40, 10:20] = margin == 1.0  # one of three
        return out

    monkeypatch.setattr(module, "_cut_with_margin", cut)
    frame = np.zeros((60, 60, 3), np.uint8)
    voted = box_mask(frame, (5, 5, 40, 40), None, BoxMaskConfig(vote_margins=(1.0, 0.25)))
    assert sorted(seen) == [0.25, 0.5, 1.0]
    expected = np.zeros((60, 60), np.uint8)
    expected[10:30, 10:20] = 1
    assert np.array_equal(voted, expected)
    seen.clear()
    single = box_mask(frame, (5, 5, 40, 40), None, BoxMaskConfig(vote_margins=()))
    assert seen == [0.5] and single[30:40, 10:20].sum() == 0
