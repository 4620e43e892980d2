"""Alpha mattes for rotoscoping: one 8-bit grey PNG per object per frame, 255 inside.

Layout: ``<out>/<id>_<name>/00000.png``. Every frame in the range gets a PNG
(all black where the object has no mask), as compositing tools expect an
unbroken sequence. By default the matte is the hard mask; ``feather`` softens
its edge with a Gaussian of about that many pixels. With ``refine`` it is the
soft matte of each object's own matte settings (``annotator.matte``) instead.
"""

from __future__ import annotations

from collections.abc import Generator
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
    if refine:
        yield from _refined_mattes(job, out, overwrite)
        return
    width, height = job.size
    with staged(out, overwrite, folder=True) as root:
        folders = {}
        for k in job.objects:
            folders[k] = root / matte_folder(k, job.model.objects[k].name)
            folders[k].mkdir(parents=True)
        empty = np.zeros((height, width), np.uint8)
        for f in job.frames:
            present = dict(job.masks(f))
            for k in job.objects:
                alpha = rle.decode(present[k]) * np.uint8(255) if k in present else empty
                image = Image.fromarray(alpha, mode="L")
                if feather > 0 and k in present:
                    image = image.filter(ImageFilter.GaussianBlur(radius=feather / 2))
                image.save(folders[k] / f"{frame_stem(f)}.png", compress_level=1)
            yield f


def _refined_mattes(job: ExportJob, out: Path, overwrite: bool) -> Generator[int, None, None]:
    with staged(out, overwrite, folder=True) as root:
        folders = {}
        for k in job.objects:
            folders[k] = root / matte_folder(k, job.model.objects[k].name)
            folders[k].mkdir(parents=True)
        for m in matte_frames(job):
            for k, alpha in m.alpha.items():
                grey = np.round(np.clip(alpha, 0.0, 1.0) * 255.0).astype(np.uint8)
                Image.fromarray(grey, mode="L").save(
                    folders[k] / f"{frame_stem(m.index)}.png", compress_level=1
                )
            yield m.index
