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
    # The crop's columns as rows, each between a 0 before and a 0 after: a change of
    # value at padded position (c, r) is a change at frame position (x0 + c, y0 + r - 1),
    # and the frame's 0s above and below the crop cannot hold another one. cv2 does the
    # passes over the window (transpose, pad, compare, find), each a fraction of numpy's.
    binary = cv2.threshold(np.ascontiguousarray(crop, np.uint8), 0, 1, cv2.THRESH_BINARY)[1]
    columns = cv2.copyMakeBorder(cv2.transpose(binary), 0, 0, 1, 1, cv2.BORDER_CONSTANT, value=0)
    found = cv2.findNonZero(cv2.compare(columns[:, 1:], columns[:, :-1], cv2.CMP_NE))
    if found is None:
        return _compressed(np.array([height * width]), height, width)
    # findNonZero lists (r, c) row by row: already in the frame's column-major order.
    points = found.reshape(-1, 2)
    at = (x0 + points[:, 1].astype(np.int64)) * height + y0 + points[:, 0]
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
