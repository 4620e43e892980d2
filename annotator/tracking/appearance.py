"""What an object looks like: colour models, and a graph cut that snaps a mask to the image.

The flow backend carries a mask by motion; motion alone drifts. This module
pulls the boundary back onto the object with a binary graph cut (Boykov and
Jolly 2001; as in ObjectFlow and JumpCut) whose terms are:

- shape: the carried mask's signed distance to its boundary, so pixels far
  inside stay in and far outside stay out, and only a band can change;
- colour: the log-ratio of the object's and its surround's colour histograms,
  learnt on the keyframe the run started from;
- smoothness: a contrast-sensitive Potts term between 4-neighbours, so the cut
  follows image edges.

Frames are RGB uint8 (h, w, 3); masks (h, w) uint8 0/1 or float32 in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import maxflow
import numpy as np

from annotator.tracking.geometry import signed_distance

HIST_BINS = 16
# Histogram counts get this prior, so unseen colours say nothing either way.
HIST_PRIOR = 1.0
# A colour log-likelihood ratio is clipped here: one colour never outweighs shape.
MAX_COLOUR_LLR = 3.0


@dataclass(frozen=True)
class ColourModel:
    """Normalised colour histograms (bins^3,) of an object and of a ring around it."""

    fg: np.ndarray
    bg: np.ndarray

    @classmethod
    def learn(cls, frame: np.ndarray, mask: np.ndarray, ring: float = 0.5) -> ColourModel:
        """From an RGB frame (H, W, 3) and a mask (H, W); the ring is ``ring`` x the
        mask's equivalent radius wide (at least 3 pixels)."""
        inside = mask > 0
        radius = max(int(np.sqrt(max(inside.sum(), 1) / np.pi) * ring), 3)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
        around = (cv2.dilate(inside.astype(np.uint8), kernel) > 0) & ~inside
        index = colour_index(frame)
        fg = colour_counts(index, inside) + HIST_PRIOR
        bg = colour_counts(index, around) + HIST_PRIOR
        return cls(fg / fg.sum(), bg / bg.sum())

    def llr(self, frame: np.ndarray) -> np.ndarray:
        """(h, w) float32: log P(colour | object) - log P(colour | surround), clipped."""
        index = colour_index(frame)
        table = np.clip(np.log(self.fg / self.bg), -MAX_COLOUR_LLR, MAX_COLOUR_LLR)
        return table.astype(np.float32)[index]

    def fit(self, frame: np.ndarray, mask: np.ndarray) -> float:
        """Mean clipped log-likelihood ratio over ``mask``'s pixels (h, w) of RGB ``frame``
        (h, w, 3): how much what the mask holds looks like the object, not its surround."""
        inside = mask > 0
        if not inside.any():
            return 0.0
        # Only the mask's pixels are looked up: this runs on every tracked frame.
        return float(self.llr(frame[inside]).mean())


