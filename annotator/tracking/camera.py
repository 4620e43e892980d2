"""The camera's motion between two frames, read from dense optical flow.

A homography fitted with RANSAC to a grid of flow vectors stands for the
camera: a pan, a tilt or a zoom, with a background far enough away to pass
for a plane. A pixel whose flow is far from what the homography predicts
moves on its own; one whose flow agrees stays with the scene.

Points are (x, y) pixel coordinates in the flow's own grid; a flow vector is
(dx, dy) from a point to where it goes.
"""

from __future__ import annotations

import cv2
import numpy as np

# Fewer grid points than this cannot tell the camera from the objects.
LEAST_POINTS = 16


def grid_points(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) int arrays (gh, gw): a sparse grid over a (height, width) image,
    about 120 points along its longer side, every 4 pixels at the most."""
    step = max(4, round(max(height, width) / 120))
    ys, xs = np.mgrid[step // 2 : height : step, step // 2 : width : step]
    return ys, xs


def fit_camera(xs: np.ndarray, ys: np.ndarray, flow: np.ndarray) -> np.ndarray | None:
    """(3, 3) homography taking each point (xs, ys) (N,) to itself plus its ``flow``
    (N, 2), fitted with RANSAC at 1 px; None with under ``LEAST_POINTS`` points or no fit."""
    if len(xs) < LEAST_POINTS:
        return None
    src = np.stack([xs, ys], axis=1).astype(np.float32)
    dst = src + flow
    camera, _ = cv2.findHomography(src, dst, cv2.RANSAC, 1.0)
    return camera


def unlike_camera(
    flow: np.ndarray, camera: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """(N,) float64: how far each flow vector (N, 2) at points (xs, ys) (N,) is
    from the camera's motion there, in pixels."""
    x = np.asarray(xs, np.float64)
    y = np.asarray(ys, np.float64)
    # The homography written out: cv2.perspectiveTransform wants (N, 1, 2) copies
    # and took most of a frame's time over a large object's window.
    h = camera
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    dx = flow[:, 0] - ((h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w - x)
    dy = flow[:, 1] - ((h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w - y)
    return np.hypot(dx, dy)
