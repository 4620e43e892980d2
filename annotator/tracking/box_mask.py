"""A box becomes a mask: GrabCut inside the box, told what moves when it can be.

A box alone says little: GrabCut must guess the object's colours from the
box's interior, which is often half background. A neighbouring frame of the
video says more: the object usually moves differently from what is around it.
When a ``neighbour`` frame is given, dense flow from the frame to it is
compared with the camera's motion (a homography fitted to the flow around
the box); pixels inside the box that move clearly differently are marked
"probably object" and the rest "probably background" before GrabCut runs.
GrabCut uses motion only to seed its colour models; it then cuts on colour
and edges alone, so a part of the background that shares the object's
colours (the ground between legs, a shadow, the sea between kite lines) is
taken in. So when the cue is there, one last graph cut weighs GrabCut's own
colour models together with which pixels stay still like the camera.
The object's colour model is then learnt again from that cut's mask, and the
cut runs again. The box is taken to be tight: a row or column of it the cut
leaves empty gets its most object-like pixel as a seed, and the cut runs again.
A box whose interior shows no distinct motion (a static scene, or a camera
that follows the object so closely that nothing else moves either) falls back
to the plain box init.

On the DAVIS-2016 train split (box = the ground truth's bounding box, every
10th frame, neighbour 3 frames later) the motion seed took the mean IoU from
0.731 to 0.776 on the part tuned on and from 0.661 to 0.707 on the part held
out; the last cut with stillness took it from 0.773 to 0.797 on the part tuned
on and from 0.700 to 0.747 on the part held out (``scripts/tune_box_mask.py``);
a lower noise floor where water moves around the object (see
``BoxMaskConfig.floor_percentile``), from 0.799 to 0.828 and from 0.748 to 0.755;
the camera read around the box rather than over the whole frame, and every row
and column of the box made to hold some of the object (``camera_ring``,
``pinpoint``), from 0.828 to 0.836 and from 0.755 to 0.772; the object's
colours learnt again from the last cut and the cut run again (``refit``), from
0.836 to 0.839 and from 0.772 to 0.780; the vote of three cuts whose GrabCut sees
different margins around the box (``vote_margins``), from 0.839 to 0.841 and
from 0.780 to 0.789.

Frames are RGB uint8 (H, W, 3); boxes xywh in pixels; masks (H, W) uint8 0/1.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.errors import InvalidBoxError
from annotator.tracking.appearance import min_cut
from annotator.tracking.base import validate_box
from annotator.tracking.box_motion import motion_ratio
from annotator.tracking.geometry import fill_holes

log = logging.getLogger(__name__)

# How many frames away the neighbour should be: far enough for the object to move
# by a few pixels, near enough for the flow to hold.
NEIGHBOUR_GAP = 3


@dataclass(frozen=True)
class BoxMaskConfig:
    """Settings of the box init.

    iters: GrabCut iterations.
    margin: GrabCut sees this share of the box's size around it (its background
        sample). 0.25 gained on the part of the train split tuned on (IoU 0.791
        against 0.776) but not on the held-out part (0.704 against 0.707).
    speck: parts smaller than this share of the largest are dropped.
    motion_factor: a pixel "moves" when its motion, after the camera's, exceeds
        this many times the floor: the ``floor_percentile`` of the same outside the
        box + 0.5 px.
    min_moving: the motion cue is used only when at least this share of the box moves.
    floor_percentile, fallback_percentile, min_coherent: the floor is first the
        90th percentile, which holds where near things outside the box move with
        parallax (a swing's posts); where too little of the box clears it, the
        50th. Water or a wake around the object raises the 90th above the
        object's own motion (a boat the camera pans with: outside the box, 2.9 px
        at the 50th percentile, 14 at the 90th; the boat, 11), and the cue said
        nothing. The 50th is used only when the largest moving part holds at
        least ``min_coherent`` of what moves, since where flow fails (a car
        filling the frame at speed) the lower floor lets through scattered blobs
        (0.54-0.61 there, 0.93-1.0 on the boat and a kite-surfer). Fit part: IoU
        0.799 -> 0.828 (boat 0.32 -> 0.68; without the coherence test 0.819,
        drift-turn 0.85 -> 0.66); 0.7 against 0.8 (0.827) and 0.9 (0.825).
        Held-out part: 0.748 -> 0.755. None disables the fallback.
    flow_side: the motion flow is computed on frames scaled to this longer side, at most.
    motion_weight: in the last cut, the weight of a pixel's stillness: log-odds from
        -1 (still like the camera, half ``motion_factor`` or less) to 0 (at
        ``motion_factor`` or more); 0 skips the last cut. Motion only says
        "background": flow bleeds over the edges of what moves, so "moving" is
        also true of the still ground next to a moving leg, and a term that said
        "object" there pasted flow-shaped blocks onto the mask (tennis). Tuned
        on the fit part: 0.785 with a symmetric term (-1..+1 at 2), 0.794 at 3,
        0.797 at 4, 0.794 at 6.
    smooth: in the last cut, the weight of the contrast-sensitive Potts term, on the
        scale of GrabCut's colour log-likelihoods (GrabCut itself uses 50). 0.782 at
        25, 0.784 at 100 (with 4-neighbours). The cut uses 8-neighbours: where the
        motion term is flat, 4-neighbours drew the edge in stairs (an elephant's
        legs) that the stroke tool then moved with the keyframe; IoU 0.797 -> 0.799
        on the fit part and 0.747 -> 0.748 on the held-out part.
    camera_ring: the camera is fitted to the flow outside the box within this many
        box widths and heights of it (where that holds at least
        ``box_motion.RING_POINTS`` grid points), not to the whole frame, and the
        floor is taken there too. A panning camera moves the near ground under a
        horse or a player unlike the far trees, and one homography for both left
        the ground between legs "moving" and in the mask. Fit part 0.828 -> 0.834
        (tennis 0.74 -> 0.83; swing 0.73 -> 0.70), held-out part 0.755 -> 0.764;
        rings of 0.25 and 0.5 gave 0.788 and 0.799 on the fit part (too few points
        off the object's own flow, which bleeds past the box). None: the whole frame.
    pinpoint: the box is drawn around the object, so each of its rows and columns
        holds some of it. A row or column the cut left empty gets its most
        object-like pixel (log-odds > 0) as a seed and the cut runs again, at most
        this many times (the pinpointing of Lempitsky et al., ICCV 2009): a hockey
        stick, a flamingo's legs, a head the colours alone dropped. 0 disables.
        Fit part 0.828 -> 0.830, held-out part 0.755 -> 0.766; a box drawn 5%
        loose gives 0.810 on the fit part with it and without (its empty rows hold
        no object-like pixel). With ``camera_ring``: fit 0.836, held-out 0.772
        (frame 0 alone: 0.851 and 0.783, from 0.848 and 0.764).
    refit: GrabCut learnt the object's colours from its own cut, which took in the
        still background of the object's colours that the last cut then dropped; so
        the object's colour model is learnt again from the last cut's mask, and the
        last cut and the pinpointing run again (``refit_and_cut``). Fit part 0.836 ->
        0.839 (hockey 0.81 -> 0.84, drift-turn 0.85 -> 0.83), held-out part 0.772
        -> 0.780 (breakdance-flare 0.71 -> 0.73); learning the background's model
        again too gave 0.838 and 0.780 (drift-turn 0.81), a second round 0.837 on the
        fit part.
    vote_margins: GrabCut settles in one of several local optima, and which one
        depends on the background sample it is shown (a horse's box filled with the
        sand at one margin and not at another). So the whole cut also runs with
        GrabCut seeing each of these margins, and a pixel is the object where most
        of the cuts say so. Fit part 0.839 -> 0.841 (with 1.0 and 8 iterations
        instead, 0.840; five cuts, 0.840), held-out part 0.780 -> 0.789 (frame 0
        alone: fit 0.851 -> 0.852, held-out 0.784 -> 0.814). The cuts run on threads:
        three take 1.4 to 2 times as long as one on two cores (``annotator bench
        box``). Empty: one cut.
    """

    iters: int = 4
    margin: float = 0.5
    speck: float = 0.02
    motion_factor: float = 2.0
    min_moving: float = 0.05
    flow_side: int = 1024
    motion_weight: float = 4.0
    smooth: float = 50.0
    floor_percentile: float = 90.0
    fallback_percentile: float | None = 50.0
    min_coherent: float = 0.7
    camera_ring: float | None = 1.0
    pinpoint: int = 2
    refit: bool = True
    vote_margins: tuple[float, ...] = (1.0, 0.25)


def neighbour_index(index: int, count: int, gap: int = NEIGHBOUR_GAP) -> int | None:
    """The frame to compare frame ``index`` with: ``gap`` later, else ``gap`` earlier, else None."""
    for other in (index + gap, index - gap, index + 1, index - 1):
        if 0 <= other < count:
            return other
    return None


def box_mask(
    frame: np.ndarray,
    box: tuple[float, float, float, float],
    neighbour: np.ndarray | None = None,
    config: BoxMaskConfig | None = None,
) -> np.ndarray:
    """(H, W) uint8 mask of the object in an xywh box; the box itself if GrabCut finds nothing.

    ``neighbour``: another frame of the same shot (RGB, same size), for the motion cue.
    """
    cfg = config or BoxMaskConfig()
    x, y, w, h = validate_box(box, frame.shape)
    height, width = frame.shape[:2]
    x0, y0 = max(round(x), 0), max(round(y), 0)
    x1, y1 = min(round(x + w), width), min(round(y + h), height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise InvalidBoxError(f"box {box} is too small to find an object in")
    motion = None
    if neighbour is not None and neighbour.shape == frame.shape:
        motion = motion_ratio(frame, neighbour, (x0, y0, x1, y1), cfg)
    margins = (cfg.margin, *cfg.vote_margins)
    if len(margins) == 1:
        return _cut_with_margin(frame, (x0, y0, x1, y1), motion, cfg.margin, cfg)
    # GrabCut and the cuts release the GIL for most of their time: on two cores three
    # cuts take about twice as long as one, not three times.
    with ThreadPoolExecutor(len(margins)) as pool:
        cuts = list(
            pool.map(lambda m: _cut_with_margin(frame, (x0, y0, x1, y1), motion, m, cfg), margins)
        )
    # A pixel is the object where most cuts say so.
    votes = np.stack(cuts).sum(axis=0, dtype=np.int32)
    return np.asarray(2 * votes > len(cuts), np.uint8)


def _cut_with_margin(
    frame: np.ndarray,
    box: tuple[int, int, int, int],
    motion: np.ndarray | None,
    margin: float,
    cfg: BoxMaskConfig,
) -> np.ndarray:
    """(H, W) uint8: ``box_mask``'s cut with GrabCut seeing ``margin`` of the box's size
    around it; box: (x0, y0, x1, y1) in the frame, exclusive ends; motion: over the box."""
    x0, y0, x1, y1 = box
    height, width = frame.shape[:2]
    fallback = np.zeros((height, width), np.uint8)
    fallback[y0:y1, x0:x1] = 1
    # GrabCut works on a margin around the box, not the whole frame: much faster.
    mx = max(round((x1 - x0) * margin), 8)
    my = max(round((y1 - y0) * margin), 8)
    cx0, cy0 = max(x0 - mx, 0), max(y0 - my, 0)
    cx1, cy1 = min(x1 + mx, width), min(y1 + my, height)
    crop = np.ascontiguousarray(frame[cy0:cy1, cx0:cx1, ::-1])
    rect = (x0 - cx0, y0 - cy0, x1 - x0, y1 - y0)
    moving = motion > cfg.motion_factor if motion is not None else None
    labels = np.zeros(crop.shape[:2], np.uint8)
    mode = cv2.GC_INIT_WITH_RECT
    if moving is not None:
        inside = np.full((y1 - y0, x1 - x0), cv2.GC_PR_BGD, np.uint8)
        inside[moving] = cv2.GC_PR_FGD
        labels[:] = cv2.GC_BGD
        labels[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0] = inside
        mode = cv2.GC_INIT_WITH_MASK
    # GrabCut seeds its k-means from OpenCV's global generator: fix it, so that the
    # same box gives the same mask whatever ran before.
    cv2.setRNGSeed(0)
    bg_model = np.zeros((1, 65), np.float64)
    fg_model = np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(crop, labels, rect, bg_model, fg_model, cfg.iters, mode)
    except cv2.error as exc:
        log.warning("GrabCut failed (%s); starting from the box itself", exc)
        return fallback
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8)
    in_box = (slice(y0 - cy0, y1 - cy0), slice(x0 - cx0, x1 - cx0))
    logit = box_logit(crop, in_box, fg_model, bg_model, motion, cfg) if fg.any() else None
    if logit is not None and motion is not None and cfg.motion_weight > 0:
        fg = cut_in_box(crop, in_box, logit, np.zeros(crop.shape[:2], bool), cfg)
    if logit is not None and cfg.pinpoint > 0:
        fg = pinpoint(crop, in_box, logit, fg, cfg)
    if logit is not None and cfg.refit and motion is not None:
        fg = refit_and_cut(crop, in_box, fg, bg_model, motion, cfg)
    fg = clean_mask(fg, cfg.speck)
    if fg.sum() < 0.05 * (x1 - x0) * (y1 - y0):
        if moving is None:
            log.info("GrabCut found almost nothing in the box; starting from the box itself")
            return fallback
        # Colour cannot tell the object from its surroundings, but motion did.
        log.info("GrabCut found almost nothing in the box; starting from what moves")
        fg = np.zeros_like(fg)
        fg[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0] = clean_mask(moving, cfg.speck)
    out = np.zeros((height, width), np.uint8)
    out[cy0:cy1, cx0:cx1] = fg
    return out


def box_logit(
    crop: np.ndarray,
    inside: tuple[slice, slice],
    fg_model: np.ndarray,
    bg_model: np.ndarray,
    motion: np.ndarray | None,
    cfg: BoxMaskConfig,
) -> np.ndarray | None:
    """(h, w) float32 log-odds of each pixel of the box being the object, 0 outside it;
    None when GrabCut left a model without components (it found no object).

    crop: (h, w, 3) BGR, as GrabCut saw it; inside: the box's rows and columns in
    the crop; fg_model, bg_model: GrabCut's (1, 65) models after its run; motion:
    ``motion_ratio`` over the box, or None: colour alone.
    """
    if not (fg_model.ravel()[:5] > 0).any() or not (bg_model.ravel()[:5] > 0).any():
        return None
    # Only the box's pixels can change: outside it the cut is fixed, so no colour is
    # weighed there (the margin GrabCut saw is up to three quarters of the crop).
    box_pixels = crop[inside]
    pixels = box_pixels.reshape(-1, 3).astype(np.float64)
    colour = gmm_log_likelihood(fg_model, pixels) - gmm_log_likelihood(bg_model, pixels)
    logit = np.zeros(crop.shape[:2], np.float64)
    # A colour's log-odds are capped so that motion can still outvote a lone outlier.
    logit[inside] = np.clip(colour, -10.0, 10.0).reshape(box_pixels.shape[:2])
    if motion is not None and cfg.motion_weight > 0:
        still = np.clip(np.log2(np.maximum(motion, 1e-3) / cfg.motion_factor), -1.0, 0.0)
        logit[inside] += cfg.motion_weight * still
    return logit.astype(np.float32)


def cut_in_box(
    crop: np.ndarray,
    inside: tuple[slice, slice],
    logit: np.ndarray,
    seeds: np.ndarray,
    cfg: BoxMaskConfig,
) -> np.ndarray:
    """(h, w) uint8 0/1: the graph cut of ``crop`` (h, w, 3) on ``box_logit`` and its
    edges (8-neighbours), the ``seeds`` (h, w) bool fixed to the object and all
    outside the box's rows and columns ``inside`` to the background."""
    outside = np.ones(crop.shape[:2], bool)
    outside[inside] = False
    return min_cut(crop, logit, seeds, outside, cfg.smooth, diagonal=True)


def pinpoint(
    crop: np.ndarray,
    inside: tuple[slice, slice],
    logit: np.ndarray,
    fg: np.ndarray,
    cfg: BoxMaskConfig,
) -> np.ndarray:
    """``fg`` (h, w) uint8 0/1 cut again until every row and column of the box holds some
    of it, where one of its pixels is more object than not (``BoxMaskConfig.pinpoint``).

    crop, inside, logit: as for ``cut_in_box``.
    """
    box_logits = logit[inside]
    seeds = np.zeros(crop.shape[:2], bool)
    for _ in range(cfg.pinpoint):
        box_fg = fg[inside] > 0
        new = np.zeros_like(box_fg)
        rows = np.flatnonzero(~box_fg.any(axis=1))
        best_cols = np.argmax(box_logits[rows], axis=1)
        new[rows, best_cols] = box_logits[rows, best_cols] > 0
        cols = np.flatnonzero(~box_fg.any(axis=0))
        best_rows = np.argmax(box_logits[:, cols], axis=0)
        new[best_rows, cols] |= box_logits[best_rows, cols] > 0
        if not new.any():
            break
        seeds[inside] |= new
        fg = cut_in_box(crop, inside, logit, seeds, cfg)
    return fg


def refit_and_cut(
    crop: np.ndarray,
    inside: tuple[slice, slice],
    fg: np.ndarray,
    bg_model: np.ndarray,
    motion: np.ndarray,
    cfg: BoxMaskConfig,
) -> np.ndarray:
    """``fg`` (h, w) uint8 0/1 cut again with the object's colour model learnt from ``fg``
    itself and GrabCut's ``bg_model`` (``BoxMaskConfig.refit``); ``fg`` as it is when it
    holds nothing of the box or the new model is empty.

    crop, inside, motion: as for ``box_logit``.
    """
    in_box = fg[inside] > 0
    if not in_box.any():
        return fg
    labels = np.full(crop.shape[:2], cv2.GC_BGD, np.uint8)
    labels[inside] = np.where(in_box, cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    fg_model = np.zeros((1, 65), np.float64)
    unused_bg = np.zeros((1, 65), np.float64)
    # No iterations: GrabCut only fits its models to the labels (k-means, seeded).
    cv2.setRNGSeed(0)
    cv2.grabCut(crop, labels, (0, 0, 0, 0), unused_bg, fg_model, 0, cv2.GC_INIT_WITH_MASK)
    logit = box_logit(crop, inside, fg_model, bg_model, motion, cfg)
    if logit is None:
        return fg
    cut = cut_in_box(crop, inside, logit, np.zeros(crop.shape[:2], bool), cfg)
    return pinpoint(crop, inside, logit, cut, cfg) if cfg.pinpoint > 0 else cut


def gmm_log_likelihood(model: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """(N,) float64 log-density of (N, 3) colours under a GrabCut model, up to the
    constant -1.5 log(2 pi) that every model shares (it cancels in a ratio).

    model: OpenCV's (1, 65) layout of a 5-component colour GMM: the weights (5),
    then the means (5 x 3), then the covariances (5 x 3 x 3), in GrabCut's
    colour order. Covariances get 0.01 on the diagonal, as GrabCut does for a
    singular one, so a flat component stays finite. At least one weight must be > 0.
    """
    k = 5
    flat = model.ravel()
    weights, means, covs = flat[:k], flat[k : 4 * k].reshape(k, 3), flat[4 * k :].reshape(k, 3, 3)
    parts = []
    for weight, mean, cov in zip(weights, means, covs, strict=True):
        if weight <= 0:
            continue
        cov = cov + np.eye(3) * 0.01
        diff = pixels - mean
        dist = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
        parts.append(np.log(weight) - 0.5 * np.log(np.linalg.det(cov)) - 0.5 * dist)
    return np.logaddexp.reduce(np.stack(parts), axis=0)


def clean_mask(mask: np.ndarray, speck: float) -> np.ndarray:
    """Drop connected parts smaller than ``speck`` x the largest part; fill holes."""
    mask = (mask > 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n > 2 and speck > 0:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.flatnonzero(areas >= speck * areas.max()) + 1
        mask = np.isin(labels, keep).astype(np.uint8)
    return fill_holes(mask)
