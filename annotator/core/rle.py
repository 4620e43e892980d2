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
    only the columns the crop spans (COCO runs go down the columns)."""
    h, w = crop.shape
    if h == 0 or w == 0 or not crop.any():
        runs = np.array([height * width])  # one run of 0s: no whole-frame array needed
    else:
        # The crop's columns, each a full column. cv2's transpose is several times
        # faster than numpy's strided copy; min(., 1) keeps any non-zero value a 1.
        band = np.zeros((w, height), np.uint8)
        upright = cv2.transpose(np.ascontiguousarray(crop, np.uint8)).reshape(w, h)
        np.minimum(upright, 1, out=band[:, y0 : y0 + h])
        flat = band.ravel()
        edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        runs = np.diff(np.concatenate([[0], edges, [flat.size]]))
        if flat[0]:
            runs = np.concatenate([[0], runs])
        runs[0] += x0 * height  # the columns before the crop: all 0
        after = (width - x0 - w) * height
        if after:
            if flat[-1]:
                runs = np.concatenate([runs, [after]])
            else:
                runs[-1] += after
    coded = mask_utils.frPyObjects(
        {"size": [height, width], "counts": runs.tolist()}, height, width
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
