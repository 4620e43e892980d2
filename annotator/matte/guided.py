"""The colour guided filter (He, Sun and Tang, 2010): an edge-aware smoothing of one
channel that follows the edges of a colour guide image. Used to pull a hard
mask's edge onto the image's own edges in linear time.
"""

from __future__ import annotations

import cv2
import numpy as np


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Filter ``src`` (h, w) float32 guided by ``guide`` (h, w, 3) float32 in [0, 1].

    radius: the window's half side (px); eps: regularisation, the colour variance
    (in [0, 1] units squared) under which a window is treated as flat.
    Returns (h, w) float32.
    """
    r = max(int(radius), 1)
    mean_i = _box(guide, r)
    mean_p = _box(src, r)
    cov_ip = _box(guide * src[..., None], r) - mean_i * mean_p[..., None]
    # The 3x3 colour covariance of every window, regularised.
    var = np.empty((*src.shape, 3, 3), np.float32)
    for a in range(3):
        for b in range(a, 3):
            v = _box(guide[..., a] * guide[..., b], r) - mean_i[..., a] * mean_i[..., b]
            var[..., a, b] = var[..., b, a] = v
    var += eps * np.eye(3, dtype=np.float32)
    coef = np.linalg.solve(var, cov_ip[..., None])[..., 0]
    offset = mean_p - np.einsum("...c,...c->...", coef, mean_i)
    return np.einsum("...c,...c->...", _box(coef, r), guide) + _box(offset, r)
