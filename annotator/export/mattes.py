"""Alpha mattes for rotoscoping: one 8-bit grey PNG per object per frame, 255 inside.

Layout: ``<out>/<id>_<name>/00000.png``. Every frame in the range gets a PNG
(all black where the object has no mask), as compositing tools expect an
unbroken sequence. ``feather`` softens the edge with a Gaussian of about that
many pixels; 0 keeps it hard.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from annotator.core import rle
from annotator.export.common import ExportError, ExportJob, frame_stem, staged


def matte_folder(object_id: int, name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "object"
    return f"{object_id}_{safe}"


def export_mattes(
    job: ExportJob, out: Path, feather: float = 0.0, overwrite: bool = False
) -> Generator[int, None, None]:
    if feather < 0:
        raise ExportError("--feather must be 0 or more pixels")
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
