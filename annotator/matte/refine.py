"""One frame's matte: trimap from the hard mask, alpha in the band from the image.

The steps, in this order, each from the object's ``MatteSettings``:

1. smooth: the mask's outline is smoothed (Gaussian of ``smooth_px``);
2. shift: the edge moves in (``shift_px`` > 0, a choke) or out (< 0);
3. trimap: sure object deeper than ``band_px / 2`` inside the edge, sure
   background that far outside, unknown in between;
4. alpha in the unknown band from the image: a colour guided filter of the
   shifted mask (``guided``) or closed-form matting (``closed-form``,
   pymatting); 1 and 0 outside it;
5. feather: a Gaussian of ``feather_px`` over the finished alpha.

The work is done in a window around the mask's edge. Frames are RGB uint8
(H, W, 3); masks (H, W) bool or 0/1; alpha (H, W) float32 in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from annotator.core.matte_settings import MatteSettings
from annotator.matte.guided import guided_filter

# Regularisation of the guided filter: colour variance (0..1 units) below which
# a window counts as flat. Chosen on the synthetic soft-disc test (tests/test_matte.py).
GUIDED_EPS = 1e-3


def signed_distance(mask: np.ndarray) -> np.ndarray:
    """(h, w) float32: distance to the edge, positive inside ``mask``, negative outside.

    Unlike the tracker's (``tracking.geometry``), the edge sits between the last pixel
    in and the first out, so a band is symmetric to the half pixel; alpha needs that.
    """
    binary = (mask > 0).astype(np.uint8)
    inside = cv2.distanceTransform(binary, cv2.DIST_L2, 5)
    outside = cv2.distanceTransform(1 - binary, cv2.DIST_L2, 5)
    # Half a pixel each side, so the edge lies between the last pixel in and the first out.
    return np.where(binary > 0, inside - 0.5, 0.5 - outside).astype(np.float32)


def edge_distance(mask: np.ndarray, settings: MatteSettings) -> np.ndarray:
    """Signed distance (h, w) float32 to the edge after smoothing and shifting (steps 1-2)."""
    m = mask > 0
    if settings.smooth_px > 0:
        blurred = cv2.GaussianBlur(m.astype(np.float32), (0, 0), settings.smooth_px)
        m = blurred > 0.5
    return signed_distance(m) - settings.shift_px


def trimap(distance: np.ndarray, band_px: float) -> np.ndarray:
    """(h, w) float64: 1 sure object, 0 sure background, 0.5 unknown (pymatting's convention)."""
    half = band_px / 2
    out = np.full(distance.shape, 0.5)
    out[distance >= half] = 1.0
    out[distance <= -half] = 0.0
    return out


def _window(mask: np.ndarray, pad: int) -> tuple[slice, slice] | None:
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    h, w = mask.shape
    return (
        slice(max(int(ys.min()) - pad, 0), min(int(ys.max()) + pad + 1, h)),
        slice(max(int(xs.min()) - pad, 0), min(int(xs.max()) + pad + 1, w)),
    )


def _pad(settings: MatteSettings) -> int:
    """How far around the mask the matte can reach (px)."""
    reach = settings.band_px + abs(min(settings.shift_px, 0.0)) + 3 * settings.smooth_px
    return int(np.ceil(reach + 3 * settings.feather_px)) + 4


def refine_alpha(frame: np.ndarray, mask: np.ndarray, settings: MatteSettings) -> np.ndarray:
    """Alpha (H, W) float32 in [0, 1] for ``mask`` on ``frame`` (see the module's steps)."""
    out = np.zeros(mask.shape, np.float32)
    window = _window(mask > 0, _pad(settings))
    if window is None:
        return out
    image = frame[window].astype(np.float32) / 255.0
    distance = edge_distance(mask[window], settings)
    hard = (distance > 0).astype(np.float32)
    if settings.band_px <= 0:
        alpha = hard
    else:
        tri = trimap(distance, settings.band_px)
        unknown = tri == 0.5
        if not unknown.any() or not (tri == 1).any() or not (tri == 0).any():
            alpha = hard
        elif settings.method == "closed-form":
            alpha = _closed_form(image, tri)
        else:
            radius = max(round(settings.band_px / 2), 1)
            alpha = guided_filter(image, hard, radius, GUIDED_EPS)
        alpha = np.where(unknown, np.clip(alpha, 0.0, 1.0), tri).astype(np.float32)
    if settings.feather_px > 0:
        out[window] = cv2.GaussianBlur(alpha, (0, 0), settings.feather_px)
    else:
        out[window] = alpha
    return out


def _closed_form(image: np.ndarray, tri: np.ndarray) -> np.ndarray:
    # Imported here: pymatting compiles its kernels with numba on first use, which
    # only the closed-form method and decontamination should pay for.
    from pymatting import estimate_alpha_cf

    return np.asarray(estimate_alpha_cf(image.astype(np.float64), tri), np.float32)


def estimate_foreground(frame: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The object's own colour (H, W, 3) uint8 where 0 < alpha < 1, the frame elsewhere:
    the background's fringe removed (pymatting's multi-level foreground estimation)."""
    soft = (alpha > 1e-3) & (alpha < 1 - 1e-3)
    out = frame.copy()
    window = _window(soft, 8)
    if window is None:
        return out
    from pymatting import estimate_foreground_ml

    image = frame[window].astype(np.float64) / 255.0
    fg = np.asarray(estimate_foreground_ml(image, alpha[window].astype(np.float64)))
    part = out[window]
    band = soft[window]
    part[band] = np.clip(np.round(fg[band] * 255.0), 0, 255).astype(np.uint8)
    return out
