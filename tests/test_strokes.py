"""The snapping stroke tool's algorithm, and the simulated user's strokes."""

from __future__ import annotations

import cv2
import numpy as np

from annotator.commands.edits import current_mask, stroke_edit
from annotator.commands.scribble import correction_strokes, longest_path, thin
from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.tracking.geometry import tidy_mask
from annotator.tracking.strokes import Stroke, apply_strokes, stroke_labels

H, W = 160, 240


def scene(
    size: tuple[int, int] = (H, W),
    rows: tuple[int, int] = (40, 120),
    cols: tuple[int, int] = (60, 160),
    seed: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """A textured grey-green background of ``size`` (h, w) and a red object in
    ``rows`` x ``cols`` (half-open ranges)."""
    rng = np.random.default_rng(seed)
    h, w = size
    frame = np.empty((h, w, 3), np.uint8)
    frame[..., 0] = rng.integers(40, 90, (h, w))
    frame[..., 1] = rng.integers(90, 140, (h, w))
    frame[..., 2] = rng.integers(40, 90, (h, w))
    truth = np.zeros((h, w), np.uint8)
    truth[rows[0] : rows[1], cols[0] : cols[1]] = 1
    obj = truth > 0
    frame[obj] = np.stack(
        [
            rng.integers(170, 230, obj.sum()),
            rng.integers(20, 60, obj.sum()),
            rng.integers(20, 60, obj.sum()),
        ],
        axis=1,
    )
    return frame, truth


def test_a_foreground_stroke_adds_the_missed_part_and_nothing_far_away() -> None:
    frame, truth = scene()
    mask = truth.copy()
    mask[40:120, 60:95] = 0  # the left part is missed
    mask[5:15, 200:230] = 1  # a wrong blob far from the stroke
    out = apply_strokes(frame, mask, [Stroke(((78.0, 60.0), (78.0, 100.0)), 2.0, True)])
    missed = (truth > 0) & (mask == 0)
    assert out[missed].mean() > 0.97
    # the stroke only adds: nothing of the mask is removed, the far blob stays
    assert np.all(out[mask > 0] == 1)
    assert np.array_equal(out[0:30], mask[0:30])
    # and it stops at the object's edge
    assert out[:, :55].sum() == 0 and out[125:].sum() == 0


def test_a_background_stroke_removes_the_wrong_part_only() -> None:
    frame, truth = scene()
    mask = truth.copy()
    mask[40:120, 160:200] = 1  # background on the right is wrongly in
    out = apply_strokes(frame, mask, [Stroke(((180.0, 50.0), (180.0, 110.0)), 2.0, False)])
    wrong = (mask > 0) & (truth == 0)
    assert out[wrong].mean() < 0.03
    assert np.all(out[truth > 0] == 1)  # the object itself is untouched


def test_a_background_stroke_removes_like_wrong_parts_near_it_that_it_does_not_cross() -> None:
    """Blades of grass in front of the object, each wrongly in the mask and apart from the
    others: a stroke along one removes them all (on dance-jump a user stroked blade after
    blade), and nothing of the object."""
    frame, truth = scene()
    mask = truth.copy()
    blades = np.zeros_like(mask)
    for x in (70, 85, 100):
        blades[120:150, x : x + 6] = 1
    mask[blades > 0] = 1
    out = apply_strokes(frame, mask, [Stroke(((73.0, 125.0), (73.0, 147.0)), 2.0, False)])
    assert out[blades > 0].mean() < 0.03
    assert np.all(out[truth > 0] == 1)


def test_a_click_adds_a_missing_part() -> None:
    frame, truth = scene()
    mask = truth.copy()
    mask[90:120, 120:160] = 0  # a missing corner
    out = apply_strokes(frame, mask, [Stroke(((140.0, 105.0),), 3.0, True)])
    assert out[90:120, 120:160].mean() > 0.95
    assert np.array_equal(out[truth == 0], mask[truth == 0])


def test_strokes_outside_the_image_or_empty_change_nothing() -> None:
    frame, truth = scene()
    mask = truth.copy()
    mask[40:60, 60:80] = 0
    assert np.array_equal(apply_strokes(frame, mask, []), mask)
    outside = Stroke(((-50.0, -50.0), (-20.0, -40.0)), 4.0, True)
    assert np.array_equal(apply_strokes(frame, mask, [outside]), mask)
    # a one-pixel stroke at the very corner is handled, and sets at least its pixel
    corner = apply_strokes(frame, mask, [Stroke(((0.0, 0.0),), 0.5, True)])
    assert corner[0, 0] == 1


def test_simulated_strokes_lie_inside_their_error_regions() -> None:
    truth = np.zeros((H, W), np.uint8)
    truth[40:120, 60:160] = 1
    mask = truth.copy()
    mask[40:120, 60:90] = 0  # missed: 80 x 30
    mask[20:40, 100:140] = 1  # wrong: 20 x 40
    strokes = correction_strokes(truth, mask)
    assert [s.foreground for s in strokes] == [True, False]
    labels = stroke_labels((H, W), strokes)
    missed = (truth > 0) & (mask == 0)
    wrong = (mask > 0) & (truth == 0)
    assert (labels == 1).any() and np.all(missed[labels == 1])
    assert (labels == 2).any() and np.all(wrong[labels == 2])
    # the foreground stroke runs down the long side of the missed band
    ys = [y for _, y in strokes[0].points]
    assert max(ys) - min(ys) > 40  # thinning shortens an 80-long band by its half-widths
    assert correction_strokes(truth, truth) == []


def test_thinning_and_longest_path() -> None:
    bar = np.zeros((30, 80), np.uint8)
    bar[10:20, 5:75] = 1
    skeleton = thin(bar)
    assert skeleton.sum() < 90 and skeleton[:, 40].sum() == 1
    path = longest_path(skeleton)
    assert len(path) <= skeleton.sum() and abs(path[0][1] - path[-1][1]) > 55


def test_the_benchmark_cases_do_real_corrections() -> None:
    from annotator.bench.stroke import _cases
    from annotator.mask_blend import mask_iou

    frame, cases = _cases(427, 240)
    truth = cases["stroke_across_the_frame"].mask
    for name in (
        "missed_half_foreground_stroke",
        "wrong_band_background_stroke",
        "lost_object_placed_from_keyframe",
        "lost_object_grown_since_keyframe",
    ):
        case = cases[name]
        assert case.strokes, name
        after = apply_strokes(frame, case.mask, case.strokes, reference=case.reference)
        assert mask_iou(after, truth) > mask_iou(case.mask, truth) + 0.2, name
    # The lost disc is placed whole from its keyframe, not grown around the stroke.
    lost = cases["lost_object_placed_from_keyframe"]
    placed = apply_strokes(frame, lost.mask, lost.strokes, reference=lost.reference)
    assert mask_iou(placed, truth) > 0.9
    grown = cases["lost_object_grown_since_keyframe"]
    whole = apply_strokes(frame, grown.mask, grown.strokes, reference=grown.reference)
    assert mask_iou(whole, truth) > 0.9


def moving_object() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A textured object on noise: (keyframe, its mask) with the object at (20, 20), and
    (frame, truth) with it at (130, 90); 70 x 50 px."""
    rng = np.random.default_rng(5)
    background = rng.integers(0, 120, (H, W, 3), dtype=np.uint8)
    pattern = rng.integers(130, 255, (50, 70, 3), dtype=np.uint8)

    def frame_with_object_at(x: int, y: int) -> tuple[np.ndarray, np.ndarray]:
        frame = background.copy()
        frame[y : y + 50, x : x + 70] = pattern
        truth = np.zeros((H, W), np.uint8)
        truth[y : y + 50, x : x + 70] = 1
        return frame, truth

    return *frame_with_object_at(20, 20), *frame_with_object_at(130, 90)


def test_a_stroke_on_a_lost_object_brings_back_its_keyframe_shape() -> None:
    from annotator.mask_blend import mask_iou
    from annotator.tracking.refind import relocate

    key_frame, key_mask, frame, truth = moving_object()
    lost = np.zeros((H, W), np.uint8)  # the tracker lost it altogether
    stroke = Stroke(((150.0, 115.0), (180.0, 115.0)), 2.0, True)
    moved = relocate(key_frame, key_mask, frame, stroke_labels((H, W), [stroke]) == 1, lost > 0)
    assert moved is not None and mask_iou(moved, truth) > 0.9
    without = apply_strokes(frame, lost, [stroke])
    with_key = apply_strokes(frame, lost, [stroke], reference=(key_frame, key_mask))
    assert mask_iou(with_key, truth) > 0.9 > mask_iou(without, truth) + 0.2
    # no foreground stroke, nothing to place
    assert relocate(key_frame, key_mask, frame, lost > 0, lost > 0) is None


def test_a_plain_patch_of_the_objects_brightness_does_not_take_its_keyframe_shape() -> None:
    """A foreground stroke on a flat patch of the object's mean colour (a pale pole where
    a white ball hides): the keyframe matches there in brightness only, and is not moved
    onto it (on soccerball the mask became the pole)."""
    from annotator.tracking.refind import relocate

    key_frame, key_mask, frame, truth = moving_object()
    plain = frame.copy()
    plain[truth > 0] = key_frame[key_mask > 0].reshape(-1, 3).mean(axis=0).astype(np.uint8)
    fg = stroke_labels((H, W), [Stroke(((150.0, 115.0), (180.0, 115.0)), 2.0, True)]) == 1
    no_bg = np.zeros((H, W), bool)
    assert relocate(key_frame, key_mask, plain, fg, no_bg) is None
    assert relocate(key_frame, key_mask, frame, fg, no_bg) is not None  # the object itself


def test_strokes_on_a_mask_that_stayed_behind_move_it_to_the_object_whole() -> None:
    from annotator.mask_blend import mask_iou

    key_frame, key_mask, frame, truth = moving_object()
    # The tracker stayed on a look-alike where the object was: a mask as big as the
    # object, all wrong, over the same colours, so colour alone cannot remove it.
    frame = frame.copy()
    frame[key_mask > 0] = key_frame[key_mask > 0]
    stuck = key_mask.copy()
    strokes = [
        Stroke(((150.0, 115.0), (180.0, 115.0)), 2.0, True),
        Stroke(((35.0, 45.0), (75.0, 45.0)), 2.0, False),
    ]
    out = apply_strokes(frame, stuck, strokes, reference=(key_frame, key_mask))
    assert mask_iou(out, truth) > 0.9
    assert out[key_mask > 0].sum() == 0  # the wrong mask goes as a whole, not only under the stroke


def test_a_stroke_next_to_the_mask_extends_it_even_when_a_keyframe_could_be_moved_there() -> None:
    from annotator.mask_blend import mask_iou

    key_frame, key_mask, frame, truth = moving_object()
    part = truth.copy()
    part[:, 165:] = 0  # the right half is missed; the stroke runs on from the mask
    out = apply_strokes(
        frame,
        part,
        [Stroke(((170.0, 115.0), (195.0, 115.0)), 2.0, True)],
        reference=(key_frame, key_mask),
    )
    assert mask_iou(out, truth) > 0.9


def test_a_stroke_by_a_small_remainder_of_the_object_places_its_keyframe() -> None:
    """The mask kept a fifth of the object (a motorbike's passenger only) and the stroke
    runs on from it. The keyframe moved onto the stroke covers that remainder, so it is
    where the object is: the cut may reach all of it, not only a band around the stroke
    (``lost_object.REMAINDER_AGREES``)."""
    from annotator.mask_blend import mask_iou

    h, w = 260, 420
    key_frame, key_mask, frame, truth = grown_object(
        7, (h, w), (8, 20), (40, 90, 300, 120), (60, 100, 300, 120)
    )
    part = truth.copy()
    part[:, 120:] = 0
    stroke = Stroke(((105.0, 160.0), (140.0, 160.0)), 3.0, True)
    after = apply_strokes(frame, part, [stroke], reference=(key_frame, key_mask))
    assert mask_iou(after, truth) > 0.9
    assert after[truth == 0].sum() < 0.05 * truth.sum()
    # With no keyframe to place, the stroke extends the remainder near it only.
    assert mask_iou(apply_strokes(frame, part, [stroke]), truth) < 0.5


def _model_with(mask: np.ndarray, provenance: Provenance) -> AnnotationModel:
    model = AnnotationModel(1, history_bytes=0)
    model.apply(model.add_object(ObjectInfo(1, "o")))
    cell = FrameMask(provenance, rle.encode(mask), 0.9, None, 0)
    model.apply(model.set_masks("set", [(1, 0, cell)]))
    return model


def test_a_tracker_mask_loses_its_flecks_and_pinholes_when_strokes_take_it_over() -> None:
    """Far from the stroke, a tracker's fleck and pinhole go; the same mask made by a
    user keeps them, and so does a hole too large to be a pinhole, where the background
    shows through."""
    frame, truth = scene()
    background, _ = scene(rows=(0, 0), cols=(0, 0))
    frame[95:115, 70:90] = background[95:115, 70:90]
    mask = truth.copy()
    mask[40:80, 60:70] = 0  # the part the stroke adds back
    mask[100:103, 140:143] = 0  # a pinhole: 9 pixels of about 7,600
    mask[95:115, 70:90] = 0  # a real hole: 400 pixels, over 2% of the mask
    mask[10:13, 200:203] = 1  # a fleck on the background
    stroke = Stroke(((65.0, 45.0), (65.0, 75.0)), 3.0, True)
    for provenance, tidied in ((Provenance.PROPAGATED, True), (Provenance.USER, False)):
        model = _model_with(mask, provenance)
        model.apply(stroke_edit(model, 1, 0, lambda _: frame, [stroke]))
        after = current_mask(model, 1, 0, (H, W))
        assert after[50:70, 62:68].all()  # the stroke's own work, either way
        assert after[101, 141] == tidied and after[11, 201] == (not tidied)
        assert not after[100:110, 75:85].any()
        assert model.mask(1, 0).provenance is Provenance.USER


def test_tidy_mask_weighs_flecks_against_the_whole_mask() -> None:
    """A small right part next to a large wrong one is not a fleck."""
    mask = np.zeros((100, 100), np.uint8)
    mask[0:60, 0:60] = 1  # 3,600 pixels
    mask[80:90, 80:90] = 1  # 100: 2.7% of the whole, 2.8% of the largest
    mask[95:97, 5:7] = 1  # 4: a fleck
    out = tidy_mask(mask, 0.01, 0.02)
    assert out[85, 85] == 1 and out[96, 6] == 0
    assert tidy_mask(np.zeros((5, 5), np.uint8), 0.01, 0.02).sum() == 0


def smooth_texture(
    rng: np.random.Generator, shape: tuple[int, ...], lo: int, hi: int
) -> np.ndarray:
    """Blurred noise stretched to [lo, hi], uint8: a texture that survives resampling."""
    a = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0), 2)
    return (lo + (hi - lo) * (a - a.min()) / (a.max() - a.min())).astype(np.uint8)


def test_a_stroke_on_a_part_the_keyframe_lacks_does_not_move_the_mask_there() -> None:
    """A keyframe of a paraglider's wing only; on this frame the mask holds the wing and a
    wrong sliver beside it, a foreground stroke marks the pilot below, a background stroke
    the sliver. The pilot looks enough like the wing for the keyframe to be placed on the
    stroke, but the mask looks clearly more like it: the wing stays and the pilot is added
    (on paragliding the wing was moved onto the pilot: J 0.82 -> 0.08). A pilot that looks
    as much like the keyframe as the mask does is a look-alike the tracker followed, and
    foreground strokes longer than the mask is wide do not mark a mere part of it."""
    from annotator.mask_blend import mask_iou

    short = ((25.0, 125.0), (85.0, 125.0))
    long = ((25.0, 110.0), (85.0, 110.0), (25.0, 140.0))  # 127 px; the mask is 71 px wide
    for mix, fg_points, wing_stays in ((0.5, short, True), (0.7, short, False), (0.5, long, False)):
        rng = np.random.default_rng(0)
        frame = smooth_texture(rng, (H, W, 3), 0, 120)
        wing = smooth_texture(rng, (50, 70, 3), 130, 255).astype(np.float32)
        other = smooth_texture(rng, (50, 70, 3), 130, 255).astype(np.float32)
        frame[20:70, 20:90] = wing
        frame[100:150, 20:90] = (mix * wing + (1 - mix) * other).astype(np.uint8)
        key_mask = np.zeros((H, W), np.uint8)
        key_mask[20:70, 20:90] = 1
        truth = key_mask.copy()
        truth[100:150, 20:90] = 1
        mask = key_mask.copy()
        mask[20:70, 10:20] = 1  # the sliver
        strokes = [
            Stroke(fg_points, 2.0, True),
            Stroke(((14.0, 25.0), (14.0, 65.0)), 2.0, False),
        ]
        out = apply_strokes(frame, mask, strokes, reference=(frame, key_mask))
        assert (out[key_mask > 0].mean() > 0.95) == wing_stays
        assert out[100:150, 20:90].mean() > 0.95  # the pilot is in either way
        if wing_stays:
            assert mask_iou(out, truth) > 0.95


def test_a_colour_the_keyframe_shows_around_its_object_counts_as_background() -> None:
    from annotator.tracking.appearance import HIST_BINS, colour_counts, colour_index
    from annotator.tracking.strokes import local_llr, ring_around

    red, blue, grey = (200, 30, 30), (30, 30, 200), (120, 120, 120)
    key = np.full((H, W, 3), grey, np.uint8)
    key[10:110, 30:150] = blue  # the pool the object stands in, left out of its mask
    key[40:80, 60:120] = red
    key_mask = np.zeros((H, W), bool)
    key_mask[40:80, 60:120] = True
    inside = colour_counts(colour_index(key), key_mask)
    around = colour_counts(colour_index(key), ring_around(key_mask, 30.0))
    bins = colour_index(np.array([[red, blue]], np.uint8))[0]
    assert inside[bins[0]] > 0 and inside[bins[1]] == 0
    assert around[bins[1]] > 0 and around[bins[0]] == 0
    assert inside.shape == around.shape == (HIST_BINS**3,)
    # On a frame where the mask wrongly holds some of the pool as well, its colour
    # looks like the object's from that frame alone, and like background with the keyframe.
    frame = np.full((H, W, 3), grey, np.uint8)
    frame[40:70, 60:120] = red
    frame[70:100, 60:120] = blue
    mask = np.zeros((H, W), np.uint8)
    mask[40:100, 60:120] = 1
    marks = np.zeros((H, W), np.uint8)
    marks[50:55, 80:100] = 1
    alone = local_llr(frame, mask, marks)
    told = local_llr(frame, mask, marks, inside, around)
    assert alone[85, 90] > 0 > told[85, 90]
    assert told[45, 90] > 0


def grown_object(
    seed: int,
    shape: tuple[int, int],
    cells: tuple[int, int],
    key_box: tuple[int, int, int, int],
    box: tuple[int, int, int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A bright pattern of ``cells`` (rows, columns) on dark noise of ``shape`` (H, W):
    (keyframe, its mask) with the pattern over ``key_box`` and (frame, truth) with it
    over ``box``, boxes xywh, so the object may have grown between them."""
    import cv2

    rng = np.random.default_rng(seed)
    background = rng.integers(0, 110, (*shape, 3), dtype=np.uint8)
    pattern = rng.integers(150, 255, (*cells, 3), dtype=np.uint8)
    out = []
    for x, y, bw, bh in (key_box, box):
        image, mask = background.copy(), np.zeros(shape, np.uint8)
        image[y : y + bh, x : x + bw] = cv2.resize(
            pattern, (bw, bh), interpolation=cv2.INTER_NEAREST
        )
        mask[y : y + bh, x : x + bw] = 1
        out += [image, mask]
    return out[0], out[1], out[2], out[3]


def test_a_lost_object_that_grew_past_its_keyframe_comes_back_whole() -> None:
    """The keyframe cannot be placed on the stroke (the object came closer and is twice
    its keyframe's size), yet the mask is lost: the keyframe's colours may bring back
    the object as far as three of its radii from the stroke, not just a band around it,
    and the empty mask does not hold the cut back (motocross-bumps on the train split)."""
    from annotator.mask_blend import mask_iou
    from annotator.tracking.refind import relocate

    h, w = 240, 360
    key_frame, key_mask, frame, truth = grown_object(
        11, (h, w), (9, 12), (20, 20, 60, 45), (120, 75, 120, 90)
    )
    lost = np.zeros((h, w), np.uint8)
    stroke = Stroke(((130.0, 120.0), (150.0, 120.0)), 2.0, True)
    fg = stroke_labels((h, w), [stroke]) == 1
    assert relocate(key_frame, key_mask, frame, fg, lost > 0) is None
    after = apply_strokes(frame, lost, [stroke], reference=(key_frame, key_mask))
    assert mask_iou(after, truth) > 0.9
    assert after[truth == 0].sum() < 0.05 * truth.sum()


def test_a_long_stroke_along_a_lost_object_far_larger_than_its_keyframe_brings_it_back() -> None:
    """The object came close to the camera: its keyframe is a fraction of its size now,
    so the keyframe's reach would give a band along the stroke. A stroke along the
    object's length says how much it grew (``lost_object.GROWN``; a motocross rider
    five times larger than on frame 0, on the train split)."""
    from annotator.mask_blend import mask_iou

    h, w = 300, 420
    key_frame, key_mask, frame, truth = grown_object(
        5, (h, w), (6, 8), (20, 20, 32, 24), (100, 60, 240, 180)
    )
    lost = np.zeros((h, w), np.uint8)
    stroke = Stroke(((110.0, 150.0), (330.0, 150.0)), 3.0, True)
    after = apply_strokes(frame, lost, [stroke], reference=(key_frame, key_mask))
    assert mask_iou(after, truth) > 0.9
    assert after[truth == 0].sum() < 0.05 * truth.sum()
    # A click says nothing of the size: the keyframe's reach holds.
    click = Stroke(((220.0, 150.0),), 3.0, True)
    clicked = apply_strokes(frame, lost, [click], reference=(key_frame, key_mask))
    assert clicked.sum() < 0.5 * truth.sum()


def test_a_long_stroke_says_the_object_grew_only_if_it_spans_more_than_its_keyframe() -> None:
    """A flamingo's legs and neck make a long stroke, but no longer than the flamingo
    was on its keyframe: that is no sign that it grew."""
    from annotator.tracking.lost_object import grown_reach

    key = np.zeros((200, 300), np.uint8)
    key[20:180, 100:110] = 1  # a pole 160 px long and 10 wide
    along = Stroke(((105.0, 30.0), (105.0, 170.0)), 2.0, True)
    assert grown_reach([along], key > 0) == 0.0
    small = np.zeros((200, 300), np.uint8)
    small[20:60, 100:104] = 1  # the same pole a quarter as long on its keyframe
    reach = grown_reach([along], small > 0)
    assert reach > 2 * np.sqrt(small.sum() / np.pi)
    click = Stroke(((105.0, 30.0),), 2.0, True)
    assert grown_reach([click], small > 0) == 0.0


def test_a_stroke_away_from_the_mask_reaches_as_far_as_it_spans() -> None:
    """The tracker followed something small elsewhere; the user strokes along the
    object, which is far bigger than the mask. The stroke's span, not the mask's
    size, says how far the cut may reach (``lost_object.MISSED_SPAN``; a motorbike
    and its riders four times the mask's size, on the train split). A stroke along
    the mask's edge still adds only a band next to it."""
    from annotator.mask_blend import mask_iou

    h, w = 240, 360
    frame, truth = scene((h, w), (50, 190), (60, 260), seed=8)
    wrong = np.zeros((h, w), np.uint8)
    wrong[10:40, 300:330] = 1
    along = Stroke(((70.0, 120.0), (250.0, 120.0)), 2.0, True)
    after = apply_strokes(frame, wrong, [along])
    assert mask_iou(after & truth, truth) > 0.95
    assert after[wrong > 0].all()  # no background stroke there: it stays
    strip = np.zeros((h, w), np.uint8)
    strip[150:190, 60:260] = 1
    beside = Stroke(((70.0, 145.0), (250.0, 145.0)), 2.0, True)
    grown = apply_strokes(frame, strip, [beside])
    assert grown[135:150, 60:260].all()
    assert not grown[50:100].any()


def test_a_mask_on_part_of_its_keyframe_is_still_there() -> None:
    """A keyframe of a wing and its pilot, 60 px below (with or without two specks the
    tracker left far off); on this frame the mask holds the wing only. The keyframe's
    look matches near the wing, though its centre lies between wing and pilot, so the
    mask is on the object, not lost: on paragliding a stroke on the pilot took the
    wing away (J 0.82 -> 0.08) when the match was sought a quarter of the keyframe's
    size around the mask."""
    from annotator.tracking.lost_object import still_there

    rng = np.random.default_rng(5)
    frame = smooth_texture(rng, (300, 400, 3), 0, 110)
    frame[40:90, 100:170] = smooth_texture(rng, (50, 70, 3), 140, 255)  # the wing
    frame[150:180, 125:145] = smooth_texture(rng, (30, 20, 3), 140, 255)  # the pilot
    wing = np.zeros((300, 400), np.uint8)
    wing[40:90, 100:170] = 1
    key_mask = wing.copy()
    key_mask[150:180, 125:145] = 1
    specks = np.zeros_like(wing)
    specks[280:286, 380:390] = 1
    specks[5:10, 5:12] = 1
    elsewhere = np.roll(key_mask, 110, axis=1)  # the keyframe placed on a stroke elsewhere
    for key in (key_mask, key_mask | specks):
        assert still_there((frame, key), frame, wing, elsewhere)
        # A mask on something else while the stroke's place is the object: not there.
        assert not still_there((frame, key), frame, np.roll(wing, 110, axis=1), key)
