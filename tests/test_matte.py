"""The matte refiner on frames whose true alpha is known, and the matte settings."""

from __future__ import annotations

import itertools
import logging

import cv2
import numpy as np
import pytest

from annotator.core.matte_settings import MatteSettings
from annotator.errors import AnnotatorError
from annotator.matte.chatter import reduce_chatter
from annotator.matte.refine import estimate_foreground, refine_alpha, trimap

log = logging.getLogger(__name__)

H, W = 120, 160
CENTRE, RADIUS, SOFTNESS = (80, 60), 36.0, 4.0
OBJECT_RGB = np.array([230, 60, 40], np.float32)


def soft_disc(shift_x: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(frame RGB uint8, true alpha float32): a red disc with a soft edge (about
    ``SOFTNESS`` px wide) composited over a blurred-noise texture."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur((rng.random((H, W, 3)) * 255).astype(np.uint8), (0, 0), 2)
    yy, xx = np.mgrid[:H, :W]
    r = np.hypot(yy - CENTRE[1], xx - CENTRE[0] - shift_x)
    alpha = np.clip((RADIUS - r) / SOFTNESS + 0.5, 0.0, 1.0).astype(np.float32)
    frame = alpha[..., None] * OBJECT_RGB + (1 - alpha[..., None]) * texture
    return np.round(frame).astype(np.uint8), alpha


def band_of(alpha: np.ndarray) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return np.abs(np.hypot(yy - CENTRE[1], xx - CENTRE[0]) - RADIUS) < 6


@pytest.mark.parametrize("method", ["guided", "closed-form"])
def test_refined_alpha_is_closer_to_the_truth_than_a_hard_or_feathered_mask(method: str) -> None:
    frame, truth = soft_disc()
    mask = truth > 0.5
    band = band_of(truth)
    refined = refine_alpha(frame, mask, MatteSettings(band_px=8, method=method))
    feathered = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2.0)

    def mae(a: np.ndarray) -> float:
        return float(np.abs(a - truth)[band].mean())

    errors = {"hard": mae(mask.astype(np.float32)), "feather": mae(feathered), method: mae(refined)}
    log.info("mean absolute alpha error in the band: %s", errors)
    assert errors[method] < 0.5 * errors["feather"] < 0.5 * errors["hard"]
    # Deep inside it is 1, far outside 0, exactly.
    yy, xx = np.mgrid[:H, :W]
    r = np.hypot(yy - CENTRE[1], xx - CENTRE[0])
    assert np.all(refined[r < RADIUS - 10] == 1.0) and np.all(refined[r > RADIUS + 10] == 0.0)
    assert refined.dtype == np.float32 and refined.shape == (H, W)


def test_shift_chokes_or_grows_and_feather_softens() -> None:
    frame, truth = soft_disc()
    mask = truth > 0.5
    base = refine_alpha(frame, mask, MatteSettings(band_px=0))
    choked = refine_alpha(frame, mask, MatteSettings(band_px=0, shift_px=5))
    grown = refine_alpha(frame, mask, MatteSettings(band_px=0, shift_px=-5))
    assert grown.sum() > base.sum() > choked.sum()
    assert abs(np.sqrt(base.sum() / np.pi) - np.sqrt(choked.sum() / np.pi) - 5) < 1
    feathered = refine_alpha(frame, mask, MatteSettings(band_px=0, feather_px=3))
    assert ((feathered > 0) & (feathered < 1)).sum() > 5 * ((base > 0) & (base < 1)).sum()


def test_an_empty_mask_gives_an_empty_matte() -> None:
    frame, _ = soft_disc()
    assert not refine_alpha(frame, np.zeros((H, W), bool), MatteSettings()).any()


def test_trimap_has_a_band_of_the_asked_width() -> None:
    distance = np.arange(-10, 11, dtype=np.float32)[None, :]
    tri = trimap(distance, 6.0)[0]
    assert list(tri[distance[0] <= -3]) == [0.0] * 8 and list(tri[distance[0] >= 3]) == [1.0] * 8
    assert np.all(tri[np.abs(distance[0]) < 3] == 0.5)


def test_reduce_chatter_steadies_a_static_edge_with_noise() -> None:
    frame, truth = soft_disc()
    rng = np.random.default_rng(1)
    band = band_of(truth)
    noisy = [
        np.where(band, np.clip(truth + rng.normal(0, 0.15, truth.shape), 0, 1), truth).astype(
            np.float32
        )
        for _ in range(5)
    ]
    steadied = [
        reduce_chatter(frame, noisy[i], [(frame, noisy[i - 1]), (frame, noisy[i + 1])], 1.0)
        for i in range(1, 4)
    ]

    def change(seq: list[np.ndarray]) -> float:
        return float(np.mean([np.abs(b - a)[band].mean() for a, b in itertools.pairwise(seq)]))

    log.info(
        "frame-to-frame alpha change: %.4f raw, %.4f steadied", change(noisy[1:4]), change(steadied)
    )
    assert change(steadied) < 0.7 * change(noisy[1:4])
    assert np.array_equal(steadied[0][~band], truth[~band])  # inside and outside untouched


def test_decontamination_recovers_the_object_colour_in_the_band() -> None:
    frame, truth = soft_disc()
    soft = (truth > 0.2) & (truth < 0.8)
    fg = estimate_foreground(frame, truth)
    before = np.abs(frame[soft].astype(np.float32) - OBJECT_RGB).mean()
    after = np.abs(fg[soft].astype(np.float32) - OBJECT_RGB).mean()
    assert after < 0.5 * before
    assert np.array_equal(fg[truth == 0], frame[truth == 0])


def test_matte_settings_check_their_ranges_and_round_trip() -> None:
    s = MatteSettings(
        band_px=12, shift_px=-2, chatter=0.5, method="closed-form", decontaminate=True
    )
    assert MatteSettings.from_json(s.to_json()) == s
    assert MatteSettings.from_json(None) == MatteSettings()
    assert MatteSettings.from_json('{"band_px": 4, "future": 1}') == MatteSettings(band_px=4)
    for bad in ({"method": "magic"}, {"band_px": -1}, {"chatter": 2.0}, {"shift_px": 500}):
        with pytest.raises(AnnotatorError):
            MatteSettings(**bad)  # type: ignore[arg-type]
