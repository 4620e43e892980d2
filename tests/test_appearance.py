"""The graph cut that snaps a carried mask to the object, and the colour model behind it."""

from __future__ import annotations

import numpy as np

from annotator.metrics import jaccard
from annotator.tracking.appearance import (
    ColourModel,
    CutWeights,
    Edges,
    contrast_edges,
    min_cut,
    snap_to_image,
)


def scene() -> tuple[np.ndarray, np.ndarray]:
    """A red disc on a noisy green-blue background: (frame (120, 160, 3), disc mask)."""
    rng = np.random.default_rng(3)
    frame = np.empty((120, 160, 3), np.uint8)
    frame[..., 0] = rng.integers(0, 60, (120, 160))
    frame[..., 1] = rng.integers(100, 180, (120, 160))
    frame[..., 2] = rng.integers(80, 160, (120, 160))
    yy, xx = np.mgrid[0:120, 0:160]
    disc = ((xx - 80) ** 2 + (yy - 60) ** 2 <= 30**2).astype(np.uint8)
    frame[disc > 0] = np.array([200, 40, 40]) + rng.integers(0, 30, (int(disc.sum()), 3))
    return frame, disc


def test_a_drifted_mask_snaps_back_onto_the_object() -> None:
    frame, disc = scene()
    colours = ColourModel.learn(frame, disc)
    assert colours.llr(frame)[disc > 0].mean() > 1 > -1 > colours.llr(frame)[disc == 0].mean()
    drifted = np.roll(disc, 6, axis=1).astype(np.float32)  # 6 px to the right
    assert jaccard(drifted, disc) < 0.85
    snapped = snap_to_image(frame, drifted, colours.llr(frame), CutWeights())
    assert jaccard(snapped, disc) > 0.95
    assert snapped.dtype == np.uint8 and snapped.shape == disc.shape


def test_only_a_band_around_the_carried_boundary_can_change() -> None:
    frame, disc = scene()
    colours = ColourModel.learn(frame, disc)
    # A carried mask far too small: the cut can grow it by the band, not to the whole disc.
    small = np.zeros_like(disc, dtype=np.float32)
    small[55:65, 75:85] = 1
    weights = CutWeights(band_px=4)
    snapped = snap_to_image(frame, small, colours.llr(frame), weights)
    ys, xs = np.nonzero(snapped)
    assert xs.min() >= 75 - 5 and xs.max() <= 85 + 5 and ys.min() >= 55 - 5
    # Far from the carried mask, nothing appears even where colour says "object".
    assert snapped[60, 55] == 0 and snapped.sum() > small.sum()


def test_thin_parts_survive_when_colour_does_not_object() -> None:
    frame, disc = scene()
    line = np.zeros_like(disc)
    line[20:100, 20:22] = 1  # a 2-pixel line of the object's colour, attached nowhere
    frame[line > 0] = (210, 50, 50)
    mask = (disc | line).astype(np.float32)
    colours = ColourModel.learn(frame, mask.astype(np.uint8))
    snapped = snap_to_image(frame, mask, colours.llr(frame), CutWeights())
    assert snapped[20:100, 20:22].mean() > 0.9


def test_an_empty_carried_mask_stays_empty() -> None:
    frame, disc = scene()
    colours = ColourModel.learn(frame, disc)
    out = snap_to_image(frame, np.zeros(disc.shape, np.float32), colours.llr(frame), CutWeights())
    assert not out.any()


def test_a_wire_across_the_object_stays_background() -> None:
    # A 1-pixel wire of nearly the object's colour crosses the disc in front of it; the
    # carried mask has the gap (the keyframe said "background" there).
    frame, disc = scene()
    wire = np.zeros_like(disc)
    wire[:, 79] = 1
    frame[wire > 0] = (195, 55, 50)
    carried = (disc & (1 - wire)).astype(np.float32)
    colours = ColourModel.learn(frame, carried.astype(np.uint8))
    snapped = snap_to_image(frame, carried, colours.llr(frame), CutWeights())
    assert not snapped[wire > 0].any()
    filled = snap_to_image(frame, carried, colours.llr(frame), CutWeights(keep_holes=False))
    assert filled[35:85, 79].mean() > 0.5  # without it, smoothness fills the wire in


