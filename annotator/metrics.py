"""The DAVIS measures: J (region similarity, IoU) and F (boundary F-measure).

Masks are (H, W) arrays, non-zero inside. F follows the DAVIS benchmark: the
one-pixel boundary of each mask (a pixel differing from its right, lower or
lower-right neighbour), matched within a tolerance of ``0.008`` of the image
diagonal (rounded up) using a disk, then F = 2PR / (P + R).

Per sequence and object, a list of per-frame values summarises as mean,
recall (share of frames over 0.5) and decay (mean of the first quarter of the
frames minus the mean of the last quarter), as the DAVIS benchmark reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

BOUNDARY_TOLERANCE = 0.008


def jaccard(pred: np.ndarray, gt: np.ndarray) -> float:
    """Region similarity J: IoU of two masks; 1.0 when both are empty."""
    p, g = pred > 0, gt > 0
    union = np.count_nonzero(p | g)
    return 1.0 if union == 0 else np.count_nonzero(p & g) / union


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels whose right, lower or lower-right neighbour differs (edges excluded)."""
    m = mask > 0
    right = np.zeros_like(m)
    down = np.zeros_like(m)
    diag = np.zeros_like(m)
    right[:, :-1] = m[:, 1:]
    down[:-1, :] = m[1:, :]
    diag[:-1, :-1] = m[1:, 1:]
    b = (m ^ right) | (m ^ down) | (m ^ diag)
    # On the last row and column only the neighbour that exists counts.
    b[-1, :] = m[-1, :] ^ right[-1, :]
    b[:, -1] = m[:, -1] ^ down[:, -1]
    b[-1, -1] = False
    return b


def disk(radius: int) -> np.ndarray:
    """(2r+1, 2r+1) uint8 structuring element: x^2 + y^2 <= r^2."""
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return (xx * xx + yy * yy <= radius * radius).astype(np.uint8)


def boundary_f(pred: np.ndarray, gt: np.ndarray, tolerance: float = BOUNDARY_TOLERANCE) -> float:
    """Boundary F-measure; ``tolerance`` is a share of the diagonal, or pixels if >= 1."""
    radius = int(tolerance if tolerance >= 1 else math.ceil(tolerance * math.hypot(*gt.shape)))
    pb, gb = boundary_map(pred), boundary_map(gt)
    n_pred, n_gt = int(pb.sum()), int(gb.sum())
    if n_pred == 0 and n_gt == 0:
        return 1.0
    if n_pred == 0 or n_gt == 0:
        return 0.0  # precision or recall is 0, so F is 0
    kernel = disk(radius)
    pred_dil = cv2.dilate(pb.astype(np.uint8), kernel) > 0
    gt_dil = cv2.dilate(gb.astype(np.uint8), kernel) > 0
    precision = np.count_nonzero(pb & gt_dil) / n_pred
    recall = np.count_nonzero(gb & pred_dil) / n_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Summary:
    """mean, recall (share > 0.5) and decay (first bin minus last of four) of a series."""

    mean: float
    recall: float
    decay: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        v = np.asarray(values, dtype=np.float64)
        if v.size == 0:
            return cls(math.nan, math.nan, math.nan)
        # The benchmark's four bins: edges at round(linspace(1, n, 5)) - 1, both ends included.
        edges = (np.round(np.linspace(1, v.size, 5) + 1e-10) - 1).astype(int)
        bins = [v[edges[i] : edges[i + 1] + 1] for i in range(4)]
        decay = float(bins[0].mean() - bins[3].mean())
        return cls(float(v.mean()), float(np.mean(v > 0.5)), decay)

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "recall": self.recall, "decay": self.decay}
