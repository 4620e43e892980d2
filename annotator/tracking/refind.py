"""Re-finding an object by its keyframe's look: after a stroke, or after an occlusion.

Two callers lose an object and know its keyframe:

- the stroke tool, when the current mask has drifted off the object or
  vanished: a foreground stroke says where the object is, but not its shape;
- the flow backend, when an occluder (a tree, a pole) hid the object and the
  carried mask stayed on the occluder or shrank away.

Both move the keyframe's mask to the place where the keyframe's pixels under
it best match this frame: masked template matching on small copies
(``Look``). The stroke tool restricts the places to those covering the
stroke; the tracker searches around where the object was last seen.

Frames are RGB uint8 (H, W, 3); masks (H, W) uint8 0/1 or bool; boxes xywh.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Matching runs on copies scaled so that the template's longer side is this long.
MATCH_SIDE_PX = 48
# A place whose pattern (the match with the means taken out) is under this has
# only the object's brightness: a pale pole for a white ball.
LEAST_PATTERN = 0.2


@dataclass(frozen=True)
class Look:
    """An object's look on its keyframe, ready for template matching.

    piece: (ph, pw) uint8 0/1, the mask cropped to its bounding box, full resolution.
    pixels: (ph, pw, 3) uint8, the keyframe on that box.
    template: (th, tw, 3) float32, the keyframe's pixels on that box, scaled by ``scale``.
    weight: (th, tw, 3) float32 in [0, 1], the piece scaled likewise, one copy per channel.
    scale: small-copy pixels per frame pixel (at most 1).
    area: the keyframe mask's area in pixels.
    """

    piece: np.ndarray
    pixels: np.ndarray
    template: np.ndarray
    weight: np.ndarray
    scale: float
    area: int

    @classmethod
    def of(cls, image: np.ndarray, mask: np.ndarray) -> Look | None:
        """From an RGB keyframe (H, W, 3) and its mask (H, W); None for an empty mask."""
        ys, xs = np.nonzero(mask)
        if ys.size == 0:
            return None
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        scale = min(1.0, MATCH_SIDE_PX / max(x1 - x0, y1 - y0))
        piece = (mask[y0:y1, x0:x1] > 0).astype(np.uint8)
        shape = shrink(piece.astype(np.float32), scale)
        return cls(
            piece=piece,
            pixels=np.ascontiguousarray(image[y0:y1, x0:x1]),
            template=shrink(image[y0:y1, x0:x1].astype(np.float32), scale),
            weight=np.repeat(shape[..., None], 3, axis=2),
            scale=scale,
            area=int(ys.size),
        )

    def corner(self, x: int, y: int, shape: tuple[int, int]) -> tuple[int, int]:
        """(x1, y1): the far corner (exclusive) of the piece placed with its top-left
        corner at frame pixel (x, y), clipped to a frame of ``shape`` (H, W)."""
        ph, pw = self.piece.shape
        return min(x + pw, shape[1]), min(y + ph, shape[0])

    def place(self, x: int, y: int, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) uint8: the piece with its top-left corner at frame pixel (x, y), clipped."""
        out = np.zeros(shape, np.uint8)
        x1, y1 = self.corner(x, y, shape)
        if x1 > x and y1 > y:
            out[y:y1, x:x1] = self.piece[: y1 - y, : x1 - x]
        return out

    def place_visible(self, frame: np.ndarray, x: int, y: int, unlike: float) -> np.ndarray:
        """``place`` less the pixels that do not look like the keyframe there.

        An object found while coming out from behind an occluder is only partly
        in view; its hidden part would stay on the occluder. Both images are
        blurred (sigma 3 px) first, so that a small shift or a turn of the
        object does not count as unlike. frame: (H, W, 3) RGB; unlike: the mean
        absolute difference over channels (0-255) above which a pixel is hidden.
        """
        out = self.place(x, y, frame.shape[:2])
        x1, y1 = self.corner(x, y, out.shape)
        if x1 <= x or y1 <= y:
            return out
        now = cv2.GaussianBlur(frame[y:y1, x:x1].astype(np.float32), (0, 0), 3)
        then = cv2.GaussianBlur(self.pixels[: y1 - y, : x1 - x].astype(np.float32), (0, 0), 3)
        hidden = np.abs(now - then).mean(axis=2) > unlike
        out[y:y1, x:x1][hidden] = 0
        return out

    def likeness(self, frame: np.ndarray, x: int, y: int, where: np.ndarray) -> float:
        """How alike the keyframe and ``frame`` are over ``where``, the piece placed with
        its top-left corner at frame pixel (x, y), x, y >= 0: the correlation coefficient
        of their grey levels there, in [-1, 1] (0 for flat grey, 1.0 under 16 pixels).

        frame: (H, W, 3) RGB; where: (H, W) bool, frame pixels.
        """
        x1, y1 = self.corner(x, y, frame.shape[:2])
        inside = where[y:y1, x:x1]
        if int(np.count_nonzero(inside)) < 16:
            return 1.0
        now = cv2.cvtColor(np.ascontiguousarray(frame[y:y1, x:x1]), cv2.COLOR_RGB2GRAY)
        then = cv2.cvtColor(self.pixels[: y1 - y, : x1 - x], cv2.COLOR_RGB2GRAY)
        a = now[inside].astype(np.float64)
        b = then[inside].astype(np.float64)
        a, b = a - a.mean(), b - b.mean()
        spread = float(np.sqrt((a * a).sum() * (b * b).sum()))
        return float((a * b).sum() / spread) if spread > 0 else 0.0


