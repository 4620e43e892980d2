"""Alpha mattes for rotoscoping: one 8-bit grey PNG per object per frame, 255 inside.

Layout: ``<out>/<id>_<name>/00000.png``. Every frame in the range gets a PNG
(all black where the object has no mask), as compositing tools expect an
unbroken sequence. By default the matte is the hard mask; ``feather`` softens
its edge with a Gaussian of about that many pixels. With ``refine`` it is the
soft matte of each object's own matte settings (``annotator.matte``) instead.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from annotator.core import rle
from annotator.formats.common import ExportError, ExportJob, file_safe, frame_stem, staged
from annotator.formats.matte_stream import matte_frames


def matte_folder(object_id: int, name: str) -> str:
    return f"{object_id}_{file_safe(name)}"


def export_mattes(
    job: ExportJob,
    out: Path,
    feather: float = 0.0,
    overwrite: bool = False,
    refine: bool = False,
) -> Generator[int, None, None]:
    if feather < 0:
        raise ExportError("--feather must be 0 or more pixels")
    greys = _refined_greys(job) if refine else _hard_greys(job, feather)
    with staged(out, overwrite, folder=True) as root:
        folders = {}
        for k in job.objects:
            folders[k] = root / matte_folder(k, job.model.objects[k].name)
            folders[k].mkdir(parents=True)
        for f, images in greys:
            for k, image in images.items():
                image.save(folders[k] / f"{frame_stem(f)}.png", compress_level=1)
            yield f


Greys = Iterator[tuple[int, dict[int, Image.Image]]]


def _hard_greys(job: ExportJob, feather: float) -> Greys:
    """Per frame, each object's hard mask as grey (255 inside), feathered if asked."""
    width, height = job.size
    empty = np.zeros((height, width), np.uint8)
    for f in job.frames:
        present = dict(job.masks(f))
        images = {}
        for k in job.objects:
            alpha = rle.decode(present[k]) * np.uint8(255) if k in present else empty
            image = Image.fromarray(alpha, mode="L")
            if feather > 0 and k in present:
                image = image.filter(ImageFilter.GaussianBlur(radius=feather / 2))
            images[k] = image
        yield f, images


def _refined_greys(job: ExportJob) -> Greys:
    """Per frame, each object's soft matte (its matte settings) as 8-bit grey."""
    for m in matte_frames(job):
        yield (
            m.index,
            {
                k: Image.fromarray(
                    np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8), mode="L"
                )
                for k, a in m.alpha.items()
            },
        )
