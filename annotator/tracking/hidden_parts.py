"""Parts of an object that went out of sight behind something, carried until they come back.

Flow carries only what it sees. When an object passes behind a thin occluder
(a post, a pole, a tree trunk), the part behind it leaves the mask, and when
it comes out on the other side nothing brings it back: the pixels there are
new to the flow, and their backward flow points at the occluder or the
background. So the flow backend remembers those parts:

- *going*: the object's pixels on the old frame whose forward-backward check
  fails are being covered (or leave the frame);
- they are carried, with the parts already hidden, by the object's own motion
  (a similarity fitted to the backward flow of its reliably carried pixels),
  and fade by ``decay`` a frame, so a part that never comes back is forgotten;
- *coming back*: on the new frame, a hidden part is taken into the carried mask
  where the flow there is unreliable too (newly seen pixels), the colour looks
  like the object's, and the part is big enough (``least`` of the carried
  mask): a racket or a limb that swings fast also fails the check, and small
  pieces of it came back onto a look-alike background (tennis: a blue racket
  onto a blue banner).

Masks here are (H, W) in frame pixels, float32 in [0, 1] or bool; windows are
(h, w) at (x0, y0); flows in frame pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from annotator.tracking.flowfield import PairFlow

if TYPE_CHECKING:
    from annotator.tracking.flow_config import FlowConfig

# Points enough to fit a similarity robustly, and few enough to fit it in a millisecond.
MOTION_POINTS = 1500
MOTION_LEAST_POINTS = 30
# A point this far (frame pixels) from the fit is an outlier; a fit needs this share
# of inliers: fewer, and the object moves too unlike any one similarity (a dancer's
# limbs). Rounds of refitting on the inliers.
MOTION_INLIER_PX = 2.0
MOTION_LEAST_INLIERS = 0.3
MOTION_ROUNDS = 4
# The colour log-ratio a returning pixel needs. Colours seen neither on the object
# nor around it score a little above 0 (the ring around the object holds more
# pixels than the object), and an occluder's often are such: the grey bar the
# object went behind came back as the object.
LIKE_OBJECT = 0.5


def object_motion(back: np.ndarray, where: np.ndarray, x0: int, y0: int) -> np.ndarray | None:
    """(2, 3) float64: the similarity taking a new frame's pixel (x, y) to where it came
    from on the old frame, fitted to the backward flow ``back`` (h, w, 2) at the window's
    pixels ``where`` (h, w) bool; None when too few pixels or no fit.

    A least-squares fit that drops, a few times over, the points further than
    ``MOTION_INLIER_PX`` from it (from the median motion on), so that the limbs,
    the flow's bleed over the edges and the background it carries do not pull it;
    deterministic, unlike RANSAC, so that a run gives the same masks every time.
    """
    ys, xs = np.nonzero(where)
    if len(xs) < MOTION_LEAST_POINTS:
        return None
    step = max(len(xs) // MOTION_POINTS, 1)
    ys, xs = ys[::step], xs[::step]
    new = np.stack([xs + x0, ys + y0], axis=1).astype(np.float64)
    old = new + back[ys, xs]
    shift = np.median(old - new, axis=0)
    motion = np.array([[1.0, 0.0, shift[0]], [0.0, 1.0, shift[1]]])
    for _ in range(MOTION_ROUNDS):
        near = _residuals(motion, new, old) < MOTION_INLIER_PX
        if near.sum() < MOTION_LEAST_POINTS:
            return None
        motion = _similarity(new[near], old[near])
    if float(np.mean(_residuals(motion, new, old) < MOTION_INLIER_PX)) < MOTION_LEAST_INLIERS:
        return None
    return motion


def _residuals(motion: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """(N,) distances of ``motion`` applied to ``new`` (N, 2) from ``old`` (N, 2)."""
    moved = new @ motion[:, :2].T + motion[:, 2]
    return np.hypot(*(moved - old).T)


def _similarity(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """(2, 3) the least-squares similarity (scale, rotation, shift) taking ``new`` (N, 2)
    to ``old`` (N, 2): u = a x - b y + tx, v = b x + a y + ty."""
    x, y = new.T
    one, zero = np.ones_like(x), np.zeros_like(x)
    rows = np.concatenate([np.stack([x, -y, one, zero], 1), np.stack([y, x, zero, one], 1)])
    (a, b, tx, ty), *_ = np.linalg.lstsq(rows, np.concatenate([old[:, 0], old[:, 1]]), rcond=None)
    return np.array([[a, -b, tx], [b, a, ty]])


@dataclass(frozen=True)
class HiddenParts:
    """The parts of an object out of sight on a frame: ``share`` (h, w) float32 in
    [0, 1] on the window of that frame at (``x0``, ``y0``), frame pixels. Kept on a
    window, not the frame, so that many objects cost little."""

    share: np.ndarray
    x0: int
    y0: int

    def merged(self, other: HiddenParts) -> HiddenParts:
        """Both on one window around the two, the larger share where they overlap."""
        (h1, w1), (h2, w2) = self.share.shape, other.share.shape
        x0, y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        x1, y1 = max(self.x0 + w1, other.x0 + w2), max(self.y0 + h1, other.y0 + h2)
        canvas = np.zeros((y1 - y0, x1 - x0), np.float32)
        for part in (self, other):
            h, w = part.share.shape
            at = canvas[part.y0 - y0 : part.y0 - y0 + h, part.x0 - x0 : part.x0 - x0 + w]
            np.maximum(at, part.share, out=at)
        return HiddenParts(canvas, x0, y0)

    def without(self, seen: np.ndarray) -> HiddenParts:
        """These parts less the pixels of ``seen`` (same shape as ``share``, bool or 0/1)."""
        return HiddenParts(np.where(seen > 0, np.float32(0), self.share), self.x0, self.y0)


def hidden_after(
    hidden: HiddenParts | None,
    previous: np.ndarray,
    box: tuple[int, int, int, int],
    flow: PairFlow,
    back: np.ndarray,
    reliable: np.ndarray,
    window: tuple[int, int, int, int],
    config: FlowConfig,
) -> HiddenParts | None:
    """An object's hidden parts placed on the new frame's ``window`` (x0, y0, x1, y1),
    or None when there are none or its motion does not fit (then what was hidden is
    forgotten).

    hidden: the parts hidden on the old frame, or None; previous: (H, W) uint8, the
    old mask, inside the xywh ``box``; back: (h, w, 2) the window's backward flow;
    reliable: (h, w) bool, the carried pixels the flow is sure of, which the object's
    motion is fitted to. ``config``: ``hidden_decay`` and ``consistency_px`` (an old
    pixel whose ``PairFlow.going`` check is over it is going out of sight).
    """
    x, y, w, h = box
    going = (previous[y : y + h, x : x + w] > 0) & (
        flow.going_at(x, y, x + w, y + h) > config.consistency_px
    )
    if hidden is None and not going.any():
        return None  # nothing to carry: the motion fit, most of the cost, is skipped
    motion = object_motion(back, reliable, window[0], window[1])
    if motion is None:
        return None
    old = HiddenParts(going.astype(np.float32), x, y)
    if hidden is not None:
        old = old.merged(hidden)
    return carry_hidden(old, motion, window, config.hidden_decay)


def carry_hidden(
    old: HiddenParts, motion: np.ndarray, window: tuple[int, int, int, int], decay: float
) -> HiddenParts:
    """The parts ``old`` placed by ``motion`` (``object_motion``) on the new frame's
    ``window`` (x0, y0, x1, y1) and faded by ``decay``."""
    x0, y0, x1, y1 = window
    # Window pixel (u, v) is frame pixel (u + x0, v + y0), which came from motion's
    # image of it on the old frame, at that minus (old.x0, old.y0) in old's window.
    to_old = motion.astype(np.float64)  # a copy: motion itself stays as fitted
    to_old[:, 2] += motion[:, :2] @ np.array([x0, y0], np.float64) - (old.x0, old.y0)
    placed = cv2.warpAffine(
        old.share,
        to_old,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return HiddenParts(placed * np.float32(decay), x0, y0)


def coming_back(
    hidden: np.ndarray,
    carried: np.ndarray,
    unsure: np.ndarray,
    colour: np.ndarray | None,
    least: float,
) -> np.ndarray:
    """(h, w) bool: the window's hidden parts that come back into sight now.

    hidden, carried: (h, w) float32, the hidden parts and the flow's carried mask;
    unsure: (h, w) bool, where the forward-backward check fails; colour: (h, w)
    ``ColourModel.llr`` or None; least: a part's smallest area, as a share of the
    carried mask's.
    """
    back = (hidden > 0.5) & (carried <= 0.5) & unsure
    if colour is not None:
        back &= colour > LIKE_OBJECT
    if not back.any():
        return back
    _, labels, stats, _ = cv2.connectedComponentsWithStats(back.astype(np.uint8), connectivity=8)
    smallest = least * max(float(np.count_nonzero(carried > 0.5)), 1.0)
    kept = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= smallest) + 1
    return np.isin(labels, kept)
