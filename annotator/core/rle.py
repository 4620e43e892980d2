"""Binary masks as COCO run-length encoding (pycocotools), the storage form of every mask.

A mask is (H, W) uint8/bool; an RLE is ``{"size": [H, W], "counts": str}``, the
compressed COCO form with ``counts`` as a str so that it goes straight into JSON.
"""

from __future__ import annotations

from typing import TypedDict

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
