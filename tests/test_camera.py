"""The camera's motion read from a flow field: what moves with it and what does not."""

from __future__ import annotations

import numpy as np

from annotator.tracking.flowfield import CameraMotion


def panning_flow(scale: int = 1) -> np.ndarray:
    """A backward flow (h, w, 2) at 1/``scale`` of a 480 x 854 frame, in flow pixels:
    the camera zooms in 1% about the centre, and a 100 x 120 px block (frame pixels
    at x 300..420, y 200..300) comes from 8 px to its left."""
    h, w = 480 // scale, 854 // scale
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    flow = np.stack([(xx - w / 2) * -0.01, (yy - h / 2) * -0.01], axis=2)
    block = (slice(200 // scale, 300 // scale), slice(300 // scale, 420 // scale))
    flow[block] = (-8.0 / scale, 0.0)
    return flow.astype(np.float32)


def test_pixels_that_move_with_the_camera_are_told_from_those_that_do_not() -> None:
    for scale in (1, 2):
        camera = CameraMotion.of(panning_flow(scale), (float(scale), float(scale)))
        assert camera is not None
        # The zoom is the camera's: the noise floor is the half pixel added to no error.
        assert abs(camera.floor - 0.5) < 0.05
        back = panning_flow(1)  # the same field, now read at frame pixels
        window = np.ones((200, 220), bool)
        unlike = camera.unlike(back[150:350, 250:470], 250, 150, window).reshape(200, 220)
        block = unlike[50:150, 50:170]
        assert block.min() > 10  # about 8 px from the camera's motion, in half-pixel floors
        around = np.ones(unlike.shape, bool)
        around[45:155, 45:175] = False
        assert unlike[around].max() < 0.1
        # Only the pixels asked for: the block's, in row order.
        some = camera.unlike(back[150:350, 250:470], 250, 150, ~around)
        assert np.array_equal(some, unlike[~around])


def test_a_flow_too_small_to_fit_gives_no_camera() -> None:
    assert CameraMotion.of(np.zeros((6, 6, 2), np.float32), (1.0, 1.0)) is None
