"""Pixels the window draws, free of Qt: brush and eraser strokes, and the mask overlays.

Masks are (H, W) uint8 0/1. Points are (x, y) in image pixels, the scene
coordinates of the canvas, where the frame's top-left corner is (0, 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from annotator.core import rle
from annotator.core.model import AnnotationModel
from annotator.tracking.geometry import axis_aligned, mask_bbox
from annotator.tracking.strokes import paint_stroke

__all__ = ["annotation_overlay", "compose_overlay", "layers_window", "paint_stroke"]


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


Decoration = tuple[str, tuple[int, int, int], "np.ndarray | None", tuple[float, float]]


def annotation_overlay(
    model: AnnotationModel, frame: int, shape: tuple[int, int], alpha: float
) -> tuple[np.ndarray | None, tuple[int, int], list[Decoration]]:
    """What the canvas draws over frame ``frame`` of an image of ``shape`` (H, W).

    Returns the RGBA overlay (h, w, 4) of the visible objects' masks, cropped to
    the window around them (None when nothing shows), that window's top-left
    (x, y), and per shown object (label, colour, tilted box corners (4, 2) or
    None, label anchor (x, y)). A plain upright box is not drawn: it adds
    nothing to the mask; only a tracker's tilt does. Only the window around the
    masks is composed, since a full 1080p RGBA image per frame would cost more
    than the tracker when following a run.
    """
    layers, boxes, decorations = [], [], []
    for k in sorted(model.objects):
        info = model.objects[k]
        m = model.mask(k, frame)
        if not info.visible or m is None or m.rle is None:
            continue
        mask = rle.decode(m.rle)
        layers.append((mask, info.color))
        polygon = np.asarray(m.polygon, np.float32).reshape(4, 2) if m.polygon else None
        if polygon is not None and axis_aligned(polygon):
            polygon = None
        box = mask_bbox(mask)
        boxes.append(box)
        anchor = (float(box[0]), float(box[1]) - 2) if box else (0.0, 0.0)
        label = f"{info.name}" + (f" {m.score:.2f}" if m.score is not None else "")
        decorations.append((label, info.color, polygon, anchor))
    window = layers_window(shape, boxes)
    if window is None:
        return None, (0, 0), decorations
    x0, y0, x1, y1 = window
    cropped = [(m[y0:y1, x0:x1], colour) for m, colour in layers]
    return compose_overlay((y1 - y0, x1 - x0), cropped, alpha), (x0, y0), decorations


MATTE_MODES = ("off", "alpha", "checkerboard")


def matte_view(frame: np.ndarray, alpha: np.ndarray, mode: str, square: int = 16) -> np.ndarray:
    """(H, W, 3) uint8 RGB to show instead of ``frame`` in a matte view: ``alpha`` (H, W)
    float in [0, 1] as grey, or the frame over a grey checkerboard of ``square`` px
    through ``alpha``; the frame itself for "off"."""
    if mode == "alpha":
        grey = np.round(np.clip(alpha, 0.0, 1.0) * 255.0).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode == "checkerboard":
        h, w = alpha.shape
        yy, xx = np.mgrid[:h, :w]
        board = np.where(((yy // square) + (xx // square)) % 2 == 0, 102.0, 153.0)
        a = np.clip(alpha, 0.0, 1.0)[..., None]
        out = a * frame.astype(np.float32) + (1.0 - a) * board[..., None]
        return np.round(out).astype(np.uint8)
    return frame
