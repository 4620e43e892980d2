"""The simulated user's strokes: where a person would paint to fix a mask.

The rule, in the spirit of the DAVIS interactive benchmark's scribble robot:

- The error regions are the ground truth's pixels the mask misses (fixed
  with a foreground stroke) and the mask's pixels outside the ground truth
  (fixed with a background stroke). Each kind gets one stroke, on its
  largest 8-connected region, if that region has at least ``MIN_REGION_PX``
  pixels.
- The stroke follows the longest path through the region's skeleton
  (Zhang-Suen thinning; the path is the skeleton's geodesic diameter), so it
  is never longer than the skeleton, and runs down the middle of the region
  as a person's stroke would. Points are kept every ``POINT_STEP`` pixels.
- Its radius is half the region's 25th-percentile half-width along the path
  (the distance transform there), rounded down, between 1 and
  ``MAX_RADIUS_PX``, so the brush stays inside the region.
- Where the path is shorter than ``MIN_PATH_PX`` (a small blob), the stroke is
  a click: one point at the region's deepest pixel.

Masks are (H, W) uint8 or bool; points are (x, y) image pixels.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from annotator.tracking.strokes import Stroke

MIN_REGION_PX = 12
MIN_PATH_PX = 3
MAX_RADIUS_PX = 6
POINT_STEP = 3


def correction_strokes(truth: np.ndarray, mask: np.ndarray) -> list[Stroke]:
    """The foreground and background strokes (zero, one or two) that fix ``mask``."""
    return [stroke_through(region, fg) for region, fg in regions_to_fix(truth, mask)]


def correct_regions(truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W) uint8 0/1: ``mask`` with exactly the regions ``correction_strokes`` paints
    on set to the truth: what a perfect stroke tool would give."""
    fixed = mask > 0
    for region, foreground in regions_to_fix(truth, mask):
        fixed[region] = foreground
    return fixed.astype(np.uint8)


def regions_to_fix(truth: np.ndarray, mask: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """The largest missing region (foreground True) and the largest wrong one (False),
    each (H, W) bool, those of at least ``MIN_REGION_PX`` pixels."""
    truth, mask = truth > 0, mask > 0
    found = []
    for error, foreground in ((truth & ~mask, True), (mask & ~truth, False)):
        region = largest_region(error)
        if region is not None and region.sum() >= MIN_REGION_PX:
            found.append((region, foreground))
    return found


def largest_region(error: np.ndarray) -> np.ndarray | None:
    """(H, W) bool, the largest 8-connected component of ``error``; None if empty."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(error.astype(np.uint8), connectivity=8)
    if n <= 1:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == biggest


def stroke_through(region: np.ndarray, foreground: bool) -> Stroke:
    """One stroke down the middle of a region (see the module's rule)."""
    ys, xs = np.nonzero(region)
    y0, x0 = int(ys.min()), int(xs.min())
    crop = np.pad(region[y0 : ys.max() + 1, x0 : xs.max() + 1], 1).astype(np.uint8)
    depth = cv2.distanceTransform(crop, cv2.DIST_L2, 3)
    path = longest_path(thin(crop))
    if len(path) < MIN_PATH_PX:
        iy, ix = np.unravel_index(int(np.argmax(depth)), depth.shape)
        path = [(int(iy), int(ix))]
    half_width = float(np.percentile([depth[p] for p in path], 25))
    radius = float(min(max(int(half_width / 2), 1), MAX_RADIUS_PX))
    kept = path[::POINT_STEP] if len(path) > 1 else path
    if len(path) > 1 and kept[-1] != path[-1]:
        kept.append(path[-1])
    # -1: the crop's one-pixel pad.
    points = tuple((float(x + x0 - 1), float(y + y0 - 1)) for y, x in kept)
    return Stroke(points, radius, foreground)


def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of (h, w) 0/1 with a background border; (h, w) uint8 0/1."""
    img = (binary > 0).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            p = np.pad(img, 1)
            # Neighbours P2..P9, clockwise from north.
            n = [
                p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:],
                p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2],
            ]  # fmt: skip
            count = sum(x.astype(np.int32) for x in n)
            transitions = sum(
                ((n[i] == 0) & (n[(i + 1) % 8] == 1)).astype(np.int32) for i in range(8)
            )
            if step == 0:
                side = (n[0] * n[2] * n[4] == 0) & (n[2] * n[4] * n[6] == 0)
            else:
                side = (n[0] * n[2] * n[6] == 0) & (n[0] * n[4] * n[6] == 0)
            remove = (img == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                img[remove] = 0
                changed = True
        if not changed:
            return img


def longest_path(skeleton: np.ndarray) -> list[tuple[int, int]]:
    """The geodesic diameter of the skeleton's largest part, as (y, x) pixels in order.

    Two breadth-first searches over 8-connected pixels: the farthest pixel
    from any start is one end; the farthest from that end is the other.
    """
    pixels = set(zip(*(a.tolist() for a in np.nonzero(skeleton)), strict=True))
    if not pixels:
        return []

    def farthest(
        start: tuple[int, int],
    ) -> tuple[tuple[int, int], dict[tuple[int, int], tuple[int, int] | None]]:
        parent: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
        queue = deque([start])
        last = start
        while queue:
            last = queue.popleft()
            y, x = last
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    q = (y + dy, x + dx)
                    if q in pixels and q not in parent:
                        parent[q] = last
                        queue.append(q)
        return last, parent

    # The largest part: start from each unvisited pixel, keep the biggest search.
    best: dict[tuple[int, int], tuple[int, int] | None] = {}
    seen: set[tuple[int, int]] = set()
    for p in sorted(pixels):
        if p in seen:
            continue
        _, parent = farthest(p)
        seen |= parent.keys()
        if len(parent) > len(best):
            best = parent
    end, _ = farthest(next(iter(best)))
    other, parent = farthest(end)
    path = [other]
    step = parent[other]
    while step is not None:
        path.append(step)
        step = parent[step]
    return path
