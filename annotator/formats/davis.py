"""DAVIS and YouTube-VOS export: palette PNGs per frame, the frames as JPEG, and meta.json.

DAVIS: ``Annotations/480p/<name>/00000.png`` and ``JPEGImages/480p/<name>/00000.jpg``.
YouTube-VOS: ``Annotations/<name>/00000.png``, ``JPEGImages/<name>/00000.jpg`` and
``meta.json`` ({"videos": {name: {"objects": {"1": {"category", "frames"}}}}}).

A PNG's index k is object k (ids must be 1..255) and 0 is background, with the
standard DAVIS palette. Where objects overlap, the higher id is drawn on top
(the order DAVIS-2017 annotations use), so the lower object loses the shared
pixels in these formats; COCO keeps every object's whole mask.

Frames keep the source size; ``resize_480p`` scales frames (bilinear) and
labels (nearest) to a height of 480, as the DAVIS benchmark's 480p set does.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path

import numpy as np
from PIL import Image

from annotator.core import rle
from annotator.formats.common import ExportError, ExportJob, frame_stem, staged
from annotator.formats.palette import compose_labels, davis_palette

DAVIS_RES = "480p"


def _check_ids(job: ExportJob) -> None:
    bad = [k for k in job.objects if not 0 < k < 256]
    if bad:
        raise ExportError(f"object ids {bad} do not fit a palette PNG (1..255)")


def _resized_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    return max(round(w * 480 / h), 1), 480


def write_sequence(
    job: ExportJob,
    annotations: Path,
    images: Path | None,
    resize_480p: bool = False,
) -> Generator[int, None, None]:
    """Palette PNGs into ``annotations`` and, when ``images``, JPEG frames; yields per frame."""
    _check_ids(job)
    annotations.mkdir(parents=True, exist_ok=True)
    if images is not None:
        images.mkdir(parents=True, exist_ok=True)
    palette = davis_palette().flatten().tolist()
    width, height = job.size
    target = _resized_size(job.size) if resize_480p else None
    for f in job.frames:
        masks = [(k, rle.decode(m)) for k, m in job.masks(f)]
        labels = compose_labels((height, width), masks)
        image = Image.fromarray(labels, mode="P")
        image.putpalette(palette)
        if target is not None:
            image = image.resize(target, Image.Resampling.NEAREST)
        image.save(annotations / f"{frame_stem(f)}.png", optimize=False, compress_level=1)
        if images is not None:
            rgb = Image.fromarray(np.asarray(job.pixels(f)))
            if target is not None:
                rgb = rgb.resize(target, Image.Resampling.BILINEAR)
            rgb.save(images / f"{frame_stem(f)}.jpg", quality=95)
        yield f


def export_davis(
    job: ExportJob,
    out: Path,
    frames: bool = True,
    resize_480p: bool = False,
    overwrite: bool = False,
) -> Generator[int, None, None]:
    """A DAVIS root at ``out`` holding one sequence, ``job.name``."""
    with staged(out, overwrite, folder=True) as root:
        images = root / "JPEGImages" / DAVIS_RES / job.name if frames else None
        annotations = root / "Annotations" / DAVIS_RES / job.name
        yield from write_sequence(job, annotations, images, resize_480p)


def export_youtube_vos(
    job: ExportJob, out: Path, frames: bool = True, overwrite: bool = False
) -> Generator[int, None, None]:
    """A YouTube-VOS root at ``out`` holding one video, ``job.name``, with ``meta.json``."""
    with staged(out, overwrite, folder=True) as root:
        images = root / "JPEGImages" / job.name if frames else None
        yield from write_sequence(job, root / "Annotations" / job.name, images)
        objects = {}
        for k in job.objects:
            seen = [
                frame_stem(f)
                for f in job.frames
                if (m := job.model.mask(k, f)) is not None and m.rle is not None
            ]
            category = job.model.objects[k].category or "object"
            objects[str(k)] = {"category": category, "frames": seen}
        meta = {"videos": {job.name: {"objects": objects}}}
        (root / "meta.json").write_text(json.dumps(meta, indent=1))
