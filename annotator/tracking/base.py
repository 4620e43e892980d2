"""The one interface every tracker backend implements.

A backend is stateless with respect to objects: ``init`` returns an opaque,
immutable per-object state and ``track`` returns new states. The caller owns
the states, so any number of objects can share one backend, and an object can
be re-initialised without touching the others.

Conventions: frames are RGB uint8 (H, W, 3); boxes are xywh in pixels; masks
are (H, W) uint8 with values 0/1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from annotator.errors import InvalidBoxError
from annotator.tracking.geometry import mask_bbox

# A mask scoring under this is "doubtful": the timeline shows it red and N / P
# jump to it. The flow backend's score is scaled so that this threshold flags
# most frames with J < 0.7 (see ``annotator.tracking.flow_score``).
DOUBTFUL_SCORE = 0.5


@dataclass(frozen=True)
class MaskWindow:
    """An (height, width) mask that is 0 everywhere but in ``crop``, the (h, w) uint8
    0/1 window whose top-left pixel is frame pixel (x0, y0): what a tracker that knows
    where its mask can be hands over, so that nothing reads or writes the whole frame
    unless asked to (at 1080p the frame is 2 MB per object and step)."""

    x0: int
    y0: int
    crop: np.ndarray
    height: int
    width: int

    def full(self) -> np.ndarray:
        """The (height, width) uint8 mask."""
        out = np.zeros((self.height, self.width), np.uint8)
        h, w = self.crop.shape
        out[self.y0 : self.y0 + h, self.x0 : self.x0 + w] = self.crop
        return out


@dataclass(frozen=True)
class TrackResult:
    """One object's result on one frame.

    polygon: (4, 2) float32, rotated box corners x, y.
    bbox: xywh of the mask, or of the tracker's box when the mask is empty.
    center, size: the tracker's target box as (cx, cy) and (w, h).
    score: confidence in [0, 1].
    state: the object's new tracker state, to pass to the next ``track`` call.
    full_mask: the (H, W) uint8 0/1 mask, or None when ``window`` holds it.
    window: the mask as its window of the frame (``MaskWindow``), or None.
    Exactly one of ``full_mask`` and ``window`` is given; ``mask`` is the (H, W)
    mask either way, the object's own (overlaps not resolved), made from the
    window only when something asks for it.
    """

    polygon: np.ndarray
    bbox: tuple[float, float, float, float]
    center: tuple[float, float]
    size: tuple[float, float]
    score: float
    state: Any
    full_mask: np.ndarray | None = None
    window: MaskWindow | None = None

    def __post_init__(self) -> None:
        if (self.full_mask is None) == (self.window is None):
            raise ValueError("a TrackResult holds its mask as full_mask or as window")

    @cached_property
    def mask(self) -> np.ndarray:
        """(H, W) uint8 0/1."""
        if self.full_mask is not None:
            return self.full_mask
        assert self.window is not None
        return self.window.full()


class Tracker(Protocol):
    """A mask propagator: SiamMask, or the optical-flow backend."""

    name: str
    device_label: str  # where it runs, for status lines: "CPU" or the GPU's name

    def init(
        self,
        frame: np.ndarray,
        box: tuple[float, float, float, float] | None = None,
        mask: np.ndarray | None = None,
        neighbour: np.ndarray | None = None,
    ) -> Any:
        """Start an object on ``frame`` from an xywh ``box``, a binary ``mask``, or both:
        a box init's box and the mask it gave, where a backend that carries masks
        starts from the mask (what the user sees) and one that starts from boxes
        from the box (what the user drew).

        ``neighbour``: another frame of the same shot near ``frame`` (see
        ``annotator.tracking.box_mask.neighbour_index``), which a backend may use
        to tell the moving object from its background when it starts from a box.
        """
        ...

    def track(self, frame: np.ndarray, states: list[Any]) -> list[TrackResult]:
        """Advance every object to ``frame`` in one call; results keep the order of ``states``."""
        ...

    def describe_init(self, frame: np.ndarray, states: list[Any]) -> list[TrackResult]:
        """The mask each object has on its init ``frame`` (for a box init), states unchanged."""
        ...


# A box may reach beyond the image (an object half out of frame), but not absurdly:
# trackers size their crops from it.
MAX_BOX_SCALE = 4


@runtime_checkable
class BatchedInit(Protocol):
    """A tracker that starts several objects on one frame in one pass (SiamMask)."""

    def init_many(
        self, frame: np.ndarray, boxes: list[tuple[float, float, float, float]]
    ) -> list[Any]: ...


def init_all(
    tracker: Tracker,
    frame: np.ndarray,
    starts: Sequence[tuple[tuple[float, float, float, float] | None, np.ndarray | None]],
    neighbour: np.ndarray | None = None,
) -> list[Any]:
    """Start every (box, mask) of ``starts`` on ``frame`` (at least one of each pair given;
    with both, the mask a box init gave); one batched pass when the tracker has one,
    which only looks at boxes."""
    if isinstance(tracker, BatchedInit) and len(starts) > 1:
        return tracker.init_many(frame, [box_from_init(frame, b, m) for b, m in starts])
    # Only a box without its mask is made into one, with the neighbour's motion cue.
    return [
        tracker.init(frame, box=b, mask=m)
        if m is not None
        else tracker.init(frame, box=b, neighbour=neighbour)
        for b, m in starts
    ]


def validate_box(
    box: tuple[float, float, float, float], frame_shape: tuple[int, ...]
) -> tuple[float, float, float, float]:
    """Check an xywh box against a frame of shape (H, W, ...); raise ``InvalidBoxError``.

    A box must be at least a pixel wide and high, overlap the image, and be at
    most ``MAX_BOX_SCALE`` times the image's size.
    """
    x, y, w, h = (float(v) for v in box)
    height, width = frame_shape[:2]
    if not all(np.isfinite([x, y, w, h])):
        raise InvalidBoxError(f"box {box} has a value that is not a finite number")
    if w <= 0 or h <= 0:
        raise InvalidBoxError(f"box {box} has zero or negative size; give x,y,w,h with w, h > 0")
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InvalidBoxError(f"box {box} (x,y,w,h) lies outside the {width}x{height} image")
    if w < 1 or h < 1:
        raise InvalidBoxError(f"box {box} is smaller than a pixel; draw it at least 1x1")
    if w > MAX_BOX_SCALE * width or h > MAX_BOX_SCALE * height:
        raise InvalidBoxError(
            f"box {box} is more than {MAX_BOX_SCALE} times the {width}x{height} image"
        )
    return x, y, w, h


def box_from_init(
    frame: np.ndarray,
    box: tuple[float, float, float, float] | None,
    mask: np.ndarray | None,
) -> tuple[float, float, float, float]:
    """The xywh box to start from: ``box`` itself, or else the bounding box of ``mask``."""
    if box is None and mask is None:
        raise ValueError("give a box or a mask")
    if box is None and mask is not None:
        if mask.shape[:2] != frame.shape[:2]:
            raise InvalidBoxError(
                f"mask of shape {mask.shape[:2]} does not match the frame {frame.shape[:2]}"
            )
        found = mask_bbox(mask)
        if found is None:
            raise InvalidBoxError("cannot start an object from an empty mask")
        box = found
    assert box is not None
    return validate_box(box, frame.shape)


@runtime_checkable
class SearchesByLook(Protocol):
    """A tracker that searches for a lost object by its look on a keyframe (the flow
    backend), and can take that look from another keyframe than the one it starts from."""

    def look_from(self, state: Any, frame: np.ndarray, mask: np.ndarray) -> Any:
        """``state`` searching by the object's look on ``frame`` (RGB) with ``mask`` (H, W)."""
        ...
