"""Parts of an object that go out of sight behind something and come back
(``annotator.tracking.hidden_parts`` and the flow backend's use of it)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.commands.eval_sim import find_sequences
from annotator.formats.palette import read_label_png
from annotator.metrics import jaccard
from annotator.tracking.flow import FlowConfig, FlowTracker
from annotator.tracking.hidden_parts import (
    LIKE_OBJECT,
    HiddenParts,
    carry_hidden,
    coming_back,
    object_motion,
)
from annotator.video.frame_source import open_source
from tests.conftest import SHARED, need

TRAIN = SHARED / "data" / "davis2016-train"


def similarity_flow(
    shape: tuple[int, int], origin: tuple[int, int], a: float, b: float, tx: float, ty: float
) -> np.ndarray:
    """(h, w, 2) the backward flow of a window at ``origin`` under u = a x - b y + tx,
    v = b x + a y + ty (frame pixels)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = xx + origin[0], yy + origin[1]
    return np.stack([a * x - b * y + tx - x, b * x + a * y + ty - y], axis=-1).astype(np.float32)


def test_the_objects_motion_is_fitted_past_a_third_of_wild_points() -> None:
    back = similarity_flow((100, 120), (50, 30), 1.02, 0.03, -5.0, 3.0)
    rng = np.random.default_rng(0)
    back[:30] = rng.normal(0, 10, back[:30].shape)  # a limb, or the background the flow bled onto
    motion = object_motion(back, np.ones((100, 120), bool), 50, 30)
    assert motion is not None
    # Where it takes the window's corners, against where the true motion does.
    corners = np.array([[50, 30, 1], [170, 30, 1], [50, 130, 1], [170, 130, 1]], np.float64)
    truth = np.array([[1.02, -0.03, -5.0], [0.03, 1.02, 3.0]])
    assert np.abs(corners @ motion.T - corners @ truth.T).max() < 0.5


def test_no_motion_is_fitted_to_a_few_pixels_or_to_noise() -> None:
    back = similarity_flow((40, 40), (0, 0), 1.0, 0.0, 2.0, 0.0)
    few = np.zeros((40, 40), bool)
    few[:2, :5] = True
    assert object_motion(back, few, 0, 0) is None
    noise = np.random.default_rng(1).normal(0, 20, back.shape).astype(np.float32)
    assert object_motion(noise, np.ones((40, 40), bool), 0, 0) is None


def test_hidden_parts_move_with_the_object_and_fade() -> None:
    going = np.zeros((10, 10), np.float32) + 1.0  # a 10 px square at (10, 10)
    # Backward motion (new -> old) of -6 px in x: the object moved 6 px to the right.
    motion = np.array([[1.0, 0.0, -6.0], [0.0, 1.0, 0.0]])
    once = carry_hidden(HiddenParts(going, 10, 10), motion, (5, 5, 45, 35), 0.9)
    assert (once.x0, once.y0) == (5, 5) and once.share.shape == (30, 40)
    frame = np.zeros((60, 80), np.float32)
    frame[5:35, 5:45] = once.share
    assert np.allclose(frame[12:18, 17:25], 0.9)
    assert frame[12:18, 10:15].max() == 0.0
    twice = carry_hidden(once, motion, (0, 0, 80, 60), 0.9)
    assert np.allclose(twice.share[12:18, 23:31], 0.81, atol=1e-5)
    # What comes into sight again leaves the hidden parts.
    assert not twice.without(twice.share > 0.5).share.max() > 0.5


def test_hidden_parts_on_two_windows_merge_into_one() -> None:
    a = HiddenParts(np.full((4, 4), 0.5, np.float32), 2, 3)
    b = HiddenParts(np.full((2, 2), 0.8, np.float32), 5, 6)
    both = a.merged(b)
    assert (both.x0, both.y0) == (2, 3) and both.share.shape == (5, 5)
    assert both.share[0, 0] == 0.5 and both.share[3, 3] == 0.8 and both.share[4, 0] == 0.0


def test_a_part_comes_back_only_where_the_flow_is_unsure_the_colour_fits_and_it_is_big() -> None:
    shape = (50, 50)
    carried = np.zeros(shape, np.float32)
    carried[10:40, 5:25] = 1.0  # 600 px
    hidden = np.zeros(shape, np.float32)
    hidden[10:40, 25:35] = 0.9  # 300 px beside the mask
    unsure = np.ones(shape, bool)
    colour = np.full(shape, 2.0, np.float32)
    assert coming_back(hidden, carried, unsure, colour, 0.03).sum() == 300
    # Where the flow follows something, it is not a part coming out.
    assert not coming_back(hidden, carried, np.zeros(shape, bool), colour, 0.03).any()
    # Colours the object never showed score a little above 0 and are not enough.
    unseen = np.full(shape, LIKE_OBJECT / 2, np.float32)
    assert not coming_back(hidden, carried, unsure, unseen, 0.03).any()
    # A sliver (a racket that swung too fast for the flow) is not taken back.
    assert not coming_back(hidden, carried, unsure, colour, 0.6).any()


@pytest.mark.parametrize("decay", [0.0, 0.95], ids=["flow-only", "hidden-parts"])
def test_a_body_swinging_behind_a_post_is_carried_out_on_the_other_side(decay: float) -> None:
    """DAVIS-2016 train 'swing', started from the truth on frame 0: from frame 7 the
    girl swings behind the swing's wooden post. Flow alone keeps only what never went
    behind it (J about 0.27 over frames 10..16); with the parts that went carried by her
    motion, what comes out on the other side is taken back (about 0.5)."""
    need(TRAIN / "videos" / "swing.mp4", "the DAVIS-2016 train split")
    seq = find_sequences(TRAIN, ["swing"])[0]
    with open_source(seq.frames) as source:
        frames = [source[i] for i in range(17)]
    truths = [read_label_png(seq.annotations[i]) > 0 for i in range(17)]
    tracker = FlowTracker(FlowConfig(hidden_decay=decay))
    state = tracker.init(frames[0], mask=truths[0].astype(np.uint8))
    ious = []
    for frame, truth in zip(frames[1:], truths[1:], strict=True):
        [result] = tracker.track(frame, [state])
        state = result.state
        ious.append(jaccard(result.mask > 0, truth))
    behind = float(np.mean(ious[9:]))
    if decay:
        assert behind > 0.45, ious
    else:
        assert behind < 0.35, ious


@pytest.mark.parametrize("frame_shape", [(60, 80), (120, 160)], ids=["flow-size", "half-size-flow"])
def test_the_going_check_on_a_window_is_the_whole_grids_there(frame_shape: tuple[int, int]) -> None:
    from annotator.tracking.flowfield import PairFlow, pixel_grid, round_trip

    rng = np.random.default_rng(2)
    backward = rng.normal(0, 3, (60, 80, 2)).astype(np.float32)
    forward = rng.normal(0, 3, (60, 80, 2)).astype(np.float32)
    flow = PairFlow.of(backward, forward, frame_shape)
    whole = round_trip(forward, backward, *pixel_grid(60, 80))
    scale = frame_shape[1] / 80
    x0, y0, x1, y1 = int(10 * scale), int(12 * scale), int(50 * scale), int(40 * scale)
    expected = flow._sample(whole, x0, y0, x1, y1) * np.float32(scale)
    assert np.allclose(flow.going_at(x0, y0, x1, y1), expected, atol=1e-4)
