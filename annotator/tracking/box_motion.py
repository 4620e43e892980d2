"""The box init's motion cue: which pixels of a box move unlike the camera.

Dense flow from the frame to a neighbouring frame of the shot is compared with
the camera's motion, a homography fitted to the flow around the box (see
``BoxMaskConfig.camera_ring``). Frames are RGB uint8 (H, W, 3); boxes are
(x0, y0, x1, y1) pixels, end exclusive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from annotator.tracking.camera import fit_camera, grid_points, unlike_camera

if TYPE_CHECKING:
    # Only read: box_mask imports this module, so the config comes in for types only.
    from annotator.tracking.box_mask import BoxMaskConfig

# Fewer grid points than this in the ring around the box: the camera is fitted to
# the whole frame instead (see ``BoxMaskConfig.camera_ring``).
RING_POINTS = 100


def motion_ratio(
    frame: np.ndarray,
    neighbour: np.ndarray,
    box: tuple[int, int, int, int],
    cfg: BoxMaskConfig,
) -> np.ndarray | None:
    """(y1 - y0, x1 - x0) float64: how much each pixel of the box (x0, y0, x1, y1,
    pixels) moves unlike the camera, in units of the floor (a percentile of the
    same outside the box + 0.5 px: see ``BoxMaskConfig.floor_percentile``); above
    ``motion_factor`` it "moves". None when the cue says nothing (too little
    moves, what moves is scattered, or no camera fit)."""
    x0, y0, x1, y1 = box
    height, width = frame.shape[:2]
    scale = min(1.0, cfg.flow_side / max(height, width))
    a = _grey(frame, scale)
    b = _grey(neighbour, scale)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)  # type: ignore[attr-defined]  # not in cv2's stubs
    flow = dis.calc(a, b, None) / scale
    if scale < 1:
        flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    outside = np.ones((height, width), bool)
    outside[y0:y1, x0:x1] = False
    ys, xs = grid_points(height, width)
    keep = outside[ys, xs]
    if cfg.camera_ring is not None:
        rx, ry = round((x1 - x0) * cfg.camera_ring), round((y1 - y0) * cfg.camera_ring)
        near = (xs >= x0 - rx) & (xs < x1 + rx) & (ys >= y0 - ry) & (ys < y1 + ry)
        if np.count_nonzero(keep & near) >= RING_POINTS:
            keep &= near
    xs, ys = xs[keep], ys[keep]
    camera = fit_camera(xs, ys, flow[ys, xs])
    if camera is None:
        return None
    residual_out = unlike_camera(flow[ys, xs], camera, xs, ys)
    bys, bxs = np.mgrid[y0:y1, x0:x1]
    bxs, bys = bxs.ravel(), bys.ravel()
    residual_in = unlike_camera(flow[bys, bxs], camera, bxs, bys).reshape(y1 - y0, x1 - x0)
    ratio = residual_in / (float(np.percentile(residual_out, cfg.floor_percentile)) + 0.5)
    if (ratio > cfg.motion_factor).mean() >= cfg.min_moving:
        return ratio
    if cfg.fallback_percentile is None:
        return None
    ratio = residual_in / (float(np.percentile(residual_out, cfg.fallback_percentile)) + 0.5)
    moving = ratio > cfg.motion_factor
    if moving.mean() < cfg.min_moving or largest_share(moving) < cfg.min_coherent:
        return None
    return ratio


def largest_share(mask: np.ndarray) -> float:
    """The share of ``mask``'s (h, w) bool pixels in its largest 8-connected part; 0 if empty."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(areas.max() / areas.sum())


def _grey(frame: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale < 1:
        size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return grey
