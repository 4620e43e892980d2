"""Re-finding an object from a foreground stroke: where does its keyframe's mask go?

When the current mask has lost the object (it drifted away or vanished), a
foreground stroke says where the object is, but not its shape. The nearest
keyframe knows the shape: its mask is moved to the place near the stroke
where the keyframe's pixels under it best match this frame (masked template
matching on a small copy), among the places where it covers most of the
stroke and little of any background stroke.

Frames are RGB uint8 (H, W, 3); masks (H, W) uint8 0/1 or bool.
"""

from __future__ import annotations

import cv2
import numpy as np

# Matching runs on copies scaled so that the template's longer side is this long.
MATCH_SIDE_PX = 48


def relocate(
    ref_image: np.ndarray,
    ref_mask: np.ndarray,
    frame: np.ndarray,
    fg: np.ndarray,
    bg: np.ndarray,
) -> np.ndarray | None:
    """The reference mask moved onto ``frame`` (H, W) uint8, or None if it cannot be placed.

    fg, bg: (H, W) bool, the foreground and background stroke pixels on ``frame``.
    No scaling or rotation: the keyframe is assumed near in time.
    """
    ys, xs = np.nonzero(ref_mask)
    fys, fxs = np.nonzero(fg)
    if ys.size == 0 or fys.size == 0:
        return None
    tx0, ty0, tx1, ty1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    tw, th = tx1 - tx0, ty1 - ty0
    h, w = frame.shape[:2]
    if tw > w or th > h:
        return None
    # Every placement that covers a stroke pixel fits in this search area.
    sx0, sy0 = max(int(fxs.min()) - tw, 0), max(int(fys.min()) - th, 0)
    sx1, sy1 = min(int(fxs.max()) + tw + 1, w), min(int(fys.max()) + th + 1, h)
    if sx1 - sx0 < tw or sy1 - sy0 < th:
        return None
    scale = min(1.0, MATCH_SIDE_PX / max(tw, th))

    def small(a: np.ndarray) -> np.ndarray:
        size = (max(round(a.shape[1] * scale), 1), max(round(a.shape[0] * scale), 1))
        return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

    template = small(ref_image[ty0:ty1, tx0:tx1].astype(np.float32))
    shape = small((ref_mask[ty0:ty1, tx0:tx1] > 0).astype(np.float32))
    search = small(frame[sy0:sy1, sx0:sx1].astype(np.float32))
    if search.shape[0] < template.shape[0] or search.shape[1] < template.shape[1]:
        return None
    weight = np.repeat(shape[..., None], 3, axis=2)
    cost = cv2.matchTemplate(search, template, cv2.TM_SQDIFF, mask=weight)
    cost = np.asarray(cost, np.float32) / max(float(weight.sum()), 1.0)
    cover = cv2.matchTemplate(small(fg[sy0:sy1, sx0:sx1].astype(np.float32)), shape, cv2.TM_CCORR)
    wrong = cv2.matchTemplate(small(bg[sy0:sy1, sx0:sx1].astype(np.float32)), shape, cv2.TM_CCORR)
    if cover.max() <= 0:
        return None
    allowed = (cover >= 0.5 * cover.max()) & (wrong <= 0.1 * max(float(wrong.max()), 1e-6) + 1e-6)
    if not allowed.any():
        return None
    iy, ix = np.unravel_index(int(np.argmin(np.where(allowed, cost, np.inf))), cost.shape)
    ox, oy = sx0 + round(ix / scale), sy0 + round(iy / scale)
    out = np.zeros((h, w), np.uint8)
    piece = (ref_mask[ty0:ty1, tx0:tx1] > 0).astype(np.uint8)
    x1, y1 = min(ox + tw, w), min(oy + th, h)
    out[oy:y1, ox:x1] = piece[: y1 - oy, : x1 - ox]
    return out
