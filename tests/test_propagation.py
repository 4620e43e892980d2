"""The propagation engine: batching, stopping at keyframes, cancelling, blending, undo."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pytest

from annotator.commands.propagate import apply_step, run_propagation
from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.mask_blend import blend_masks, mask_iou
from annotator.propagation import (
    BLEND_AGREEMENT,
    TAKEOVER,
    Direction,
    PropagationPlan,
    masks_to_write,
    propagate,
    snapshot_cells,
)
from annotator.tracking.base import SearchesByLook, TrackResult, box_from_init
from annotator.tracking.geometry import box_polygon

H, W = 40, 120


@dataclass(frozen=True)
class ShiftState:
    mask: np.ndarray


class ShiftTracker:
    """A stand-in backend: each call shifts every mask by ``dx`` px; records each call's batch."""

    name = "shift"
    device_label = "CPU"

    def __init__(self, dx: int = 1, scores: dict[int, float] | None = None) -> None:
        self.dx = dx
        self.calls: list[int] = []
        self.scores = scores or {}

    def init(self, frame, box=None, mask=None):  # type: ignore[no-untyped-def]
        box_from_init(frame, box, mask)
        if mask is None:
            x, y, w, h = (int(v) for v in box)
            mask = np.zeros(frame.shape[:2], np.uint8)
            mask[y : y + h, x : x + w] = 1
        return ShiftState(mask.astype(np.uint8))

    def track(self, frame, states):  # type: ignore[no-untyped-def]
        self.calls.append(len(states))
        out = []
        for st in states:
            moved = np.roll(st.mask, self.dx, axis=1)
            score = self.scores.get(int(frame[0, 0, 0]), 0.9)
            bbox = rle.bbox(rle.encode(moved))
            out.append(
                TrackResult(
                    box_polygon(bbox), bbox, (0, 0), (1, 1), score, ShiftState(moved), moved
                )
            )
        return out

    def describe_init(self, frame, states):  # type: ignore[no-untyped-def]
        return self.track(frame, states)


