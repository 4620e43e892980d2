"""Reduce chatter: alpha that boils from frame to frame is steadied with its neighbours.

The neighbouring frames' alpha is moved onto this frame by dense optical flow
(DIS), then averaged with this frame's alpha inside the soft band only, so
the object's interior and the clear background are never touched.
Frames are RGB uint8 (H, W, 3); alpha (H, W) float32 in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


def warp_onto(frame: np.ndarray, other: np.ndarray, other_alpha: np.ndarray) -> np.ndarray:
    """``other_alpha`` (on ``other``) moved onto ``frame``'s pixels by DIS optical flow."""
    a = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    b = cv2.cvtColor(other, cv2.COLOR_RGB2GRAY)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)  # type: ignore[attr-defined]  # not in cv2's stubs
    flow = dis.calc(a, b, None)
    h, w = a.shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(
        other_alpha, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


def reduce_chatter(
    frame: np.ndarray,
    alpha: np.ndarray,
    neighbours: Sequence[tuple[np.ndarray, np.ndarray]],
    strength: float,
) -> np.ndarray:
    """``alpha`` averaged with each (frame, alpha) neighbour moved onto it, weight
    ``strength`` (0..1) each against 1 for its own, inside the soft band."""
    if strength <= 0 or not neighbours:
        return alpha
    band = (alpha > 1e-3) & (alpha < 1 - 1e-3)
    warped = [warp_onto(frame, f, a) for f, a in neighbours]
    for w in warped:
        band |= (w > 1e-3) & (w < 1 - 1e-3)
    if not band.any():
        return alpha
    mean = (alpha + strength * np.sum(warped, axis=0)) / (1.0 + strength * len(warped))
    return np.where(band, mean, alpha).astype(np.float32)
