"""The DAVIS / PASCAL VOC colour palette and index-PNG writing.

Index 0 is background and index k is object k: (128, 0, 0), (0, 128, 0),
(128, 128, 0), (0, 0, 128), ... as in every DAVIS annotation file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from annotator.core.atomic import write_atomic
from annotator.errors import AnnotatorError
from annotator.video.image_file import ImageFileError, open_image


def davis_palette() -> np.ndarray:
    """(256, 3) uint8: the standard VOC/DAVIS palette, built from the bits of each index."""
    palette = np.zeros((256, 3), dtype=np.uint8)
    for index in range(256):
        c, r, g, b = index, 0, 0, 0
        for shift in range(7, -1, -1):
            r |= (c & 1) << shift
            g |= ((c >> 1) & 1) << shift
            b |= ((c >> 2) & 1) << shift
            c >>= 3
        palette[index] = (r, g, b)
    return palette


def compose_labels(shape: tuple[int, int], masks: Sequence[tuple[int, np.ndarray]]) -> np.ndarray:
    """Merge (object id, binary mask) pairs into one (H, W) uint8 label image.

    Overlaps: objects are painted in increasing id order, so the higher id is on top.
    """
    labels = np.zeros(shape, dtype=np.uint8)
    for obj_id, mask in sorted(masks, key=lambda item: item[0]):
        if not 0 < obj_id < 256:
            raise ValueError(f"object id {obj_id} does not fit a palette PNG (1..255)")
        labels[mask.astype(bool)] = obj_id
    return labels


def write_index_png(path: Path, labels: np.ndarray, palette: np.ndarray | None = None) -> None:
    """Save an (H, W) uint8 label image as a palette ('P') PNG, atomically."""
    image = Image.fromarray(labels, mode="P")
    image.putpalette((palette if palette is not None else davis_palette()).flatten().tolist())
    write_atomic(path, lambda tmp: image.save(tmp, format="PNG"))


class LabelImageError(AnnotatorError):
    """A PNG that cannot be read as an annotation."""


def read_label_png(path: Path) -> np.ndarray:
    """An annotation PNG as an (H, W) uint8 label image (0 background, k object k).

    Palette ('P') PNGs give their indices (DAVIS-2017, YouTube-VOS). Grey
    ('L' or '1') PNGs holding only 0 and 255, as in DAVIS-2016, give object 1
    where 255; a grey-plus-alpha ('LA') PNG, which real copies of DAVIS-2016
    hold, is read by its grey channel.
    """
    try:
        with open_image(path) as image:
            image.load()
            mode = image.mode
            labels = np.array(image)
    except ImageFileError as exc:
        raise LabelImageError(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise LabelImageError(f"{path}: cannot read the PNG: {exc}") from exc
    if mode == "P":
        return labels.astype(np.uint8)
    if mode == "LA":
        labels, mode = labels[..., 0], "L"
    if mode in ("L", "1"):
        values = np.unique(labels)
        if set(values.tolist()) <= {0, 1, 255}:
            return (labels > 0).astype(np.uint8)
    raise LabelImageError(
        f"{path} is a {mode} image, not a palette ('P') PNG with object indices"
        " or a 0/255 grey mask"
    )
