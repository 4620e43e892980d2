"""Correction strokes that snap to the image: the algorithm behind the stroke tool.

The user paints a rough foreground stroke over a part the mask misses, or a
background stroke over a part it wrongly covers (or just clicks: a stroke of
one point). The mask is then recomputed near the strokes by a graph cut
(``appearance.min_cut``) whose terms are:

- hard constraints: stroke pixels take the stroke's label;
- colour: log-ratio of local colour histograms, learnt from the current
  mask around the strokes, from the stroke pixels themselves (so a stroke
  over a missed part teaches the model that part's colour) and from the
  nearest keyframe's object; where the object is placed again from the
  keyframe (see ``lost_object``), a ring around the keyframe's object counts
  for the background too (so a reflection or a shadow it left out stays out);
- prior: the current mask's signed distance, weighted by the square of the
  distance from the strokes over the reach, so it is nil under the strokes
  and holds further away (none where the mask has lost the object and its
  keyframe cannot be placed on the stroke: see ``LOST_REACH``); where the
  object is lost, a long stroke along it lets the cut reach further
  (``lost_object.GROWN``), as the object may have grown since its keyframe,
  and so does a stroke away from the mask (``lost_object.MISSED_SPAN``);
- smoothness: the contrast-sensitive Potts term, so the new edge follows
  image edges.

Only a window around the strokes is cut, within reach of them; outside it
nothing changes. Inside it, a foreground stroke only adds and a background
stroke only removes, anywhere the cut says so: a stroke along one blade of
grass in front of the object removes the blades beside it too. Only changes
connected to a stroke were kept before: on the train split's fit part, the 90
corrections recorded from eval-interactive's rounds went from J 0.7929 to
0.8043 (F 0.735 -> 0.744) and the 64 lost-object cases of ``replay_strokes.py
stale`` from 0.734 to 0.777. Where the keyframe's object is placed again
(``lost_object``), added parts must still touch a foreground stroke: the mask
the tracker left behind looks like the object too, and came back.

The window and the benchmark call ``apply_strokes``; it has no Qt.
Frames are RGB uint8 (H, W, 3); masks (H, W) uint8 0/1; points (x, y) in
image pixels, the frame's top-left corner at (0, 0).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.tracking.appearance import (
    HIST_BINS,
    HIST_PRIOR,
    colour_counts,
    colour_index,
    min_cut,
)
from annotator.tracking.geometry import signed_distance
from annotator.tracking.lost_object import (
    LOST_REACH,
    StrokeGap,
    grown_reach,
    lost_object,
    missed_span,
    small_mask_lost,
)
from annotator.tracking.refind import relocate


@dataclass(frozen=True)
class Stroke:
    """A painted line: ``points`` (x, y) in image pixels, drawn with a round brush of
    ``radius`` px; ``foreground`` True marks the object, False marks background."""

    points: tuple[tuple[float, float], ...]
    radius: float
    foreground: bool


@dataclass(frozen=True)
class StrokeWeights:
    """Weights of the stroke tool's graph cut.

    reach: how far from the strokes the mask may change, as a multiple of the
        object's equivalent radius, clamped to ``[min_reach_px, max_reach_px]``
        (plus the brush radius).
    colour: weight of the colour log-likelihood ratio.
    prior_px: softness of the current mask's prior; a pixel this far inside
        the current boundary has log-odds 1 of being the object, at full weight.
    smooth: weight of the contrast-sensitive Potts term.
    iterations: graph cuts in a row, each learning colour from the last (GrabCut's loop).
    max_pixels: a window larger than this is cut coarse to fine (``min_cut``), so
        that a lost object placed again over most of the frame still answers live.

    colour 0.5 and smooth 16 (from 1 and 4): on the train split's worst frames
    after a box and a run, one stroke pair gained 0.279 J against 0.250 on the
    fit part and 0.327 against 0.314 on the held-out part; edges follow the
    image more and stray colour matches less.

    max_reach_px 320 (from 160): a large object the mask lost, or one that grew
    since its keyframe (a motocross rider close to the camera), needs the cut to
    reach across it. Fit part, lost-object cases (``scripts/replay_strokes.py
    stale``, 64) J 0.713 -> 0.734 (motocross-bumps 0.53 -> 0.77 at frame 50);
    the 90 corrections recorded from the rounds 0.7918 -> 0.7929; 240 gave 0.729
    and 0.7926, 400 gave 0.736 and 0.7929 at a slower p95. The window is
    still cut coarse to fine past ``max_pixels``: p95 79 ms against 67.

    reach 1.0 (from 0.75), once a stroke could change any part of its kind within
    reach (see the module's notes): the 90 recorded corrections 0.8043 -> 0.809,
    the 64 lost-object cases 0.777 -> 0.790; 1.25 gave 0.809 and 0.795, 1.5
    0.805 and 0.796.
    """

    reach: float = 1.0
    min_reach_px: float = 40.0
    max_reach_px: float = 320.0
    colour: float = 0.5
    prior_px: float = 8.0
    smooth: float = 16.0
    iterations: int = 1
    max_pixels: int | None = 100_000


def paint_stroke(
    mask: np.ndarray, points: Sequence[tuple[float, float]], radius: float, value: int
) -> np.ndarray:
    """A copy of ``mask`` with a round brush of ``radius`` px dragged through ``points``.

    value 1 paints (brush), 0 erases (eraser). Points outside the image are clipped.
    """
    out = mask.copy()
    r = max(round(radius), 1)
    pts = [(round(x), round(y)) for x, y in points]
    for p in pts:
        cv2.circle(out, p, r, int(value), thickness=-1)
    for a, b in itertools.pairwise(pts):
        cv2.line(out, a, b, int(value), thickness=2 * r)
    return out


def stroke_labels(shape: tuple[int, int], strokes: Sequence[Stroke]) -> np.ndarray:
    """(H, W) uint8: 0 unpainted, 1 foreground, 2 background; a later stroke wins."""
    labels = np.zeros(shape, np.uint8)
    for s in strokes:
        if s.points:
            labels = paint_stroke(labels, s.points, s.radius, 1 if s.foreground else 2)
    return labels


def apply_strokes(
    frame: np.ndarray,
    mask: np.ndarray,
    strokes: Sequence[Stroke],
    weights: StrokeWeights | None = None,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The mask (H, W) uint8 0/1 after the strokes, snapped to the image near them.

    reference: another frame (H', W', 3) and the object's mask there (H', W'),
    usually its nearest keyframe: what the object looks like and how big it is,
    for frames where the current mask has lost most of it or followed something
    else (``lost_object``); there the parts of the mask a background stroke
    disowns go as a whole, and the keyframe's mask is moved onto the stroke,
    unless the mask looks clearly more like the keyframe than that place does
    (``still_there``): then the stroke marks a part the keyframe lacks.
    An empty list, or strokes wholly outside the frame, leave the mask as it was.
    """
    weights = weights or StrokeWeights()
    current = (mask > 0).astype(np.uint8)
    labels = stroke_labels(current.shape, strokes)
    painted = labels > 0
    if not painted.any():
        return current
    h, w = current.shape
    radius = max((s.radius for s in strokes), default=1.0)
    ref_area = int((reference[1] > 0).sum()) if reference is not None else 0
    size = np.sqrt(max(int(current.sum()), int(painted.sum()), ref_area) / np.pi)
    known = None
    if reference is not None and ref_area:
        ref_index = colour_index(reference[0])
        known = colour_counts(ref_index, reference[1] > 0)
    # The keyframe's surroundings count as background only where its object is
    # placed again: elsewhere the keyframe is often a rough mask, and parts of the
    # object it left out would count as background (boat, drift-turn on the fit part).
    known_around = None
    gap = StrokeGap.of(current, labels)
    spread = max(size, missed_span(strokes, gap))
    reach = float(np.clip(weights.reach * spread, weights.min_reach_px, weights.max_reach_px))
    reach += radius
    base = current
    unplaced = placed = False
    if reference is not None and ref_area:
        moved = relocate(reference[0], reference[1], frame, labels == 1, labels == 2)
        kept = None
        if moved is not None:
            kept = lost_object(current, moved, labels, ref_area, strokes, frame, reference, gap)
        if moved is not None and kept is not None:
            placed = True
            current = kept
            known_around = colour_counts(ref_index, ring_around(reference[1] > 0, size))
            base = current | moved
            from_stroke = cv2.distanceTransform((labels != 1).astype(np.uint8), cv2.DIST_L2, 3)
            reach = max(
                reach,
                float(from_stroke[moved > 0].max()) + radius + weights.min_reach_px,
                grown_reach(strokes, reference[1] > 0) + radius,
            )
        elif moved is None and small_mask_lost(current, gap, ref_area):
            reach = max(reach, LOST_REACH * size, grown_reach(strokes, reference[1] > 0)) + radius
            unplaced = True
    ys, xs = np.nonzero(painted | (base > 0) & (base != current))
    pad = int(np.ceil(reach))
    x0, y0 = max(int(xs.min()) - pad, 0), max(int(ys.min()) - pad, 0)
    x1, y1 = min(int(xs.max()) + pad + 1, w), min(int(ys.max()) + pad + 1, h)
    window = (slice(y0, y1), slice(x0, x1))
    image, old, marks = frame[window], current[window], labels[window]
    prior_mask = base[window]

    # Distance from the strokes, in units of reach: 0 under a stroke, 1 at the edge of reach.
    near = cv2.distanceTransform((marks == 0).astype(np.uint8), cv2.DIST_L2, 3) / reach
    # A lost mask whose keyframe could not be placed says nothing of where the object is.
    prior = (
        0.0
        if unplaced
        else np.minimum(near, 1.0) ** 2
        * np.clip(signed_distance(prior_mask) / weights.prior_px, -3, 3)
    )
    force_fg = marks == 1
    force_bg = marks == 2
    # Beyond reach, and on the window's rim, the current label holds.
    fixed = near >= 1.0
    fixed[0, :] = fixed[-1, :] = fixed[:, 0] = fixed[:, -1] = True
    force_fg |= fixed & (old > 0) & (marks == 0)
    force_bg |= fixed & (old == 0) & (marks == 0)
    cut = prior_mask
    for _ in range(weights.iterations):
        # Later passes learn colour from the last cut, as GrabCut does.
        llr = local_llr(image, cut, marks, known, known_around)
        logit = weights.colour * llr + prior
        cut = min_cut(
            image, logit.astype(np.float32), force_fg, force_bg, weights.smooth, weights.max_pixels
        )
        cut = keep_stroked_kinds(old, cut, marks, touching=placed)
    out = current.copy()
    out[window] = cut
    return out


def local_llr(
    image: np.ndarray,
    mask: np.ndarray,
    marks: np.ndarray,
    known: np.ndarray | None = None,
    known_around: np.ndarray | None = None,
) -> np.ndarray:
    """(h, w) float32 colour log-likelihood ratio, object against background.

    Each side's histogram is the mean of the current mask's pixels of that side
    and (where painted) that side's stroke pixels, so a few stroke pixels
    count as much as the whole window. ``known``, ``known_around``: (bins^3,)
    colour counts of the object and of its surroundings on another frame, a
    third part of each side.
    """
    index = colour_index(image)
    size = HIST_BINS**3

    def histogram(where: np.ndarray) -> np.ndarray | None:
        if not where.any():
            return None
        counts = colour_counts(index, where)
        return counts / counts.sum()

    def side(current: np.ndarray, painted: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        extra = extra / extra.sum() if extra is not None and extra.sum() else None
        parts = [p for p in (histogram(current), histogram(painted), extra) if p is not None]
        mixed = np.mean(parts, axis=0) if parts else np.zeros(size, np.float32)
        # The prior is spread as if over the window's pixel count, as in ColourModel.
        mixed = mixed * index.size + HIST_PRIOR
        return mixed / mixed.sum()

    fg = side((mask > 0) & (marks != 2), marks == 1, known)
    bg = side((mask == 0) & (marks != 1), marks == 2, known_around)
    table = np.log(fg / bg).astype(np.float32)
    return table[index]


def ring_around(mask: np.ndarray, width: float) -> np.ndarray:
    """(H, W) bool: the pixels outside ``mask`` (H, W) bool within ``width`` px of it."""
    away = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)
    return (away > 0) & (away <= width)


def keep_stroked_kinds(
    old: np.ndarray, new: np.ndarray, marks: np.ndarray, touching: bool = False
) -> np.ndarray:
    """``new`` where it adds to ``old`` if a foreground stroke is painted, and where it
    removes from it if a background stroke is; else ``old``. With ``touching``, only
    the added parts that touch a foreground stroke (within one pixel, 8-connected).

    old, new: (h, w) uint8 0/1; marks: (h, w) ``stroke_labels``.
    """
    out = old.copy()
    kernel = np.ones((3, 3), np.uint8)
    for changed, stroke, value in (
        ((new > 0) & (old == 0), marks == 1, 1),
        ((new == 0) & (old > 0), marks == 2, 0),
    ):
        if not changed.any() or not stroke.any():
            continue
        if not (touching and value):
            out[changed] = value
            continue
        _, comp = cv2.connectedComponents(changed.astype(np.uint8), connectivity=8)
        touched = np.unique(comp[(cv2.dilate(stroke.astype(np.uint8), kernel) > 0) & changed])
        touched = touched[touched > 0]
        if touched.size:
            out[np.isin(comp, touched)] = value
    return out
