"""The flow backend's score: an estimate of how good a carried mask still is.

"Next doubtful frame" is only as useful as this number, so it must rank frames
by their real quality. Real objects keep roughly their size from one frame to
the next, while a mask that drifts does not: it grows a tail of background or
loses a part. So each frame's quality is ``min(r, 1/r)`` for the ratio ``r``
of the mask's area to its area on the previous frame, and the score is the
running product of these along the run: a mask whose area has wandered,
either way, since its keyframe scores low even when each step looked small.

Chosen on the fit part of the DAVIS-2016 train split (runs from frame 0 and
from the last frame, 2,634 frames), against the share of the mask that fails
the forward-backward flow check and the share the graph cut had to move, in
every combination: the area term alone ranked frames best (Spearman 0.756 with
J; 0.866 on the held-out part), and adding the others only lowered it. Its
scale puts the timeline's threshold where it means something: there, a score
under 0.5 flags 80% of the frames with J < 0.7 and 20% of the others.

An object that comes closer grows, and by the area alone a car driving at the
camera lost score on every frame while its mask stayed good: after 35 frames it
scored 0.08 at J 0.70, and the blend let a worse run from a later keyframe
take those frames over. So the area expected is the last frame's times the
zoom the object's own flow shows (``flow_zoom``), and only what the flow does
not explain counts. On the DAVIS-2016 train split (``scripts/tune_propagator.py``,
score figures), Spearman with J, runs from frame 0: fit part 0.713 -> 0.735,
held-out part 0.801 -> 0.859; a keyframe every 10 frames: 0.547 -> 0.691 and
0.774 -> 0.809, the 10% lowest scores then holding 93% of the frames with
J < 0.7 (80% before) on the fit part and 72% (64%) on the held-out part. The
masks themselves do not change (J&F 0.7094, 0.6406; 0.9317 against 0.9321 and
0.8595 with the keyframes, where the blend weighs by score).

The area cannot see a mask that kept its size but slid onto something else (a
look-alike the flow followed, the ground where the object was). So the score
is the area product times ``colour_quality`` squared, judged afresh on each
frame, not carried along the run: the mean colour log-likelihood ratio of the
mask's pixels under the keyframe's colour model, over the keyframe mask's own.
On the same runs (every frame of runs from the true first and last masks),
Spearman with J on the fit part 0.731 -> 0.812, under 0.5 flagging 94% of the
frames with J < 0.7 (72% before) and 28% of the others (19%); on the held-out
part 0.817 -> 0.854, 88% and 10% (83% and 8%). Where a forward and a backward
run's masks differ by over 0.1 J, the one the blend's weight (score over
distance squared) picks is the better one in 90.2% of frames against 89.7% on
the fit part and 95.6% against 88.5% on the held-out part.
"""

from __future__ import annotations

import numpy as np

# flow_zoom: a frame's change of area by zoom is taken as at most this factor.
MAX_ZOOM = 1.25
# ... and is measured on at most ZOOM_SAMPLES of the mask's pixels, if it has
# at least ZOOM_LEAST_PX.
ZOOM_SAMPLES = 2000
ZOOM_LEAST_PX = 50


def frame_quality(area: float, expected_area: float) -> float:
    """One frame's quality in (0, 1]: 1 when the mask has the area expected (pixels):
    the last frame's, times ``flow_zoom`` where the zoom is taken into account."""
    ratio = max(area, 1.0) / max(expected_area, 1.0)
    return min(ratio, 1.0 / ratio)


def flow_zoom(back: np.ndarray, inside: np.ndarray) -> float:
    """How much the object's area grew since the last frame, by its flow.

    A least-squares affine map from this frame's pixels ``inside`` to where the
    backward flow takes them; its determinant is the last frame's area over
    this frame's. Clamped to ``MAX_ZOOM`` either way, so that a flow field gone
    wrong cannot excuse any change of area; 1 for fewer than ``ZOOM_LEAST_PX``
    pixels or a degenerate fit.

    back: (h, w, 2) float32 backward flow (dx, dy) in pixels, this frame to the
    last; inside: (h, w) bool, the object's carried mask on the same window.
    """
    ys, xs = np.nonzero(inside)
    if ys.size < ZOOM_LEAST_PX:
        return 1.0
    step = max(1, ys.size // ZOOM_SAMPLES)
    ys, xs = ys[::step], xs[::step]
    here = np.stack([xs, ys, np.ones_like(xs)], axis=1).astype(np.float64)
    there = np.stack([xs + back[ys, xs, 0], ys + back[ys, xs, 1]], axis=1).astype(np.float64)
    affine, *_ = np.linalg.lstsq(here, there, rcond=None)
    shrink = float(np.linalg.det(affine[:2, :2]))
    if not shrink > 0:
        return 1.0
    return float(np.clip(1.0 / shrink, 1.0 / MAX_ZOOM, MAX_ZOOM))


def colour_quality(fit: float, key_fit: float) -> float:
    """How much a mask still holds the object's colours, in [0, 1]: its colour fit
    (``ColourModel.fit``) over the keyframe's own; 1 when the keyframe fits no better."""
    if key_fit <= 0:
        return 1.0
    return min(max(fit / key_fit, 0.0), 1.0)
