"""SiamMask tracker behaviour: batching, state handling, init from a mask, bad boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.errors import InvalidBoxError
from annotator.tracking.base import MaskWindow, TrackResult
from annotator.tracking.network import SiamMaskNet
from annotator.tracking.siammask import SiamMaskTracker
from annotator.video.frame_source import open_source

# The same tests on every path: the CPU with the official host crop, the CPU with
# the device crop a GPU uses, and CUDA (skipped without one; see conftest).
PATHS = [
    pytest.param(("cpu", "host"), id="cpu"),
    pytest.param(("cpu", "device"), id="cpu-device-crop"),
    pytest.param(("cuda", "auto"), id="cuda", marks=pytest.mark.gpu),
]


@pytest.fixture(scope="module", params=PATHS)
def tracker(request, seeded_state_dict) -> SiamMaskTracker:  # type: ignore[no-untyped-def]
    device, crop = request.param
    net = SiamMaskNet()
    net.load_state_dict(seeded_state_dict)
    return SiamMaskTracker(net, device=device, crop=crop)


BOXES = [(300, 110, 165, 240), (60, 200, 120, 200), (600, 50, 90, 80)]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def test_batched_objects_equal_single_runs(tracker: SiamMaskTracker, tennis_dir: Path) -> None:
    with open_source(tennis_dir) as source:
        frames = [source[i] for i in range(5)]
    batched = [tracker.init(frames[0], box=b) for b in BOXES]
    singles = [[tracker.init(frames[0], box=b)] for b in BOXES]
    for frame in frames[1:]:
        results = tracker.track(frame, batched)
        batched = [r.state for r in results]
        for k in range(len(BOXES)):
            alone = tracker.track(frame, singles[k])[0]
            singles[k] = [alone.state]
            assert _iou(alone.mask, results[k].mask) >= 0.99
            assert np.allclose(alone.center, results[k].center, atol=1e-2)
            assert np.allclose(alone.size, results[k].size, atol=1e-2)
            assert abs(alone.score - results[k].score) < 1e-4


def test_results_have_the_documented_shapes(tracker: SiamMaskTracker, tennis_dir: Path) -> None:
    with open_source(tennis_dir) as source:
        state = tracker.init(source[0], box=BOXES[0])
        (result,) = tracker.track(source[1], [state])
    assert result.mask.shape == (480, 854) and result.mask.dtype == np.uint8
    assert set(np.unique(result.mask)) <= {0, 1}
    assert result.polygon.shape == (4, 2)
    assert len(result.bbox) == 4 and 0.0 <= result.score <= 1.0
    # the mask travels as its window of the frame; the full mask is that window, placed
    assert result.window is not None and result.full_mask is None
    window = result.window
    assert window.crop.dtype == np.uint8 and window.crop.sum() == result.mask.sum()
    assert np.array_equal(result.mask, window.full())
    # the old state is untouched: states are immutable values
    assert np.allclose(state.center, (300 + 165 / 2, 110 + 240 / 2))
    assert result.state is not state


def test_init_from_mask_uses_its_bounding_box(tracker: SiamMaskTracker, tennis_dir: Path) -> None:
    with open_source(tennis_dir) as source:
        frame = source[0]
    mask = np.zeros(frame.shape[:2], np.uint8)
    mask[110:350, 300:465] = 1
    from_mask = tracker.init(frame, mask=mask)
    from_box = tracker.init(frame, box=(300, 110, 165, 240))
    assert np.allclose(from_mask.center, from_box.center)
    assert np.allclose(from_mask.size, from_box.size)


@pytest.mark.parametrize(
    "box",
    [(0, 0, 0, 10), (10, 10, 20, -5), (900, 10, 20, 20), (-50, -50, 40, 40), (10, 600, 5, 5)],
)
def test_impossible_boxes_are_refused(tracker: SiamMaskTracker, box: tuple) -> None:  # type: ignore[type-arg]
    frame = np.zeros((480, 854, 3), np.uint8)
    with pytest.raises(InvalidBoxError):
        tracker.init(frame, box=box)


def test_empty_mask_is_refused(tracker: SiamMaskTracker) -> None:
    frame = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(InvalidBoxError, match="empty"):
        tracker.init(frame, mask=np.zeros((48, 64), np.uint8))


def test_object_leaving_the_frame_stays_clamped(tracker: SiamMaskTracker) -> None:
    from conftest import moving_square_clip

    frames, _ = moving_square_clip(40, step=6)
    state = tracker.init(frames[0], box=(20, 45, 30, 30))
    for frame in frames[1:]:
        (result,) = tracker.track(frame, [state])
        state = result.state
        assert 0 <= result.center[0] <= 160 and 0 <= result.center[1] <= 120
        assert 10 <= result.size[0] <= 160 and 10 <= result.size[1] <= 120


def test_a_result_holds_its_mask_one_way() -> None:
    window = MaskWindow(2, 1, np.ones((2, 3), np.uint8), height=4, width=6)
    kwargs = dict(
        polygon=np.zeros((4, 2), np.float32),
        bbox=(2.0, 1.0, 3.0, 2.0),
        center=(3.5, 2.0),
        size=(3.0, 2.0),
        score=1.0,
        state=None,
    )
    result = TrackResult(**kwargs, window=window)  # type: ignore[arg-type]
    expected = np.zeros((4, 6), np.uint8)
    expected[1:3, 2:5] = 1
    assert np.array_equal(result.mask, expected)
    with pytest.raises(ValueError):
        TrackResult(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TrackResult(**kwargs, full_mask=expected, window=window)  # type: ignore[arg-type]