def shrink(a: np.ndarray, scale: float) -> np.ndarray:
    """``a`` resized by ``scale`` (at least one pixel each way), area-averaged."""
    size = (max(round(a.shape[1] * scale), 1), max(round(a.shape[0] * scale), 1))
    return cv2.resize(a, size, interpolation=cv2.INTER_AREA)


def relocate(
    ref_image: np.ndarray,
    ref_mask: np.ndarray,
    frame: np.ndarray,
    fg: np.ndarray,
    bg: np.ndarray,
) -> np.ndarray | None:
    """The reference mask moved onto ``frame`` (H, W) uint8, or None if it cannot be placed
    or its best place matches it in brightness only (pattern under ``LEAST_PATTERN``).

    fg, bg: (H, W) bool, the foreground and background stroke pixels on ``frame``.
    No scaling or rotation: the keyframe is assumed near in time.
    """
    look = Look.of(ref_image, ref_mask)
    fys, fxs = np.nonzero(fg)
    if look is None or fys.size == 0:
        return None
    th, tw = look.piece.shape
    h, w = frame.shape[:2]
    if tw > w or th > h:
        return None
    # Every placement that covers a stroke pixel fits in this search area.
    sx0, sy0 = max(int(fxs.min()) - tw, 0), max(int(fys.min()) - th, 0)
    sx1, sy1 = min(int(fxs.max()) + tw + 1, w), min(int(fys.max()) + th + 1, h)
    if sx1 - sx0 < tw or sy1 - sy0 < th:
        return None
    scale = look.scale
    search = shrink(frame[sy0:sy1, sx0:sx1].astype(np.float32), scale)
    if search.shape[0] < look.template.shape[0] or search.shape[1] < look.template.shape[1]:
        return None
    cost = cv2.matchTemplate(search, look.template, cv2.TM_SQDIFF, mask=look.weight)
    cost = np.asarray(cost, np.float32) / max(float(look.weight.sum()), 1.0)
    shape = look.weight[..., 0]

    def overlap(marks: np.ndarray) -> np.ndarray:
        small = shrink(marks[sy0:sy1, sx0:sx1].astype(np.float32), scale)
        return np.asarray(cv2.matchTemplate(small, shape, cv2.TM_CCORR))

    cover, wrong = overlap(fg), overlap(bg)
    if cover.max() <= 0:
        return None
    allowed = (cover >= 0.5 * cover.max()) & (wrong <= 0.1 * max(float(wrong.max()), 1e-6) + 1e-6)
    if not allowed.any():
        return None
    iy, ix = np.unravel_index(int(np.argmin(np.where(allowed, cost, np.inf))), cost.shape)
    # The squared difference likes a plain patch of the object's brightness too: moving
    # a ball's keyframe onto the pale pole it is behind turned the mask into the pole.
    if pattern_at(search, int(ix), int(iy), look) < LEAST_PATTERN:
        return None
    return look.place(sx0 + round(ix / scale), sy0 + round(iy / scale), (h, w))


@dataclass(frozen=True)
class Sighting:
    """The best place for a look in a searched area.

    x, y: the piece's top-left corner there, frame pixels.
    match: its normalised masked cross-correlation with the frame, in [0, 1].
    pattern: the same with the means taken out (correlation coefficient, [-1, 1]).
    here: ``match`` where the current mask sits (-1 when there is none).
    """

    x: int
    y: int
    match: float
    pattern: float
    here: float


