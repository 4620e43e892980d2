"""Importing DAVIS, YouTube-VOS and COCO annotations as user keyframes.

Each importer reads a dataset and returns ``Imported``: the objects it found
and, per (object, frame), the mask as RLE. Nothing touches a project until
everything has been read and checked, so a bad file changes nothing. Palette
index k (DAVIS, YouTube-VOS) and ``track_id`` k (COCO) become object id k.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from annotator.core import rle
from annotator.core.model import MAX_OBJECT_ID
from annotator.formats.common import ExportError
from annotator.formats.palette import read_label_png

# progress(done, total): called as the items of a dataset (files, annotations) are read.
Progress = Callable[[int, int], None]


@dataclass
class Imported:
    """What a dataset holds: object id -> category, and (object id, frame) -> RLE."""

    categories: dict[int, str] = field(default_factory=dict)
    masks: dict[tuple[int, int], rle.RLE] = field(default_factory=dict)


def frame_of(name: str) -> int:
    """The frame index in a file name such as ``00042.png`` or ``clip/00042.jpg``."""
    digits = re.findall(r"\d+", Path(name).stem)
    if not digits:
        raise ExportError(f"{name}: no frame number in the file name")
    return int(digits[-1])


def _check_frame(
    where: str, frame: int, shape: tuple[int, int], size: tuple[int, int], count: int
) -> None:
    if not 0 <= frame < count:
        raise ExportError(f"{where}: frame {frame} is outside the video's frames 0..{count - 1}")
    width, height = size
    if shape != (height, width):
        raise ExportError(f"{where} is {shape[1]}x{shape[0]}, the video is {width}x{height}")


def read_label_folder(
    folder: Path, size: tuple[int, int], count: int, progress: Progress | None = None
) -> Imported:
    """PNGs named by frame: palette index k > 0 is object k; a DAVIS-2016 grey mask
    (0 and 255 only) is object 1."""
    files = sorted(folder.glob("*.png"))
    if not files:
        raise ExportError(f"{folder} holds no annotation PNGs")
    found = Imported()
    for done, path in enumerate(files, 1):
        if progress is not None:
            progress(done, len(files))
        labels = read_label_png(path)
        f = frame_of(path.name)
        _check_frame(str(path), f, labels.shape, size, count)
        for k in np.unique(labels):
            if k == 0:
                continue
            found.categories.setdefault(int(k), "object")
            found.masks[(int(k), f)] = rle.encode(labels == k)
    return found


def _single_sequence(root: Path, what: str) -> Path:
    subs = sorted(d for d in root.iterdir() if d.is_dir())
    if len(subs) != 1:
        names = ", ".join(d.name for d in subs) or "none"
        raise ExportError(f"{root} should hold one {what} folder; it holds {names}")
    return subs[0]


def davis_sequences_folder(root: Path) -> Path | None:
    """The folder of a DAVIS root that holds one folder per sequence, if any."""
    for sub in ("Annotations/480p", "Annotations/Full-Resolution", "Annotations"):
        if (root / sub).is_dir():
            return root / sub
    return None


def davis_sequences(root: Path) -> list[str]:
    """The sequence names of a DAVIS root, sorted; none for a folder of PNGs."""
    folder = None if any(root.glob("*.png")) else davis_sequences_folder(root)
    return _subfolders(folder) if folder else []


def _subfolders(folder: Path) -> list[str]:
    return sorted(d.name for d in folder.iterdir() if d.is_dir())


def davis_annotations(root: Path, seq: str | None = None) -> Path:
    """The folder of PNGs in a DAVIS root (``Annotations/480p/<seq>``), or ``root`` itself.

    A root of several sequences needs ``seq``.
    """
    if not root.is_dir():
        raise ExportError(f"{root} is not a folder")
    if seq is None and any(root.glob("*.png")):
        return root
    folder = davis_sequences_folder(root)
    if folder is None:
        raise ExportError(f"{root} is not a DAVIS folder: no Annotations/480p/<sequence>/")
    if seq is None:
        return _single_sequence(folder, "sequence (choose one with --seq)")
    if not (folder / seq).is_dir():
        have = ", ".join(_subfolders(folder))
        raise ExportError(f"{folder} has no sequence {seq!r}; it has {have}")
    return folder / seq


def import_davis(
    root: Path,
    size: tuple[int, int],
    count: int,
    seq: str | None = None,
    progress: Progress | None = None,
) -> Imported:
    return read_label_folder(davis_annotations(root, seq), size, count, progress)


def import_youtube_vos(
    root: Path, size: tuple[int, int], count: int, progress: Progress | None = None
) -> Imported:
    """``Annotations/<video>/*.png``; categories from ``meta.json`` when present."""
    if not (root / "Annotations").is_dir():
        raise ExportError(f"{root} is not a YouTube-VOS folder: no Annotations/<video>/")
    folder = _single_sequence(root / "Annotations", "video")
    found = read_label_folder(folder, size, count, progress)
    meta = root / "meta.json"
    if meta.is_file():
        try:
            objects = json.loads(meta.read_text())["videos"][folder.name]["objects"]
            if not isinstance(objects, dict):
                raise TypeError(f"its objects are a {type(objects).__name__}, not a mapping")
            for k, entry in objects.items():
                if not isinstance(entry, dict):
                    raise TypeError(f"object {k} is a {type(entry).__name__}, not a mapping")
                if int(k) in found.categories:
                    found.categories[int(k)] = str(entry.get("category") or "object")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ExportError(f"{meta} is not a YouTube-VOS meta.json: {exc}") from exc
    return found


def _polygons(segmentation: list[object]) -> list[list[float]]:
    """COCO polygons checked: each a flat list x1, y1, x2, y2, ... of at least 3 points.

    pycocotools takes a 4-number list for a box and raises a bare ``Exception`` on
    other shapes, so the shape is checked here first.
    """
    if not segmentation:
        raise ValueError("an empty polygon list")
    out = []
    for poly in segmentation:
        if not isinstance(poly, list) or len(poly) < 6 or len(poly) % 2:
            raise ValueError(
                f"a polygon must be x1, y1, x2, y2, ... of 3 or more points: {poly!r:.60}"
            )
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in poly):
            raise ValueError(f"a polygon holds something other than numbers: {poly!r:.60}")
        out.append([float(v) for v in poly])
    return out


def _coco_mask(segmentation: object, height: int, width: int) -> np.ndarray:
    if isinstance(segmentation, list):  # polygons
        rles = mask_utils.frPyObjects(_polygons(segmentation), height, width)
        return mask_utils.decode(mask_utils.merge(rles))
    if isinstance(segmentation, dict):
        counts = segmentation.get("counts")
        if isinstance(counts, list):  # uncompressed RLE
            return mask_utils.decode(mask_utils.frPyObjects(segmentation, height, width))
        if isinstance(counts, str):
            counts = counts.encode("ascii")
        return mask_utils.decode({"size": segmentation["size"], "counts": counts})
    raise ExportError(f"unknown segmentation of type {type(segmentation).__name__}")


def import_coco(
    path: Path, size: tuple[int, int], count: int, progress: Progress | None = None
) -> Imported:
    """A COCO file whose images are the video's frames.

    An image's frame is its ``frame_index``, else the number in its file name.
    Several annotations of one track on one frame are merged.
    """
    try:
        data = json.loads(path.read_text())
        images = {int(im["id"]): im for im in data["images"]}
        cats = {int(c["id"]): str(c["name"]) for c in data.get("categories", [])}
        annotations = data["annotations"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{path} is not a COCO file: {exc}") from exc
    found = Imported()
    for i, ann in enumerate(annotations):
        if progress is not None:
            progress(i + 1, len(annotations))
        where = f"{path}: annotation {ann.get('id', i)}"
        try:
            image = images.get(int(ann.get("image_id", -1)))
            if image is None:
                raise ExportError(f"{where} refers to unknown image {ann.get('image_id')}")
            f = (
                int(image["frame_index"])
                if "frame_index" in image
                else frame_of(image["file_name"])
            )
            height, width = int(image["height"]), int(image["width"])
            k = ann.get("track_id")
            if k is None:
                raise ExportError(f"{where} has no track_id, so it cannot be given an object")
            k = int(k)
            if not 1 <= k <= MAX_OBJECT_ID:
                raise ExportError(f"{where} has track_id {k}; ids run from 1 to {MAX_OBJECT_ID}")
        except (KeyError, ValueError, TypeError, OverflowError) as exc:
            raise ExportError(f"{where}: {type(exc).__name__} {exc} in its image or ids") from exc
        _check_frame(where, f, (height, width), size, count)
        try:
            mask = _coco_mask(ann["segmentation"], height, width)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise ExportError(f"{where}: bad segmentation: {exc}") from exc
        if mask.ndim == 3:  # pycocotools decodes a list of RLEs to (h, w, n)
            mask = mask.max(axis=2)
        # An RLE carries its own size, which may disagree with its image's.
        _check_frame(f"{where}'s segmentation", f, mask.shape[:2], size, count)
        key = (k, f)
        if key in found.masks:  # rare: decode only then, so memory stays flat
            mask = np.maximum(rle.decode(found.masks[key]), mask)
        found.masks[key] = rle.encode(mask)
        found.categories.setdefault(k, cats.get(int(ann.get("category_id", 0)), "object"))
    return found
