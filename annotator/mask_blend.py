"""Masks of one object from two runs made into one, and the mask arithmetic it needs.

Masks are (H, W) uint8 or bool, nonzero inside; shifts are (dy, dx) pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotator.tracking.geometry import signed_distance


def blend_masks(masks: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Blend binary (H, W) masks into one: a weighted morph of their positions and shapes.

    Each mask is moved so that its centroid sits on the weighted mean centroid;
    the result is where the weighted sum of the moved masks' signed distance
    fields is positive. Aligning first matters: two copies of an object that
    do not overlap would otherwise blend to nothing. If any mask is empty, the
    mask with the largest weight is returned.
    """
    if any(not m.any() for m in masks):
        return (masks[int(np.argmax(weights))] > 0).astype(np.uint8)
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum() if w.sum() > 0 else np.full(len(masks), 1.0 / len(masks))
    centroids = [np.argwhere(m > 0).mean(axis=0) for m in masks]
    target = np.sum([wi * c for wi, c in zip(w, centroids, strict=True)], axis=0)
    moved = [
        shift_mask(m, *np.round(target - c).astype(int))
        for m, c in zip(masks, centroids, strict=True)
    ]
    union = np.logical_or.reduce(moved)
    if not union.any():
        return (masks[int(np.argmax(w))] > 0).astype(np.uint8)
    # Outside the union's bounding box every field is negative: compute only inside it.
    ys, xs = np.nonzero(union)
    h, wd = union.shape
    y0, y1 = max(ys.min() - 1, 0), min(ys.max() + 2, h)
    x0, x1 = max(xs.min() - 1, 0), min(xs.max() + 2, wd)
    total = np.zeros((y1 - y0, x1 - x0), np.float32)
    for m, weight in zip(moved, w, strict=True):
        total += float(weight) * signed_distance(m[y0:y1, x0:x1])
    out = np.zeros((h, wd), np.uint8)
    out[y0:y1, x0:x1] = total > 0
    return out


def shift_mask(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """(H, W) mask moved by (dy, dx) pixels; what leaves the frame is dropped."""
    h, w = mask.shape
    out = np.zeros((h, w), np.uint8)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src = mask[max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    out[max(dy, 0) : h - max(-dy, 0), max(dx, 0) : w - max(-dx, 0)] = src > 0
    return out


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two binary masks; 1.0 when both are empty."""
    a, b = a > 0, b > 0
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union