def search_near(
    look: Look,
    frame: np.ndarray,
    centre: tuple[float, float],
    reach: float,
    current: tuple[float, float] | None,
) -> Sighting | None:
    """Where the look best matches ``frame`` within ``reach`` of ``centre``, or None.

    Placements whose centre lies within ``reach`` frame pixels of ``centre``
    (x, y) are compared by normalised masked cross-correlation of the look's
    template; None when the area leaves no room to move. ``current`` is the
    (cx, cy) of the mask now (None when empty), for ``Sighting.here``.
    """
    h, w = frame.shape[:2]
    ph, pw = look.piece.shape
    cx, cy = centre
    sx0, sy0 = int(max(cx - reach - pw / 2, 0)), int(max(cy - reach - ph / 2, 0))
    sx1, sy1 = int(min(cx + reach + pw / 2, w)), int(min(cy + reach + ph / 2, h))
    scale = look.scale
    search = shrink(frame[sy0:sy1, sx0:sx1].astype(np.float32), scale) if sx1 > sx0 else None
    th, tw = look.template.shape[:2]
    if search is None or search.shape[0] <= th or search.shape[1] <= tw:
        return None
    match = cv2.matchTemplate(search, look.template, cv2.TM_CCORR_NORMED, mask=look.weight)
    match = np.nan_to_num(np.asarray(match, np.float32), nan=-1.0)
    iy, ix = np.unravel_index(int(np.argmax(match)), match.shape)
    here = -1.0
    if current is not None:
        # The placement centred on the current mask's box, clamped into the searched area.
        mx, my = current[0] - pw / 2, current[1] - ph / 2
        px = min(max(round((mx - sx0) * scale), 0), match.shape[1] - 1)
        py = min(max(round((my - sy0) * scale), 0), match.shape[0] - 1)
        here = float(match[py, px])
    x, y = sx0 + round(ix / scale), sy0 + round(iy / scale)
    # The brightness-only match above also likes a plain patch of the object's
    # brightness (a pale pole for a white ball); the mean-subtracted match there
    # says whether the pattern is the object's too.
    return Sighting(x, y, float(match[iy, ix]), pattern_at(search, int(ix), int(iy), look), here)


def pattern_near(look: Look, frame: np.ndarray, centre: tuple[float, float], reach: float) -> float:
    """The best masked correlation coefficient (means taken out) of ``look`` placed with
    its piece's centre within ``reach`` frame pixels of ``centre`` (cx, cy) on ``frame``
    (H, W, 3) RGB: in [-1, 1], -1 where no placement fits or every one is flat."""
    h, w = frame.shape[:2]
    ph, pw = look.piece.shape
    cx, cy = centre
    sx0, sy0 = int(max(cx - reach - pw / 2, 0)), int(max(cy - reach - ph / 2, 0))
    sx1, sy1 = int(min(cx + reach + pw / 2 + 1, w)), int(min(cy + reach + ph / 2 + 1, h))
    if sx1 <= sx0 or sy1 <= sy0:
        return -1.0
    search = shrink(frame[sy0:sy1, sx0:sx1].astype(np.float32), look.scale)
    th, tw = look.template.shape[:2]
    if search.shape[0] < th or search.shape[1] < tw:
        return -1.0
    return float(patterns(search, look).max())


def pattern_at(search: np.ndarray, ix: int, iy: int, look: Look) -> float:
    """The masked correlation coefficient (means taken out) of ``look``'s template and
    the small copy ``search`` (h, w, 3) float32 at its pixel (ix, iy), the template's
    top-left corner: in [-1, 1], -1 where it is undefined (a flat patch)."""
    th, tw = look.template.shape[:2]
    return float(patterns(search[iy : iy + th, ix : ix + tw], look)[0, 0])


def patterns(search: np.ndarray, look: Look) -> np.ndarray:
    """The masked correlation coefficient of ``look``'s template at every placement in the
    small copy ``search`` (h, w, 3) float32: (h - th + 1, w - tw + 1) float32 in [-1, 1],
    -1 where it is undefined (a flat patch)."""
    pattern = cv2.matchTemplate(search, look.template, cv2.TM_CCOEFF_NORMED, mask=look.weight)
    return np.nan_to_num(np.asarray(pattern, np.float32), nan=-1.0)
