"""SiamMask's crops, anchors and inverse warp, in pixel coordinates.

Conventions: frames are (H, W, 3) uint8; a centre is (cx, cy) and a size (w, h)
in pixels, the image's top-left pixel centre at (0, 0); boxes are xywh. The
arithmetic follows the official ``get_subwindow_tracking`` / ``generate_anchor``
/ ``crop_back`` exactly, rounding included (Python's ``round`` is half-to-even,
as NumPy's is). Geometry of masks and boxes in general is in ``geometry``.
"""

from __future__ import annotations

import cv2
import numpy as np

from annotator.tracking.config import SiamMaskConfig

# Above this side (px) a padded patch costs a few ms to build: sample the frame instead.
HOST_CROP_MAX_SIDE = 1000


def patch_origin(center: np.ndarray, side: int) -> tuple[int, int]:
    """Top-left (x0, y0) of the official ``side`` px patch around ``center`` (cx, cy):
    ``round(c - (side + 1) / 2)``, Python's half-to-even rounding as the official code's."""
    c = (side + 1) / 2
    return round(float(center[0]) - c), round(float(center[1]) - c)


def host_crop(
    frame: np.ndarray,
    center: np.ndarray,
    out_size: int,
    side: int,
    fill: np.ndarray,
    exact: bool = False,
) -> np.ndarray:
    """The crop the CPU cuts: the official ``crop_and_resize``, to the bit, unless its
    padded patch would stick out of the frame and be over ``HOST_CROP_MAX_SIDE`` (a few
    ms to build); that one is ``remap_crop``, a fraction of a ms whatever its size.
    ``exact`` always builds the official patch. (out, out, 3) uint8."""
    x0, y0 = patch_origin(center, side)
    height, width = frame.shape[:2]
    inside = x0 >= 0 and y0 >= 0 and x0 + side <= width and y0 + side <= height
    cut = crop_and_resize if exact or inside or side <= HOST_CROP_MAX_SIDE else remap_crop
    return cut(frame, center, out_size, side, fill)


def crop_and_resize(
    frame: np.ndarray, center: np.ndarray, out_size: int, side: float, fill: np.ndarray
) -> np.ndarray:
    """Square crop of ``side`` pixels around ``center``, resized to ``out_size``.

    Pixels outside the frame take ``fill`` (per channel, truncated to uint8, as the
    official code does by assigning float means into a uint8 image). Only the
    crop is padded, never the whole frame. Returns (out_size, out_size, 3) uint8.
    """
    side = int(side)
    x0, y0 = patch_origin(center, side)
    h, w = frame.shape[:2]
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + side, w), min(y0 + side, h)
    if x0 >= 0 and y0 >= 0 and x0 + side <= w and y0 + side <= h:
        patch = frame[y0 : y0 + side, x0 : x0 + side]
    else:
        patch = np.empty((side, side, frame.shape[2]), np.uint8)
        patch[:] = fill.astype(np.uint8)
        if xa < xb and ya < yb:
            patch[ya - y0 : yb - y0, xa - x0 : xb - x0] = frame[ya:yb, xa:xb]
    if side != out_size:
        patch = cv2.resize(patch, (out_size, out_size))
    return patch


