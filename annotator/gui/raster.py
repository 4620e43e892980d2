"""Mask editing in pixels, free of Qt: brush and eraser strokes, polygons, overlays.

Masks are (H, W) uint8 0/1. Points are (x, y) in image pixels, the scene
coordinates of the canvas, where the frame's top-left corner is (0, 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from annotator.tracking.strokes import paint_stroke

__all__ = ["compose_overlay", "fill_polygon", "layers_window", "paint_stroke"]


def fill_polygon(shape: tuple[int, int], points: Sequence[tuple[float, float]]) -> np.ndarray:
    """(H, W) uint8 mask of the polygon through ``points`` (at least three)."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    out = np.zeros(shape, np.uint8)
    poly = np.round(np.asarray(points, np.float64)).astype(np.int32)
    cv2.fillPoly(out, [poly], 1)
    return out


def layers_window(
    shape: tuple[int, int], boxes: Sequence[tuple[int, int, int, int] | None], margin: int = 2
) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1): the smallest window holding every xywh box (None: an empty mask),
    plus a margin, within an image of ``shape`` (H, W); None when every mask is empty."""
    found = [b for b in boxes if b is not None]
    if not found:
        return None
    h, w = shape
    x0 = max(min(b[0] for b in found) - margin, 0)
    y0 = max(min(b[1] for b in found) - margin, 0)
    x1 = min(max(b[0] + b[2] for b in found) + margin, w)
    y1 = min(max(b[1] + b[3] for b in found) + margin, h)
    return int(x0), int(y0), int(x1), int(y1)


def compose_overlay(
    shape: tuple[int, int], layers: Sequence[tuple[np.ndarray, tuple[int, int, int]]], alpha: float
) -> np.ndarray:
    """(H, W, 4) uint8 RGBA: each (mask, rgb colour) painted in order, later on top.

    Inside a mask the alpha is ``alpha`` (0..1); a thin outline is opaque so
    that the edge stays visible at low opacity.
    """
    out = np.zeros((*shape, 4), np.uint8)
    a = round(255 * min(max(alpha, 0.0), 1.0))
    kernel = np.ones((3, 3), np.uint8)
    for mask, colour in layers:
        inside = mask > 0
        if not inside.any():
            continue
        out[inside, :3] = colour
        out[inside, 3] = a
        edge = inside & ~(cv2.erode(mask.astype(np.uint8), kernel) > 0)
        out[edge, 3] = 255
    return out
