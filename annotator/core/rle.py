"""Binary masks as COCO run-length encoding (pycocotools), the storage form of every mask.

A mask is (H, W) uint8/bool; an RLE is ``{"size": [H, W], "counts": str}``, the
compressed COCO form with ``counts`` as a str so that it goes straight into JSON.
"""

from __future__ import annotations

from typing import TypedDict

import cv2
import numpy as np
from pycocotools import mask as mask_utils


class RLE(TypedDict):
    size: list[int]
    counts: str


def encode(mask: np.ndarray) -> RLE:
    """(H, W) binary mask -> compressed RLE with str counts."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8, copy=False)))
    return {
        "size": [int(rle["size"][0]), int(rle["size"][1])],
        "counts": rle["counts"].decode("ascii"),
    }


def encode_window(crop: np.ndarray, x0: int, y0: int, height: int, width: int) -> RLE:
    """The RLE of an (height, width) mask that is 0 everywhere but in ``crop`` (h, w),
    whose top-left pixel is (x0, y0): equal to ``encode`` of the full mask, but reads
    only the crop (COCO runs go down the columns). Any non-zero value counts as 1."""
    h, w = crop.shape
    if h == 0 or w == 0:
        return _compressed(np.array([height * width]), height, width)
    binary: np.ndarray = np.ascontiguousarray(crop, np.uint8)
    if binary.max() > 1:  # a tracker's crop is 0/1 already: no copy of the window then
        binary = cv2.threshold(binary, 0, 1, cv2.THRESH_BINARY)[1]
    # The changes down each column are found row by row, with no transpose: a pixel
    # that differs from the one above it, plus the crop's first and last rows against
    # the frame's 0s around the crop, listed in row order (first row, middle, last).
    # The transpose this saves was most of the time at 1080p.
    cols = [np.flatnonzero(binary[0])]
    rows = [np.zeros(cols[0].size, np.int64)]
    if h > 1:
        found = cv2.findNonZero(cv2.compare(binary[1:], binary[:-1], cv2.CMP_NE))
        if found is not None:
            points = found.reshape(-1, 2).astype(np.int64)  # (x, y): y + 1 is the row
            cols.append(points[:, 0])
            rows.append(points[:, 1] + 1)
    cols.append(np.flatnonzero(binary[h - 1]))
    rows.append(np.full(cols[-1].size, h, np.int64))
    col, row = np.concatenate(cols), np.concatenate(rows)
    # Into column-major order: a stable sort on the column alone keeps each column's
    # changes in row order, and on 16-bit keys numpy's stable sort is a radix sort,
    # several times faster than sorting the 64-bit positions (a noisy 1080p mask has
    # over 10,000 changes).
    order = np.argsort(col.astype(np.uint16) if w <= 65535 else col, kind="stable")
    at = (x0 + col[order]) * height + y0 + row[order]
    # A crop as high as the frame: a column's last change and the next one's first can
    # land on one pixel (a run of 1s across the column break); the pair is no change.
    same = np.flatnonzero(at[1:] == at[:-1])
    if same.size:
        at = np.delete(at, np.concatenate([same, same + 1]))
    at = at[at < height * width]  # a change just past the last pixel is no run
    return _compressed(np.diff(np.concatenate([[0], at, [height * width]])), height, width)


def _compressed(runs: np.ndarray, height: int, width: int) -> RLE:
    """Run lengths (m,), 0s first, down the columns, as a compressed RLE. Handed over as
    a uint32 array: pycocotools converts a list element by element, 10x slower."""
    coded = mask_utils.frPyObjects(
        {"size": [height, width], "counts": runs.astype(np.uint32)}, height, width
    )
    return {"size": [height, width], "counts": coded["counts"].decode("ascii")}


def decode(rle: RLE) -> np.ndarray:
    """Compressed RLE -> (H, W) uint8 mask of 0/1."""
    counts = rle["counts"]
    raw = {
        "size": list(rle["size"]),
        "counts": counts.encode("ascii") if isinstance(counts, str) else counts,
    }
    return np.ascontiguousarray(mask_utils.decode(raw))


def area(rle: RLE) -> int:
    raw = {"size": list(rle["size"]), "counts": rle["counts"].encode("ascii")}
    return int(mask_utils.area(raw))


def bbox(rle: RLE) -> tuple[float, float, float, float]:
    """xywh of the mask, (0, 0, 0, 0) when empty."""
    raw = {"size": list(rle["size"]), "counts": rle["counts"].encode("ascii")}
    x, y, w, h = mask_utils.toBbox(raw).tolist()
    return float(x), float(y), float(w), float(h)