class IndexedFrames:
    """Frames whose first pixel holds their index, so the fake tracker knows where it is."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        frame = np.zeros((H, W, 3), np.uint8)
        frame[0, 0, 0] = i
        return frame


def square(x: int, size: int = 10) -> np.ndarray:
    m = np.zeros((H, W), np.uint8)
    m[10 : 10 + size, x : x + size] = 1
    return m


def user(x: int) -> FrameMask:
    return FrameMask(Provenance.USER, rle.encode(square(x)))


def model_with(keyframes: dict[int, list[int]], n: int = 30) -> AnnotationModel:
    model = AnnotationModel(n)
    for obj, frames in keyframes.items():
        model.apply(model.add_object(ObjectInfo(obj, f"o{obj}")))
        model.apply(model.set_masks("draw", [(obj, f, user(f + 2 * obj)) for f in frames]))
    return model


def test_stops_at_locked_keyframes_in_both_directions_with_several_objects() -> None:
    model = model_with({1: [5, 15], 2: [5, 20], 3: [12]})
    tracker = ShiftTracker()
    plan = PropagationPlan.from_model(model, 5, Direction.FORWARD)
    assert plan.skipped == {3: "has no mask on frame 5"}
    steps = list(propagate(plan, IndexedFrames(30), tracker))
    assert [s.frame for s in steps] == list(range(6, 20))
    assert [sorted(s.results) for s in steps[:9]] == [[1, 2]] * 9  # frames 6..14
    assert all(sorted(s.results) == [2] for s in steps[9:])  # frames 15..19
    assert steps[8].finished == (1,) and steps[-1].finished == (2,)
    assert tracker.calls == [2] * 9 + [1] * 5  # one batched call per frame

    back = PropagationPlan.from_model(model, 15, "backward", [1])
    steps = list(propagate(back, IndexedFrames(30), ShiftTracker(dx=-1)))
    assert [s.frame for s in steps] == list(range(14, 5, -1))
    to_start = PropagationPlan.from_model(model, 12, "backward", [3])
    assert [s.frame for s in propagate(to_start, IndexedFrames(30), ShiftTracker())] == list(
        range(11, -1, -1)
    )


def test_nothing_to_do_next_to_a_keyframe_or_at_the_end() -> None:
    model = model_with({1: [5, 6], 2: [29]})
    plan = PropagationPlan.from_model(model, 5, "forward")
    assert plan.runs == () and "keyframe" in plan.skipped[1]
    assert "end of the video" in PropagationPlan.from_model(model, 29, "forward", [2]).skipped[2]
    with pytest.raises(Exception, match="no object with id 7"):
        PropagationPlan.from_model(model, 5, "forward", [7])


def test_cancel_is_checked_between_frames_and_low_scores_stop_an_object() -> None:
    model = model_with({1: [0], 2: [0]})
    cancel = threading.Event()
    seen = []
    for step in propagate(
        PropagationPlan.from_model(model, 0, "forward"), IndexedFrames(30), ShiftTracker(), cancel
    ):
        seen.append(step.frame)
        if step.frame == 4:
            cancel.set()
    assert seen == [1, 2, 3, 4]
    low = ShiftTracker(scores={f: 0.1 for f in range(10, 30)})
    steps = list(
        propagate(
            PropagationPlan.from_model(model, 0, "forward"),
            IndexedFrames(30),
            low,
            stop_below=0.5,
            patience=3,
        )
    )
    assert steps[-1].frame == 12 and steps[-1].finished == (1, 2)


def test_a_run_is_one_undo_step_and_never_touches_user_frames() -> None:
    model = model_with({1: [0, 10]})
    done = run_propagation(
        model, IndexedFrames(30), ShiftTracker(), PropagationPlan.from_model(model, 0, "forward")
    )
    assert done == 9
    assert model.provenance_counts(1)["propagated"] == 9
    assert model.mask(1, 10) == user(12)
    # masks_to_write keeps a user frame even if a step reaches it
    plan = PropagationPlan.from_model(model, 0, "forward")
    fake = next(propagate(plan, IndexedFrames(30), ShiftTracker()))
    model.apply(model.set_masks("draw", [(1, 1, user(40))]))
    assert masks_to_write(model.mask, plan, fake) == []
    model.undo()
    assert model.undo().label == "propagate forward from frame 0"
    assert sorted(model.frames_of(1)) == [0, 10]
    assert model.redo() is not None and len(model.frames_of(1)) == 11


def test_forward_and_backward_runs_blend_by_distance() -> None:
    # object 1 really moves 1 px per frame; keyframes 0 (x=2) and 10 (x=12)
    model = model_with({1: [0, 10]})
    frames = IndexedFrames(30)
    run_propagation(
        model, frames, ShiftTracker(dx=2), PropagationPlan.from_model(model, 0, "forward")
    )
    forward_2 = rle.decode(model.mask(1, 2).rle)
    run_propagation(
        model, frames, ShiftTracker(dx=0), PropagationPlan.from_model(model, 10, "backward")
    )
    counts = model.provenance_counts(1)
    assert counts["blended"] == 9 and counts["propagated"] == 0
    m2 = model.mask(1, 2)
    # the forward run weighs 16 times more at frame 2: the blend keeps its origin
    assert m2.provenance is Provenance.BLENDED and m2.origin == 0
    # forward says x=6 at frame 2 (drifting 2 px/frame), backward says x=12; weights 1/2 and 1/8
    blended = rle.decode(m2.rle)
    assert np.array_equal(forward_2, square(6))
    cols = np.nonzero(blended.any(axis=0))[0]
    assert 6 <= cols[0] <= 8 and cols[-1] - cols[0] in (9, 10, 11)
    # the runs disagree, which costs the score as far as they weigh alike (1/16 here)
    iou = mask_iou(square(6), square(12))
    assert m2.score <= 1 - (1 / 16) ** 0.5 * (1 - iou) + 1e-6
    # the middle frame is halfway
    mid = rle.decode(model.mask(1, 5).rle)
    assert abs(np.nonzero(mid.any(axis=0))[0][0] - (12 + 12) / 2 + 1.5) <= 2  # between 10 and 12


def test_like_weights_that_disagree_keep_the_stored_mask_and_make_a_doubtful_frame() -> None:
    # keyframes 0 (x=2) and 10 (x=12); forward drifts 3 px/frame, backward holds x=12
    model = model_with({1: [0, 10]})
    frames = IndexedFrames(30)
    run_propagation(
        model, frames, ShiftTracker(dx=3), PropagationPlan.from_model(model, 0, "forward")
    )
    run_propagation(
        model, frames, ShiftTracker(dx=0), PropagationPlan.from_model(model, 10, "backward")
    )
    # frame 5: forward says x=17, backward x=12, equally far from their keyframes
    middle = model.mask(1, 5)
    assert middle.score <= mask_iou(square(17), square(12)) + 1e-6 < 0.5
    # Like weights that disagree: the stored (forward) mask stays, with its rotated
    # box. Frame 6: the backward run weighs (6/4)^2 = 2.25 times more, and takes over.
    assert TAKEOVER == 2.0
    assert mask_iou(square(17), square(12)) < BLEND_AGREEMENT
    assert np.array_equal(rle.decode(middle.rle), square(17))
    kept_box = box_polygon((17, 10, 10, 10)).ravel()
    assert middle.polygon == tuple(float(v) for v in kept_box)
    assert np.array_equal(rle.decode(model.mask(1, 6).rle), square(12))


def test_a_far_run_never_wipes_out_a_near_keyframe_mask() -> None:
    # keyframes 0 and 20; forward from 0 is right, backward from 20 is far off
    model = model_with({1: [0, 20]})
    frames = IndexedFrames(30)
    run_propagation(
        model, frames, ShiftTracker(dx=1), PropagationPlan.from_model(model, 0, "forward")
    )
    right = rle.decode(model.mask(1, 2).rle)
    run_propagation(
        model, frames, ShiftTracker(dx=-3), PropagationPlan.from_model(model, 20, "backward")
    )
    # a new keyframe at 15, and a backward run from it down to frame 1
    model.apply(model.set_masks("fix", [(1, 15, user(17))]))
    run_propagation(
        model, frames, ShiftTracker(dx=-3), PropagationPlan.from_model(model, 15, "backward")
    )
    assert np.array_equal(rle.decode(model.mask(1, 2).rle), right)
    assert model.mask(1, 2).origin == 0


def test_blend_masks_interpolates_shapes() -> None:
    a, b = square(10), square(30)
    assert np.array_equal(blend_masks([a, b], [1.0, 0.0]), a)
    half = blend_masks([a, b], [1.0, 1.0])
    cols = np.nonzero(half.any(axis=0))[0]
    assert abs(cols[0] - 20) <= 1 and abs(len(cols) - 10) <= 2
    empty = np.zeros_like(a)
    assert np.array_equal(blend_masks([empty, b], [1.0, 2.0]), b)


def test_disagreeing_runs_keep_the_nearer_mask_and_agreeing_runs_morph() -> None:
    # Keyframes 0 (x=2) and 10 (x=12); forward moves 1 px a frame, backward stays at x=12.
    model = model_with({1: [0, 10]})
    frames = IndexedFrames(30)
    run_propagation(
        model, frames, ShiftTracker(dx=1), PropagationPlan.from_model(model, 0, "forward")
    )
    run_propagation(
        model, frames, ShiftTracker(dx=0), PropagationPlan.from_model(model, 10, "backward")
    )
    # Frame 8: x=10 against x=12, IoU 8/12 < BLEND_AGREEMENT: the nearer run (from 10) wins as is.
    assert mask_iou(square(10), square(12)) < BLEND_AGREEMENT
    assert np.array_equal(rle.decode(model.mask(1, 8).rle), square(12))
    # Frame 9: x=11 against x=12, IoU 9/11: a morph between the two.
    assert mask_iou(square(11), square(12)) >= BLEND_AGREEMENT
    cols = np.nonzero(rle.decode(model.mask(1, 9).rle).any(axis=0))[0]
    assert 11 <= cols[0] <= 12 and model.mask(1, 9).provenance is Provenance.BLENDED
    # Frame 2: x=4 against x=12; the run from 0 is nearer and wins.
    assert np.array_equal(rle.decode(model.mask(1, 2).rle), square(4))


def test_steps_arrive_encoded_so_the_consumer_only_applies_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = model_with({1: [0]}, n=8)
    plan = PropagationPlan.from_model(model, 0, "forward")
    steps = list(propagate(plan, IndexedFrames(8), ShiftTracker()))
    assert len(steps) == 7
    for step in steps:
        assert step.cells[1].rle == rle.encode(step.results[1].mask)
        assert step.cells[1].origin == 0 and step.cells[1].provenance is Provenance.PROPAGATED

    # The consumer's side (the GUI thread) encodes nothing for a run with no blending.
    def no_encoding(mask: np.ndarray) -> dict:
        raise AssertionError("encoded on the consumer's thread")

    monkeypatch.setattr(rle, "encode", no_encoding)
    for step in steps:
        [(object_id, frame, cell)] = masks_to_write(model.mask, plan, step)
        assert (object_id, frame, cell) == (1, step.frame, step.cells[1])


def test_a_snapshot_lets_the_generator_blend_so_the_consumer_only_applies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Keyframes 0 and 10; a forward run first, then a backward run that meets it.
    model = model_with({1: [0, 10]})
    frames = IndexedFrames(30)
    run_propagation(
        model, frames, ShiftTracker(dx=1), PropagationPlan.from_model(model, 0, "forward")
    )
    expected = model_with({1: [0, 10]})
    run_propagation(
        expected, frames, ShiftTracker(dx=1), PropagationPlan.from_model(expected, 0, "forward")
    )
    run_propagation(
        expected, frames, ShiftTracker(dx=0), PropagationPlan.from_model(expected, 10, "backward")
    )
    plan = PropagationPlan.from_model(model, 10, "backward")
    steps = list(propagate(plan, frames, ShiftTracker(dx=0), existing=snapshot_cells(model, plan)))
    assert any(w[2].provenance is Provenance.BLENDED for s in steps for w in s.writes or [])

    def no_codec(*_: object) -> dict:
        raise AssertionError("decoded or encoded on the consumer's thread")

    monkeypatch.setattr(rle, "encode", no_codec)
    monkeypatch.setattr(rle, "decode", no_codec)
    with model.group("backward"):
        for step in steps:
            apply_step(model, plan, step)
    for f in range(1, 10):
        assert model.mask(1, f) == expected.mask(1, f)


def test_a_run_from_a_box_init_starts_from_its_mask_not_the_box_made_again() -> None:
    """The flow backend's box init stores the mask's own box as its polygon; a run that
    made that box into a mask again started from a mask the user never saw (on
    blackswan, J 0.855 on the init frame and 0.945 on the next). The tracker gets the
    stored mask, and the box for a backend that starts from boxes."""
    starts: list[tuple[object, np.ndarray | None]] = []

    class Recording(ShiftTracker):
        def init(self, frame, box=None, mask=None):  # type: ignore[no-untyped-def]
            starts.append((box, None if mask is None else mask.copy()))
            return super().init(frame, box, mask)

    model = AnnotationModel(6)
    model.apply(model.add_object(ObjectInfo(1, "o1")))
    drawn = (0.0, 0.0, 60.0, 30.0)
    corners = tuple(float(v) for v in np.asarray(box_polygon(drawn)).reshape(-1))
    init = FrameMask(Provenance.INIT, rle.encode(square(5)), 1.0, corners)
    model.apply(model.set_masks("box", [(1, 0, init)]))
    model_frames = IndexedFrames(6)
    run_propagation(
        model, model_frames, Recording(), PropagationPlan.from_model(model, 0, "forward")
    )
    assert len(starts) == 1 and tuple(starts[0][0]) == drawn  # type: ignore[arg-type]
    assert np.array_equal(starts[0][1], square(5))
    assert np.array_equal(rle.decode(model.mask(1, 1).rle), square(6))


def test_a_run_decodes_no_neighbour_frame() -> None:
    # A box init's mask is stored with it, so no start compares with a neighbouring
    # frame: a run reads just the frames it propagates over.
    reads: list[int] = []

    class Counting(IndexedFrames):
        def __getitem__(self, i: int) -> np.ndarray:
            reads.append(i)
            return super().__getitem__(i)

    model = model_with({1: [0]}, n=8)
    list(propagate(PropagationPlan.from_model(model, 0, "forward"), Counting(8), ShiftTracker()))
    assert reads == list(range(8))


def test_a_run_from_a_half_hidden_keyframe_searches_by_the_nearest_fuller_one() -> None:
    """A keyframe where the object is partly hidden (the user corrects the worst frame,
    often just that one) makes a poor look to search by: the run gets the nearest
    keyframe within ``VIEW_SPAN`` frames whose mask is 1.5 to 4 times as large. A
    keyframe 5 times as large, or far away, is an object seen closer."""
    looks: list[tuple[int, int]] = []

    class Searching(ShiftTracker):
        def look_from(self, state, frame, mask):  # type: ignore[no-untyped-def]
            looks.append((int(frame[0, 0, 0]), int(mask.sum())))
            return state

    assert isinstance(Searching(), SearchesByLook)
    model = AnnotationModel(30)
    model.apply(model.add_object(ObjectInfo(1, "o1")))
    sizes = {0: 19, 8: 10, 12: 22, 14: 14, 20: 4, 26: 9}  # side of each keyframe's square
    cells = [
        (1, f, FrameMask(Provenance.USER, rle.encode(square(30, s)))) for f, s in sizes.items()
    ]
    model.apply(model.set_masks("draw", cells))
    # From 8 (100 px): 12 (484) is 4.8x; 14 (196, 2x) is nearer than 0 (361, 3.6x).
    # From 20 (16 px): none within 4x. From 26 (81 px): 14 (2.4x) is 12 frames away.
    fuller = {
        start: PropagationPlan.from_model(model, start, "forward").runs[0].fuller
        for start in (8, 20, 26)
    }
    assert fuller[8] is not None and fuller[8][0] == 14
    assert fuller[20] is None and fuller[26] is None
    list(propagate(PropagationPlan.from_model(model, 8, "forward"), IndexedFrames(30), Searching()))
    assert looks == [(14, 14 * 14)]
    # A tracker that cannot search by a look is started as before.
    steps = list(
        propagate(
            PropagationPlan.from_model(model, 8, "forward"), IndexedFrames(30), ShiftTracker()
        )
    )
    assert [s.frame for s in steps] == [9, 10, 11]
