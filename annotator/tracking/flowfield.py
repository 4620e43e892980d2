"""Dense optical flow between two frames, read by every object that crosses them.

Flows are (h, w, 2) float32 arrays of (dx, dy) in flow pixels. The *backward*
flow of a frame pair maps each pixel of the new frame to where it came from in
the old one; the *forward* flow maps old to new. Masks and windows are in frame
pixels; ``PairFlow.scale`` converts when flow runs at a lower resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from annotator.tracking.camera import fit_camera, grid_points, unlike_camera


def pixel_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """(xx, yy) float32 (h, w): each pixel's own coordinates, for ``cv2.remap``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return xx, yy


@dataclass(frozen=True)
class PairFlow:
    """The flow between two frames, computed once and read by every object.

    backward: (h, w, 2) float32 flow from the new frame to the old one, at flow
    resolution, in flow pixels. error: (h, w) the forward-backward error
    |b(x) + f(x + b(x))| in flow pixels, on the new frame: zero where following
    the flow back and forth returns to the same pixel. scale: (sx, sy) frame
    pixels per flow pixel. forward: (h, w, 2) the flow from the old frame to
    the new one, for ``going_at``.
    """

    backward: np.ndarray
    error: np.ndarray
    scale: tuple[float, float]
    forward: np.ndarray

    @cached_property
    def camera(self) -> CameraMotion | None:
        """The camera's part of the backward flow (None: no fit); fitted on first use."""
        return CameraMotion.of(self.backward, self.scale)

    @classmethod
    def of(cls, backward: np.ndarray, forward: np.ndarray, shape: tuple[int, int]) -> PairFlow:
        """From backward and forward flows (h, w, 2) for frames of ``shape`` (H, W)."""
        h, w = backward.shape[:2]
        xx, yy = pixel_grid(h, w)
        return cls(
            backward,
            round_trip(backward, forward, xx, yy),
            (shape[1] / w, shape[0] / h),
            forward,
        )

    def window(
        self, box: tuple[int, int, int, int], shape: tuple[int, int]
    ) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) frame pixels where an object in xywh ``box`` can be now.

        The box grows by the largest motion found around it, plus a margin.
        """
        x, y, w, h = box
        sx, sy = self.scale
        fh, fw = self.backward.shape[:2]
        pad_x, pad_y = w // 2 + 2, h // 2 + 2
        fx0, fx1 = max(int((x - pad_x) / sx), 0), min(int((x + w + pad_x) / sx) + 1, fw)
        fy0, fy1 = max(int((y - pad_y) / sy), 0), min(int((y + h + pad_y) / sy) + 1, fh)
        around = self.backward[fy0:fy1, fx0:fx1]
        reach = float(np.abs(around).max()) * max(sx, sy) if around.size else 0.0
        margin = int(np.ceil(reach)) + 8
        height, width = shape
        return (
            max(x - margin, 0),
            max(y - margin, 0),
            min(x + w + margin, width),
            min(y + h + margin, height),
        )

    def at(self, x0: int, y0: int, x1: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
        """Backward flow (y1-y0, x1-x0, 2) and error (y1-y0, x1-x0) in frame pixels on a window.

        Sampled bilinearly from flow resolution with the pixel-centre
        convention of ``cv2.resize``, so only the window is ever upsampled.
        """
        sx, sy = self.scale
        back = self._sample(self.backward, x0, y0, x1, y1) * np.array([sx, sy], np.float32)
        return back, self._sample(self.error, x0, y0, x1, y1) * np.float32(sx)

    def going_at(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """(y1-y0, x1-x0) float32, frame pixels: the forward-backward error
        |f(x) + b(x + f(x))| on a window of the *old* frame, large where an old pixel
        is covered in the new one (see ``annotator.tracking.hidden_parts``).
        Computed on the window only: most frames need it around one object or two."""
        sx, sy = self.scale
        fh, fw = self.forward.shape[:2]
        # The flow-resolution pixels that bilinear sampling of the window reads.
        fx0, fy0 = max(int(x0 / sx) - 1, 0), max(int(y0 / sy) - 1, 0)
        fx1, fy1 = min(int(np.ceil(x1 / sx)) + 1, fw), min(int(np.ceil(y1 / sy)) + 1, fh)
        xx, yy = pixel_grid(fy1 - fy0, fx1 - fx0)
        error = round_trip(self.forward[fy0:fy1, fx0:fx1], self.backward, xx + fx0, yy + fy0)
        return self._sample(error, x0, y0, x1, y1, (fx0, fy0)) * np.float32(sx)

    def _sample(
        self,
        field: np.ndarray,
        x0: int,
        y0: int,
        x1: int,
        y1: int,
        origin: tuple[int, int] = (0, 0),
    ) -> np.ndarray:
        """A flow-resolution ``field`` (h, w[, c]) on a window in frame pixels; the field
        may be a part of the flow's grid whose top-left pixel is ``origin`` (fx, fy)."""
        sx, sy = self.scale
        fx, fy = origin
        if sx == 1 and sy == 1:
            return field[y0 - fy : y1 - fy, x0 - fx : x1 - fx]
        xs = ((np.arange(x0, x1, dtype=np.float32) + 0.5) / sx - 0.5 - fx)[None, :]
        ys = ((np.arange(y0, y1, dtype=np.float32) + 0.5) / sy - 0.5 - fy)[:, None]
        map_x = np.broadcast_to(xs, (y1 - y0, x1 - x0)).astype(np.float32)
        map_y = np.broadcast_to(ys, (y1 - y0, x1 - x0)).astype(np.float32)
        return cv2.remap(field, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class CameraMotion:
    """The camera's motion from a new frame back to the old one, in frame pixels.

    homography: (3, 3), takes a new frame's pixel (x, y) to where the camera
    alone would have brought it from. floor: the flow's noise, in frame
    pixels: the median distance of the frame's flow from the homography's, plus
    half a pixel (most of a frame is background, which follows the camera).
    """

    homography: np.ndarray
    floor: float

    @classmethod
    def of(cls, backward: np.ndarray, scale: tuple[float, float]) -> CameraMotion | None:
        """Fitted to a backward flow (h, w, 2) in flow pixels, ``scale`` (sx, sy) frame
        pixels per flow pixel; None when no homography fits."""
        ys, xs = grid_points(*backward.shape[:2])
        ys, xs = ys.ravel(), xs.ravel()
        sx, sy = scale
        # Pixel centres and vectors in frame pixels, as ``PairFlow.at`` samples them.
        fx = (xs + 0.5) * sx - 0.5
        fy = (ys + 0.5) * sy - 0.5
        flow = backward[ys, xs] * np.array([sx, sy], np.float32)
        camera = fit_camera(fx, fy, flow)
        if camera is None:
            return None
        floor = float(np.median(unlike_camera(flow, camera, fx, fy))) + 0.5
        return cls(camera, floor)

    def unlike(self, back: np.ndarray, x0: int, y0: int, where: np.ndarray) -> np.ndarray:
        """(N,) float32: how far the backward flow ``back`` (h, w, 2, frame pixels, a
        window at (x0, y0)) is from the camera's at the N pixels of ``where`` (h, w)
        bool, in ``floor`` units (only those: the rest of a window costs as much)."""
        ys, xs = np.nonzero(where)
        far = unlike_camera(back[ys, xs], self.homography, xs + x0, ys + y0)
        return (far / self.floor).astype(np.float32)


def round_trip(there: np.ndarray, back: np.ndarray, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """(h, w) float32 |t(x) + b(x + t(x))|: how far following flow ``there`` (h, w, 2)
    and then ``back`` (any size, the whole grid) lands from where it started; xx, yy:
    (h, w) the grid coordinates of ``there``'s pixels."""
    back_at = cv2.remap(back, xx + there[..., 0], yy + there[..., 1], cv2.INTER_LINEAR)
    total = there + back_at
    return cv2.magnitude(total[..., 0], total[..., 1])


def warp_window(prob: np.ndarray, backward: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """The window at (x0, y0) of the old mask carried onto the new frame: out(p) = prob(p + b(p)).

    prob: (H, W) float32 in [0, 1], the old (soft) mask, whole; backward: (h, w, 2)
    flow in frame pixels for the window's pixels. Returns (h, w) float32 in
    [0, 1], bilinearly sampled; 0 where the flow points outside the frame.
    """
    h, w = backward.shape[:2]
    xx, yy = pixel_grid(h, w)
    return cv2.remap(
        prob,
        xx + np.float32(x0) + backward[..., 0],
        yy + np.float32(y0) + backward[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
