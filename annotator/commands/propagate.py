"""Running the propagation engine into an annotation model, as the CLI and eval-sim do.

The GUI runs the generator on a worker thread and applies steps with the
same ``apply_step``; here the consumer is the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from annotator.core.model import AnnotationModel, Change, Edit, FrameMask, ObjectInfo, Provenance
from annotator.propagation import (
    PropagationPlan,
    PropagationStep,
    masks_to_write,
    propagate,
    result_mask,
)
from annotator.tracking.base import Tracker, init_all, validate_box
from annotator.video.frame_source import FrameSource

# Default object colours: saturated and light enough to read over dark footage,
# dark enough to read over light footage (Trubetskoy's distinct colours; red comes
# last, since the timeline marks doubtful frames in red). The DAVIS palette that
# exported PNGs use starts with dark reds and greens that vanish on night shots,
# so the window does not show objects in it.
DISTINCT_COLOURS = (
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (240, 50, 230),
    (255, 225, 25),
    (70, 240, 240),
    (145, 30, 180),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (220, 190, 255),
    (230, 25, 75),
)


def object_color(object_id: int) -> tuple[int, int, int]:
    """An object's default display colour (the exported PNGs use the DAVIS palette)."""
    return DISTINCT_COLOURS[(object_id - 1) % len(DISTINCT_COLOURS)]


def box_init_masks(
    tracker: Tracker,
    frame: np.ndarray,
    boxes: Sequence[tuple[float, float, float, float]],
    neighbour: np.ndarray | None = None,
) -> list[FrameMask]:
    """The tracker's ``init`` mask for each xywh box on RGB ``frame`` (H, W, 3), whose
    rotated box is the box itself, so propagation starts from what was drawn.

    Touches no project, so it may run on a worker thread (a box takes one to two seconds
    at 854 x 480). ``neighbour`` is the frame ``neighbour_frame`` gives, for the
    motion cue. Raises ``InvalidBoxError`` for a box off the image or absurd in size.
    """
    checked = [validate_box(b, frame.shape) for b in boxes]
    states = init_all(tracker, frame, [(b, None) for b in checked], neighbour)
    results = tracker.describe_init(frame, states)
    return [result_mask(result, Provenance.INIT, None) for result in results]


def add_objects_with_masks(
    model: AnnotationModel,
    frame_index: int,
    masks: Sequence[FrameMask],
    names: Sequence[str] | None = None,
) -> list[int]:
    """Create one object per mask, set on ``frame_index``; one undo step. Returns the ids."""
    first = model.next_object_id()
    ids = list(range(first, first + len(masks)))
    changes: list[Change] = []
    for i, (object_id, mask) in enumerate(zip(ids, masks, strict=True)):
        name = names[i] if names else f"object {object_id}"
        changes += model.add_object(
            ObjectInfo(object_id, name, color=object_color(object_id))
        ).changes
        changes += model.set_masks("init", [(object_id, frame_index, mask)]).changes
    model.apply(Edit(f"add {len(ids)} object(s)", tuple(changes)))
    return ids


def add_box_objects(
    model: AnnotationModel,
    tracker: Tracker,
    frame: np.ndarray,
    frame_index: int,
    boxes: Sequence[tuple[float, float, float, float]],
    names: Sequence[str] | None = None,
    neighbour: np.ndarray | None = None,
) -> list[int]:
    """Create one object per xywh box, with an ``init`` mask on ``frame_index``
    (``box_init_masks``); one undo step."""
    masks = box_init_masks(tracker, frame, boxes, neighbour)
    return add_objects_with_masks(model, frame_index, masks, names)


def apply_step(model: AnnotationModel, plan: PropagationPlan, step: PropagationStep) -> None:
    """Write one step's masks into the model (blending, never over locked frames).

    A step that carries its ``writes`` (blended on the generator's thread) is
    applied as it is; otherwise the blending is done here against the model.
    """
    writes = step.writes if step.writes is not None else masks_to_write(model.mask, plan, step)
    model.apply(model.set_masks("propagate", writes))


def run_propagation(
    model: AnnotationModel,
    source: FrameSource,
    tracker: Tracker,
    plan: PropagationPlan,
    cancel: threading.Event | None = None,
    on_step: Callable[[PropagationStep], None] | None = None,
    stop_below: float | None = None,
) -> int:
    """Run ``plan`` to the end, applying each frame as it comes; returns frames done.

    The whole run is one undo step, but each frame is applied (and, with a
    store, committed) on arrival, so an interruption keeps every frame done.
    """
    done = 0
    with model.group(f"propagate {plan.direction} from frame {plan.start}"):
        for step in propagate(plan, source, tracker, cancel, stop_below):
            apply_step(model, plan, step)
            done += 1
            if on_step is not None:
                on_step(step)
    return done
