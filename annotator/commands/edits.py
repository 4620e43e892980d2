"""User edits of a mask on one frame, as the window and the simulated user make them.

Each edit makes a locked ``user`` keyframe, one undo step, kept exactly as
made; the next propagation from that frame starts the tracker from it. The
functions return the ``Edit``; the caller applies it (the project store in the
window, a bare model in the benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from annotator.core import rle
from annotator.core.model import AnnotationModel, Edit, FrameMask, Provenance
from annotator.tracking.geometry import box_polygon, mask_bbox, tidy_mask
from annotator.tracking.strokes import Stroke, StrokeWeights, apply_strokes

# A tracker's mask that the stroke tool takes over first loses its parts under
# TRACKER_FLECK of its area and has its holes under TRACKER_PINHOLE filled: the
# flow backend's graph cut leaves flecks and pinholes that one stroke pair does
# not reach, and the keyframe would keep them. A user keyframe is never tidied,
# so a hole or a fleck a user made stays. On 90 corrections recorded on the fit
# part of the train split, the corrected frame's J went from 0.729 to 0.743 (144
# made with the graph cut off: 0.646 to 0.654). Tidying every propagated frame
# instead lost with true keyframes every 10 frames (motorbike 0.908 to 0.854:
# its wheels' holes are real).
TRACKER_FLECK = 0.01
TRACKER_PINHOLE = 0.02


def current_mask(
    model: AnnotationModel, object_id: int, frame: int, shape: tuple[int, int]
) -> np.ndarray:
    """(H, W) uint8 mask of an object on a frame; zeros where it has none."""
    m = model.mask(object_id, frame)
    if m is not None and m.rle is not None:
        return rle.decode(m.rle)
    return np.zeros(shape, np.uint8)


def user_mask_edit(
    model: AnnotationModel, object_id: int, frame: int, mask: np.ndarray, label: str
) -> Edit:
    """The edit that makes (H, W) ``mask`` the object's locked keyframe on ``frame``."""
    box = mask_bbox(mask)
    polygon = tuple(float(v) for v in box_polygon(box).ravel()) if box else None
    cell = FrameMask(Provenance.USER, rle.encode(mask), None, polygon)
    return model.set_masks(label, [(object_id, frame, cell)])


def stroke_inputs(
    model: AnnotationModel, object_id: int, frame: int, shape: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, np.ndarray] | None]:
    """What the stroke tool works from on ``frame``: the (H, W) uint8 mask before the
    strokes (a tracker's mask tidied, ``TRACKER_FLECK``, ``TRACKER_PINHOLE``), and the
    nearest keyframe's index with its (H, W) mask, or None without one."""
    before = current_mask(model, object_id, frame, shape)
    cell = model.mask(object_id, frame)
    if cell is not None and not cell.locked:
        before = tidy_mask(before, TRACKER_FLECK, TRACKER_PINHOLE)
    key = nearest_keyframe(model, object_id, frame)
    if key is None:
        return before, None
    return before, (key, current_mask(model, object_id, key, shape))


def nearest_keyframe(model: AnnotationModel, object_id: int, frame: int) -> int | None:
    """The object's locked keyframe nearest to ``frame`` (not ``frame`` itself) with a mask."""
    keys = [
        f
        for f, m in model.frames_of(object_id).items()
        if f != frame and m.locked and m.rle is not None
    ]
    return min(keys, key=lambda f: (abs(f - frame), f)) if keys else None


def stroke_edit(
    model: AnnotationModel,
    object_id: int,
    frame: int,
    images: Callable[[int], np.ndarray],
    strokes: Sequence[Stroke],
    weights: StrokeWeights | None = None,
) -> Edit:
    """The edit that applies correction strokes to the object's mask on ``frame``.

    images(i): frame i, RGB (H, W, 3) uint8. The result snaps to the image near
    the strokes (``annotator.tracking.strokes``), taking what the object looks
    like from its nearest keyframe too, and becomes a user keyframe. A mask the
    tracker made is tidied first (``TRACKER_FLECK``, ``TRACKER_PINHOLE``).
    """
    image = images(frame)
    before, keyframe = stroke_inputs(model, object_id, frame, image.shape[:2])
    reference = (images(keyframe[0]), keyframe[1]) if keyframe is not None else None
    after = apply_strokes(image, before, strokes, weights, reference)
    label = "stroke" if all(s.foreground for s in strokes) else "strokes"
    return user_mask_edit(model, object_id, frame, after, label)