def colour_index(frame: np.ndarray) -> np.ndarray:
    """(...,) int32 histogram bin of each RGB pixel of (..., 3) uint8."""
    q = (frame // (256 // HIST_BINS)).astype(np.int32)
    return (q[..., 0] * HIST_BINS + q[..., 1]) * HIST_BINS + q[..., 2]


def colour_counts(index: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(bins^3,) float32 counts of the ``colour_index`` bins ``index`` (H, W) over
    ``where`` (H, W) bool."""
    return np.bincount(index[where], minlength=HIST_BINS**3).astype(np.float32)


@dataclass(frozen=True)
class CutWeights:
    """Weights of the graph cut's terms.

    shape_px: the shape term's softness; a pixel ``shape_px`` inside the carried
        boundary has log-odds 1 of being the object.
    colour: weight of the colour log-likelihood ratio.
    smooth: weight of the contrast-sensitive Potts term between neighbours. At
        2.0 it gained 0.02 J&F from frame 0 alone on the train split, but
        smoothed away detail the flow had right: kite-walk, bus and boat lost
        up to 0.045 against a plain warp with a keyframe every 10 frames.
    band_px: only pixels within this distance of the carried boundary may change.
    min_logit: the shape term's least log-odds either side of the boundary, so
        thin parts (a leg, a kite line), whose pixels all lie near the
        boundary, are not cut away by colour and smoothness alone.
    keep_holes: holes and thin gaps in the carried mask (background enclosed
        by the object, a wire in front of it) stay background, so smoothness
        does not fill them.
    still: the log-odds against the object of a pixel that ``snap_to_image`` is
        told stays with the background (see ``FlowTracker``'s motion cue).
    """

    shape_px: float = 3.0
    colour: float = 0.5
    smooth: float = 0.5
    band_px: float = 12.0
    min_logit: float = 1.0
    keep_holes: bool = True
    still: float = 2.0


def snap_to_image(
    frame: np.ndarray,
    prob: np.ndarray,
    colour: np.ndarray | None,
    weights: CutWeights,
    unsure: np.ndarray | None = None,
    still: np.ndarray | None = None,
) -> np.ndarray:
    """The mask (h, w) uint8 0/1 that best fits shape, colour and image edges.

    frame: (h, w, 3) RGB window; prob: (h, w) float32 carried mask in [0, 1];
    colour: (h, w) float32, the window's ``ColourModel.llr`` (None: shape and
    edges only); unsure: optional (h, w) bool, pixels whose carried value is
    not to be trusted (flow inconsistent there): their shape term is halved;
    still: optional (h, w) bool, pixels of the carried mask that stay with the
    background: free to change however deep inside they are, and pushed out
    by ``weights.still``.
    """
    carried = prob > 0.5
    if not carried.any():
        return carried.astype(np.uint8)
    dist = signed_distance(carried)
    logit = np.clip(dist, -weights.band_px, weights.band_px) / weights.shape_px
    if weights.min_logit > 0:
        logit = np.sign(logit) * np.maximum(np.abs(logit), weights.min_logit)
    if unsure is not None:
        logit = np.where(unsure, logit * 0.5, logit)
    if colour is not None:
        logit = logit + weights.colour * colour
    # Outside the band the label is fixed: a large cost either way.
    fixed = np.abs(dist) > weights.band_px
    if weights.keep_holes:
        fixed |= enclosed_background(carried) | thin_gaps(carried)
    if still is not None:
        # A part that stayed behind with the background can be far from the boundary.
        logit = logit - weights.still * still
        fixed &= ~still
    return min_cut(frame, logit, fixed & carried, fixed & ~carried, weights.smooth)


def min_cut(
    frame: np.ndarray,
    logit: np.ndarray,
    force_fg: np.ndarray,
    force_bg: np.ndarray,
    smooth: float,
    max_pixels: int | None = None,
    diagonal: bool = False,
) -> np.ndarray:
    """The binary labelling (h, w) uint8 0/1 of least energy, by max-flow.

    frame: (h, w, 3) RGB; logit: (h, w) float32 log-odds of each pixel being the
    object; force_fg / force_bg: (h, w) bool, pixels whose label is fixed;
    smooth: weight of the contrast-sensitive Potts term between 4-neighbours.
    max_pixels: above this many pixels, the cut is solved on a half-size copy
    and then only near that cut's edge at full size (``coarse_to_fine_cut``).
    diagonal: 8-neighbours instead of 4 (``DIAGONAL_SHARE``), so that where the
    colours say little the edge runs straight across instead of in stairs.
    """
    h, w = logit.shape
    if max_pixels is not None and h * w > max_pixels and min(h, w) >= 8:
        return coarse_to_fine_cut(frame, logit, force_fg, force_bg, smooth, diagonal)
    edges = contrast_edges(frame, smooth, diagonal)
    return _cut_free_pixels(logit, force_fg, force_bg & ~force_fg, edges)


Ends = tuple[slice, slice]
Edges = list[tuple[Ends, Ends, np.ndarray]]


def contrast_edges(frame: np.ndarray, smooth: float, diagonal: bool = False) -> Edges:
    """The contrast-sensitive Potts term of ``min_cut`` on frame (h, w, 3) RGB: per
    neighbour direction, the slices of each edge's first and second ends in (h, w)
    and the edges' weights (shaped as those slices): ``smooth`` x exp(-beta x the
    squared colour difference), beta from the frame's mean contrast.
    """
    img = frame.astype(np.float32)
    right = np.sum((img[:, 1:] - img[:, :-1]) ** 2, axis=2)
    down = np.sum((img[1:] - img[:-1]) ** 2, axis=2)
    beta = 1.0 / (2.0 * max(float(np.mean(right) + np.mean(down)) / 2.0, 1e-3))
    axis = smooth * (AXIS_SHARE if diagonal else 1.0)
    edges = [
        ((slice(None), slice(0, -1)), (slice(None), slice(1, None)), axis * np.exp(-beta * right)),
        ((slice(0, -1), slice(None)), (slice(1, None), slice(None)), axis * np.exp(-beta * down)),
    ]
    if diagonal:
        # Colours one diagonal step apart differ more: their distance is sqrt(2).
        down_right = np.sum((img[1:, 1:] - img[:-1, :-1]) ** 2, axis=2)
        down_left = np.sum((img[1:, :-1] - img[:-1, 1:]) ** 2, axis=2)
        diagonal_weight = smooth * DIAGONAL_SHARE
        edges += [
            (
                (slice(0, -1), slice(0, -1)),
                (slice(1, None), slice(1, None)),
                diagonal_weight * np.exp(-beta * down_right / 2),
            ),
            (
                (slice(0, -1), slice(1, None)),
                (slice(1, None), slice(0, -1)),
                diagonal_weight * np.exp(-beta * down_left / 2),
            ),
        ]
    return edges


def _cut_free_pixels(
    logit: np.ndarray,
    force_fg: np.ndarray,
    force_bg: np.ndarray,
    edges: Edges,
) -> np.ndarray:
    """The least-energy labelling, with a graph node for each free pixel only.

    An edge from a free pixel to a fixed one costs its weight exactly when the free
    pixel takes the other label, so it becomes a terminal edge of the free pixel;
    an edge between fixed pixels costs the same whatever the cut. The graph is then
    as small as the free area: in a coarse-to-fine cut's full-size pass, a thin band
    instead of the band's whole bounding box.
    """
    h, w = logit.shape
    free = ~(force_fg | force_bg)
    out = force_fg.astype(np.uint8)
    count = int(np.count_nonzero(free))
    if not count:
        return out
    ids = np.full((h, w), -1, np.int64)
    ids[free] = np.arange(count)
    graph = maxflow.Graph[float]()
    graph.add_nodes(count)
    # Per free pixel with a fixed neighbour: its node, the edge's weight, and whether
    # that neighbour is fixed to the object (the pull goes to the source) or not.
    nodes, pulls, to_object = [], [], []
    for a, b, weight in edges:
        free_a, free_b = free[a], free[b]
        both = free_a & free_b
        if both.any():
            graph.add_edges(ids[a][both], ids[b][both], weight[both], weight[both])
        for here, there, free_here, free_there in ((a, b, free_a, free_b), (b, a, free_b, free_a)):
            lone = free_here & ~free_there
            nodes.append(ids[here][lone])
            pulls.append(weight[lone])
            to_object.append(force_fg[there][lone])
    node, pull, to_fg = np.concatenate(nodes), np.concatenate(pulls), np.concatenate(to_object)
    source = np.maximum(logit[free], 0).astype(np.float64)
    sink = np.maximum(-logit[free], 0).astype(np.float64)
    source += np.bincount(node[to_fg], pull[to_fg], count)
    sink += np.bincount(node[~to_fg], pull[~to_fg], count)
    node_ids = ids[free]
    graph.add_grid_tedges(node_ids, source, sink)
    graph.maxflow()
    # get_grid_segments is True on the sink side: the background.
    out[free] = ~graph.get_grid_segments(node_ids)
    return out


# With 8-neighbours, the shares of ``smooth`` an axis and a diagonal edge get: a
# straight horizontal edge cuts one axis and two diagonal edges per pixel, and costs
# ``smooth`` as with 4-neighbours; a diagonal edge weighs 1/sqrt(2) of an axis one, as
# in Boykov and Kolmogorov's geodesic weights for lengths measured in pixels.
AXIS_SHARE = float(np.sqrt(2.0) - 1.0)
DIAGONAL_SHARE = AXIS_SHARE / float(np.sqrt(2.0))

# The full-size pass of a coarse-to-fine cut may move the half-size cut's edge by
# this many pixels either way.
REFINE_BAND_PX = 3


def coarse_to_fine_cut(
    frame: np.ndarray,
    logit: np.ndarray,
    force_fg: np.ndarray,
    force_bg: np.ndarray,
    smooth: float,
    diagonal: bool = False,
) -> np.ndarray:
    """``min_cut``'s labelling, found on a half-size copy first, then refined at full
    size within ``REFINE_BAND_PX`` of that cut's edge; arguments as ``min_cut``'s.

    Max-flow's time grows faster than the pixel count where the colour terms are weak
    (a lost object placed again over a whole frame: 0.9 s for 480 x 764); the half-size
    copy has a quarter of the pixels, and the full-size pass has only a thin band free.
    A half-size pixel stands for four pixels and two edges per side, so its log-odds
    are twice the mean of its four (the energy halved); a stroke pixel anywhere in it
    fixes it (the foreground winning a tie).
    """
    h, w = logit.shape
    half = ((w + 1) // 2, (h + 1) // 2)
    small = cv2.resize(frame, half, interpolation=cv2.INTER_AREA)
    small_logit = 2.0 * cv2.resize(logit.astype(np.float32), half, interpolation=cv2.INTER_AREA)

    def any_in_block(where: np.ndarray) -> np.ndarray:
        return cv2.resize(where.astype(np.float32), half, interpolation=cv2.INTER_AREA) > 0

    small_fg = any_in_block(force_fg)
    small_bg = any_in_block(force_bg) & ~small_fg
    coarse = min_cut(small, small_logit, small_fg, small_bg, smooth, diagonal=diagonal)
    up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_NEAREST)
    kernel = np.ones((2 * REFINE_BAND_PX + 1,) * 2, np.uint8)
    band = cv2.dilate(up, kernel) != cv2.erode(up, kernel)
    out = np.where(force_fg, 1, np.where(force_bg, 0, up)).astype(np.uint8)
    if not band.any():
        return out
    ys, xs = np.nonzero(band)
    # The band's bounding box, one pixel more: that rim is fixed to the coarse cut.
    y0, y1 = max(int(ys.min()) - 1, 0), min(int(ys.max()) + 2, h)
    x0, x1 = max(int(xs.min()) - 1, 0), min(int(xs.max()) + 2, w)
    box = (slice(y0, y1), slice(x0, x1))
    free = band[box]
    fine_fg = force_fg[box] | (~free & (up[box] > 0) & ~force_bg[box])
    fine_bg = force_bg[box] | (~free & (up[box] == 0) & ~force_fg[box])
    out[box] = min_cut(frame[box], logit[box], fine_fg, fine_bg, smooth, diagonal=diagonal)
    return out


def enclosed_background(mask: np.ndarray) -> np.ndarray:
    """(h, w) bool: background pixels of ``mask`` in parts that do not touch the border."""
    background = (~(mask > 0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=4)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    h, w = mask.shape
    x, y, bw, bh = (stats[1:, i] for i in range(4))
    inner = np.flatnonzero((x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)) + 1
    return np.isin(labels, inner) if inner.size else np.zeros(mask.shape, bool)


# Background gaps up to twice this wide inside the object count as "thin".
THIN_GAP_PX = 2


def thin_gaps(mask: np.ndarray) -> np.ndarray:
    """(h, w) bool: background pixels that a closing of ``mask`` would fill (slits, wires)."""
    binary = (mask > 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * THIN_GAP_PX + 1,) * 2)
    return (cv2.morphologyEx(binary, cv2.MORPH_CLOSE, kernel) > 0) & (binary == 0)
