"""Geometry of masks and boxes: the one home for it.

Masks are (H, W) binary arrays (uint8 0/1 or bool); points are (x, y) in image
pixels, the image's top-left corner at (0, 0); boxes are xywh (top-left corner,
width, height) unless a name says otherwise; a polygon is (N, 2) corners x, y.
Boxes of encoded masks are ``annotator.core.rle.bbox`` (pycocotools, no decode).
SiamMask's own crops and anchors are in ``siammask_geometry``.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Tight xywh box of a binary (H, W) mask, or None when it is empty."""
    if mask.size == 0:
        return None
    if mask.dtype == bool:
        binary = mask.view(np.uint8)
    elif mask.dtype == np.uint8:
        binary = mask
    else:
        binary = (mask != 0).view(np.uint8)
    # cv2 scans the image once with SIMD: a 1080p mask costs a tenth of numpy's any().
    x, y, w, h = cv2.boundingRect(np.ascontiguousarray(binary))
    if w == 0 or h == 0:
        return None
    return int(x), int(y), int(w), int(h)


def fill_holes(mask: np.ndarray, max_area: float | None = None) -> np.ndarray:
    """(H, W) uint8 0/1: ``mask`` with its holes set, those under ``max_area`` pixels when
    given. A hole is a 4-connected background part that does not touch the border."""
    mask = (mask > 0).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(1 - mask, connectivity=4)
    h, w = mask.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    inner = (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)
    if max_area is not None:
        inner &= area < max_area
    holes = np.flatnonzero(inner) + 1
    if holes.size:
        mask[np.isin(labels, holes)] = 1
    return mask


def tidy_mask(mask: np.ndarray, fleck: float, pinhole: float) -> np.ndarray:
    """(H, W) uint8 0/1: ``mask`` without its parts (8-connected) under ``fleck`` x its
    area, and with its holes under ``pinhole`` x the area left filled.

    Both are shares of the whole mask, not of its largest part, so a mask whose
    largest part is a wrong one keeps a small right one.
    """
    mask = (mask > 0).astype(np.uint8)
    total = int(np.count_nonzero(mask))
    if not total:
        return mask
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    flecks = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] < fleck * total) + 1
    if flecks.size:
        mask[np.isin(labels, flecks)] = 0
    return fill_holes(mask, pinhole * int(np.count_nonzero(mask)))


def signed_distance(mask: np.ndarray) -> np.ndarray:
    """(h, w) float32: distance to the boundary, positive inside ``mask``, negative outside."""
    binary = (mask > 0).astype(np.uint8)
    inside = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - binary, cv2.DIST_L2, 3)
    return inside - outside


def axis_aligned(polygon: np.ndarray, tolerance_px: float = 0.5) -> bool:
    """Whether the (4, 2) corners x, y form an upright rectangle (every side horizontal
    or vertical, within ``tolerance_px``)."""
    sides = np.roll(polygon, -1, axis=0) - polygon
    return bool(np.all(np.min(np.abs(sides), axis=1) <= tolerance_px))


def centre_of(mask: np.ndarray) -> tuple[float, float] | None:
    """(cx, cy) of the mask's (H, W) bounding box in frame pixels, or None when empty."""
    box = mask_bbox(mask)
    return None if box is None else (box[0] + box[2] / 2, box[1] + box[3] / 2)


def rotated_box(
    binary: np.ndarray,
    fallback_xywh: np.ndarray,
    min_area: float,
    offset: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Corners (4, 2) float32 of the minimum-area rectangle of the largest contour.

    ``binary`` may be a window of the frame whose top-left corner is at ``offset``
    (x, y); the corners are in frame pixels either way. Falls back to the
    axis-aligned ``fallback_xywh`` corners (clockwise from top-left) when there
    is no contour of more than ``min_area`` pixels.
    """
    # The official code keeps every boundary pixel (CHAIN_APPROX_NONE); dropping those
    # inside straight runs leaves each contour's area and convex hull, so its
    # rectangle, exactly as they were, with a fraction of the points.
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        areas = [cv2.contourArea(c) for c in contours]
        best = int(np.argmax(areas))
        if areas[best] > min_area:
            points = contours[best].reshape(-1, 2) + np.asarray(offset, np.int32)
            return cv2.boxPoints(cv2.minAreaRect(points)).astype(np.float32)
    x, y, w, h = (float(v) for v in fallback_xywh)
    return box_polygon((x, y, w, h))


def box_polygon(box: tuple[float, float, float, float]) -> np.ndarray:
    """The corners (4, 2) of an xywh box, clockwise from the top left."""
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float32)


def polygon_box(polygon: np.ndarray | tuple[float, ...]) -> tuple[float, float, float, float]:
    """The xywh bounding box of corners given as (N, 2) or flat (x1, y1, x2, y2, ...)."""
    pts = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def fill_polygon(shape: tuple[int, int], points: Sequence[tuple[float, float]]) -> np.ndarray:
    """(H, W) uint8 mask of the polygon through ``points`` (at least three)."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    out = np.zeros(shape, np.uint8)
    poly = np.round(np.asarray(points, np.float64)).astype(np.int32)
    cv2.fillPoly(out, [poly], 1)
    return out