def test_a_large_cut_solved_coarse_to_fine_matches_the_full_cut() -> None:
    frame, disc = scene()
    colours = ColourModel.learn(frame, disc)
    # Weak colour terms, as where a lost object is placed again: the slow case.
    logit = (0.3 * colours.llr(frame)).astype(np.float32)
    force_fg = np.zeros(disc.shape, bool)
    force_bg = np.zeros(disc.shape, bool)
    force_fg[60, 60:100] = True  # a foreground stroke across the disc
    force_bg[5, :] = True
    force_bg[58:62, 140:150] = True  # a background stroke, odd rows and columns included
    full = min_cut(frame, logit, force_fg, force_bg, 16.0)
    coarse = min_cut(frame, logit, force_fg, force_bg, 16.0, max_pixels=1000)
    assert jaccard(full, disc) > 0.9
    assert jaccard(coarse, full) > 0.97
    assert coarse[force_fg].all() and not coarse[force_bg].any()
    assert coarse.dtype == np.uint8 and coarse.shape == disc.shape
    # Under the size limit nothing changes.
    assert np.array_equal(min_cut(frame, logit, force_fg, force_bg, 16.0, max_pixels=10**6), full)


def test_with_diagonal_neighbours_a_free_edge_runs_straight_not_in_stairs() -> None:
    """A flat square, the object's side fixed on the top and left borders, the
    background's on the bottom and right: every edge between them costs the same
    with 4-neighbours (any staircase), and with 8 the straight diagonal is cheapest."""
    n = 40
    frame = np.full((n, n, 3), 120, np.uint8)
    logit = np.zeros((n, n), np.float32)
    force_fg = np.zeros((n, n), bool)
    force_bg = np.zeros((n, n), bool)
    force_fg[0, :-1] = force_fg[:-1, 0] = True
    force_bg[-1, :] = force_bg[:, -1] = True
    yy, xx = np.mgrid[0:n, 0:n]
    triangle = (xx + yy < n - 1).astype(np.uint8)
    straight = min_cut(frame, logit, force_fg, force_bg, 1.0, diagonal=True)
    assert jaccard(straight, triangle) > 0.95
    stairs = min_cut(frame, logit, force_fg, force_bg, 1.0)
    assert jaccard(stairs, triangle) < 0.9


def energy(labels: np.ndarray, logit: np.ndarray, edges: Edges) -> float:
    """``min_cut``'s energy of a labelling: a pixel pays its log-odds against its label,
    each pair of neighbours with different labels its edge's weight."""
    unary = np.where(labels > 0, np.maximum(-logit, 0), np.maximum(logit, 0)).sum()
    pairs = sum(float(wt[labels[a] != labels[b]].sum()) for a, b, wt in edges)
    return float(unary) + pairs


def test_min_cut_finds_the_least_energy_labelling_with_fixed_pixels() -> None:
    """The graph holds only the free pixels (a fixed neighbour's edge becomes a
    terminal edge): on frames small enough to try every labelling, no labelling
    that keeps the fixed pixels has less energy than the cut's, 4- or 8-neighbours."""
    import itertools

    rng = np.random.default_rng(5)
    for trial in range(12):
        h, w = 3, 4
        frame = (rng.integers(0, 4, (h, w, 3)) * 60).astype(np.uint8)
        logit = rng.normal(0, 1.5, (h, w)).astype(np.float32)
        force_fg = rng.random((h, w)) < 0.2
        force_bg = (rng.random((h, w)) < 0.2) & ~force_fg
        diagonal = trial % 2 == 1
        edges = contrast_edges(frame, 2.0, diagonal)

        cut = min_cut(frame, logit, force_fg, force_bg, 2.0, diagonal=diagonal)
        assert cut[force_fg].all() and not cut[force_bg].any()
        free = ~(force_fg | force_bg)
        best = np.inf
        for bits in itertools.product((0, 1), repeat=int(free.sum())):
            labels = force_fg.astype(np.uint8)
            labels[free] = bits
            best = min(best, energy(labels, logit, edges))
        assert energy(cut, logit, edges) <= best + 1e-6
