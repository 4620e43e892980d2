"""The optical-flow backend, GrabCut init and 'auto' selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.errors import InvalidBoxError, WeightsError
from annotator.metrics import jaccard
from annotator.tracking.factory import create_tracker
from annotator.tracking.flow import FlowTracker
from annotator.tracking.siammask import SiamMaskTracker
from annotator.video.synthetic import render_frames


@pytest.mark.parametrize("which", [0, 1], ids=["disc", "square"])
def test_flow_carries_a_moving_shape_with_high_iou(which: int) -> None:
    # The first 60 frames of the sample clip; the disc moves 5 px a frame.
    frames, truths = render_frames(90, 640, 360)
    tracker = FlowTracker()
    state = tracker.init(frames[0], mask=truths[0][which])
    ious = []
    for frame, truth in zip(frames[1:60], truths[1:60], strict=True):
        [result] = tracker.track(frame, [state])
        state = result.state
        ious.append(jaccard(result.mask, truth[which]))
        assert result.mask.shape == truth[which].shape and result.mask.dtype == np.uint8
        assert 0.0 <= result.score <= 1.0
    assert min(ious) > 0.85, ious
    assert np.mean(ious) > 0.95


def test_two_objects_share_one_flow_and_keep_their_masks() -> None:
    frames, truths = render_frames(90, 640, 360)
    tracker = FlowTracker()
    states = [tracker.init(frames[0], mask=m) for m in truths[0]]
    calls = []
    original = tracker.flow_pair

    def counting(prev, cur):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(prev, cur)

    tracker.flow_pair = counting  # type: ignore[method-assign]
    for i in range(1, 12):
        results = tracker.track(frames[i], states)
        states = [r.state for r in results]
        for r, truth in zip(results, truths[i], strict=True):
            assert jaccard(r.mask, truth) > 0.85
    assert len(calls) == 11  # one flow pair per frame, not per object


def test_grabcut_turns_a_box_into_the_object() -> None:
    frames, truths = render_frames(2, 320, 180)
    disc = truths[0][0]
    ys, xs = np.nonzero(disc)
    box = (xs.min() - 6, ys.min() - 6, xs.max() - xs.min() + 12, ys.max() - ys.min() + 12)
    tracker = FlowTracker()
    state = tracker.init(frames[0], box=box)
    [init] = tracker.describe_init(frames[0], [state])
    assert jaccard(init.mask, disc) > 0.85
    box_area = box[2] * box[3]
    assert init.mask.sum() < 0.95 * box_area  # a mask, not the box
    with pytest.raises(InvalidBoxError):
        tracker.init(frames[0], box=(10, 10, 0, 5))


def test_an_object_that_leaves_scores_zero() -> None:
    # The left half of the sample clip: the disc leaves it on the right near frame 30.
    frames, truths = render_frames(60, 640, 360)
    frames = [np.ascontiguousarray(f[:, :320]) for f in frames]
    tracker = FlowTracker()
    state = tracker.init(frames[0], mask=truths[0][0][:, :320])
    for frame in frames[1:]:
        [result] = tracker.track(frame, [state])
        state = result.state
    assert result.mask.sum() < 30 and result.score < 0.5


def test_auto_picks_siammask_with_weights_and_flow_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded_weights_file: Path
) -> None:
    from annotator.tracking import weights

    # Every place weights are looked for is empty, the checkout's models/ included.
    monkeypatch.setenv("ANNOTATOR_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(weights, "_checkout_models", lambda: tmp_path / "checkout-models")
    monkeypatch.delenv("ANNOTATOR_WEIGHTS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert weights.find_weights() is None
    assert isinstance(create_tracker("auto", None, "cpu"), FlowTracker)
    assert isinstance(create_tracker("flow"), FlowTracker)
    assert isinstance(create_tracker("auto", seeded_weights_file, "cpu"), SiamMaskTracker)
    monkeypatch.setenv("ANNOTATOR_WEIGHTS", str(seeded_weights_file))
    assert isinstance(create_tracker("auto", None, "cpu"), SiamMaskTracker)
    monkeypatch.delenv("ANNOTATOR_WEIGHTS")
    with pytest.raises(WeightsError):
        create_tracker("siammask", tmp_path / "missing.pth", "cpu")


def test_flow_gives_the_masks_own_upright_box_which_the_window_does_not_draw() -> None:
    from annotator.tracking.geometry import axis_aligned

    frames, truths = render_frames(3, 320, 180)
    tracker = FlowTracker()
    [result] = tracker.track(frames[1], [tracker.init(frames[0], mask=truths[0][0])])
    assert axis_aligned(result.polygon)
    x, y, w, h = result.bbox
    assert np.allclose(result.polygon, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    tilted = np.array([[10, 0], [20, 10], [10, 20], [0, 10]], np.float32)
    assert not axis_aligned(tilted)