def remap_crop(
    frame: np.ndarray, center: np.ndarray, out_size: int, side: float, fill: np.ndarray
) -> np.ndarray:
    """``crop_and_resize`` without building the padded patch: each output pixel is
    sampled straight from the frame (``cv2.remap``) where ``cv2.resize`` would sample
    the patch, the patch's border repeated and ``fill`` outside the frame. Costs the
    same whatever ``side``; values are within a grey level or so of the official crop
    (remap interpolates in 1/32 px steps, resize in 1/2048). (out, out, 3) uint8.
    """
    side = int(side)
    x0, y0 = patch_origin(center, side)
    steps = (np.arange(out_size, dtype=np.float64) + 0.5) * (side / out_size) - 0.5
    steps = np.clip(steps, 0.0, side - 1)
    map_x = np.broadcast_to((x0 + steps)[None, :], (out_size, out_size)).astype(np.float32)
    map_y = np.broadcast_to((y0 + steps)[:, None], (out_size, out_size)).astype(np.float32)
    border = tuple(float(v) for v in fill.astype(np.uint8))
    return cv2.remap(
        frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


def generate_anchors(cfg: SiamMaskConfig) -> np.ndarray:
    """Anchors for every score-map cell: (k * S * S, 4) float32 as (cx, cy, w, h).

    Rows are ordered (anchor, row, col), the layout of the flattened score map;
    centres are offsets from the search crop's centre.
    """
    size = cfg.total_stride * cfg.total_stride
    base = []
    for ratio in cfg.ratios:
        ws = int(np.sqrt(size / ratio))
        hs = int(ws * ratio)
        for scale in cfg.scales:
            w, h = ws * scale, hs * scale
            base.append([-w * 0.5, -h * 0.5, w * 0.5, h * 0.5])
    corners = np.asarray(base, dtype=np.float32)
    x1, y1, x2, y2 = corners.T
    shape = np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1], 1)
    s = cfg.score_size
    anchors = np.tile(shape, s * s).reshape(-1, 4)
    origin = -(s // 2) * cfg.total_stride
    offsets = [origin + cfg.total_stride * i for i in range(s)]
    xx, yy = np.meshgrid(offsets, offsets)
    anchors[:, 0] = np.tile(xx.flatten(), (len(shape), 1)).flatten().astype(np.float32)
    anchors[:, 1] = np.tile(yy.flatten(), (len(shape), 1)).flatten().astype(np.float32)
    return anchors


def cosine_window(cfg: SiamMaskConfig) -> np.ndarray:
    """Hanning window over the score map, tiled per anchor: (k * S * S,) float64."""
    window = np.outer(np.hanning(cfg.score_size), np.hanning(cfg.score_size))
    return np.tile(window.flatten(), cfg.anchor_num)


def paste_window(
    mask: np.ndarray,
    box: tuple[float, float, float, float],
    frame_size: tuple[int, int],
    threshold: float,
) -> tuple[int, int, np.ndarray]:
    """The official ``crop_back`` (a square mask warped back into the frame, -1 outside it)
    thresholded, computed only in the window of the frame where it can exceed the threshold.

    mask: (m, m) float32 probabilities covering ``box`` (xywh, frame pixels);
    frame_size: (W, H). Returns (x0, y0, binary): the window's top-left corner in frame
    pixels and its (h, w) uint8 0/1 mask (``mask > threshold`` where the square mask
    lands, 0 elsewhere); an empty (0, 0) binary when nothing is over the threshold in
    the frame. The mapping is the official ``crop_back``'s, shifted by the window's
    corner, so the pixels are the full-frame paste's.
    """
    above = cv2.boundingRect((mask > threshold).view(np.uint8))
    if above[2] == 0:
        return 0, 0, np.zeros((0, 0), np.uint8)
    width, height = frame_size
    bx, by, bw, _ = box
    m = mask.shape[0]
    scale = m / bw
    back = (-bx * scale, -by * scale, width * scale, height * scale)
    # crop_back maps mask pixel (u, v) to frame pixel (a u + tx, b v + ty).
    a = (width - 1) / back[2]
    b = (height - 1) / back[3]
    tx, ty = -a * back[0], -b * back[1]
    # Bilinear sampling mixes 2x2 neighbours: where all four are at or under the
    # threshold, so is the result. So only frame pixels whose source position lies
    # within one mask pixel of an above-threshold one can be set; one more frame
    # pixel on each side covers the warp's own rounding of positions.
    c0, r0 = above[0] - 1, above[1] - 1
    c1, r1 = above[0] + above[2], above[1] + above[3]
    x0 = max(int(np.floor(a * c0 + tx)) - 1, 0)
    y0 = max(int(np.floor(b * r0 + ty)) - 1, 0)
    x1 = min(int(np.ceil(a * c1 + tx)) + 2, width)
    y1 = min(int(np.ceil(b * r1 + ty)) + 2, height)
    if x1 <= x0 or y1 <= y0:
        return 0, 0, np.zeros((0, 0), np.uint8)
    mapping = np.array([[a, 0, tx - x0], [0, b, ty - y0]], dtype=np.float64)
    warped = cv2.warpAffine(
        mask,
        mapping,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=-1,
    )
    # A bool array viewed as uint8 is already 0/1: no second pass over the window.
    return x0, y0, (warped > threshold).view(np.uint8)
