"""Multi-layer OpenEXR, one file per frame, for compositing (Nuke's Shuffle picks a layer).

Layout: ``<out>/<sequence>.00000.exr``. Each object is a layer named after it,
with one channel, ``<object>.A``, its soft matte. Unless ``with_frames`` is
off, the frame itself is the beauty ``R``, ``G``, ``B``. Channels are half or
float; compression is ZIP, PIZ, DWAA or none.

Colour: the beauty holds the source's code values divided by 255, in the
source's own colour space and transfer function (for ordinary video, sRGB or
BT.709, i.e. *not* linear); the header says so in ``annotatorTransfer``. In
Nuke, set the Read node's colorspace to sRGB (or Rec.709) to linearise it.
Mattes are linear coverage, as alpha always is.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import numpy as np
import OpenEXR

from annotator.formats.common import ExportError, ExportJob, frame_stem, staged
from annotator.formats.matte_stream import matte_frames, object_labels

COMPRESSIONS = {
    "zip": OpenEXR.ZIP_COMPRESSION,
    "piz": OpenEXR.PIZ_COMPRESSION,
    "dwaa": OpenEXR.DWAA_COMPRESSION,
    "none": OpenEXR.NO_COMPRESSION,
}
PIXEL_TYPES = {"half": np.float16, "float": np.float32}
TRANSFER = "source code values / 255, source transfer (sRGB or BT.709), not linearised"


def export_exr(
    job: ExportJob,
    out: Path,
    with_frames: bool = True,
    compression: str = "zip",
    pixel_type: str = "half",
    overwrite: bool = False,
) -> Generator[int, None, None]:
    if compression not in COMPRESSIONS:
        raise ExportError(f"EXR compression {compression!r}: choose {', '.join(COMPRESSIONS)}")
    if pixel_type not in PIXEL_TYPES:
        raise ExportError(f"EXR type {pixel_type!r}: choose half or float")
    dtype = PIXEL_TYPES[pixel_type]
    labels = object_labels(job)
    header = {
        "compression": COMPRESSIONS[compression],
        "type": OpenEXR.scanlineimage,
        "annotatorTransfer": TRANSFER,
    }
    with staged(out, overwrite, folder=True) as root:
        for m in matte_frames(job):
            channels: dict[str, np.ndarray] = {}
            if with_frames:
                beauty = m.frame.astype(np.float32) / 255.0
                for c, name in enumerate("RGB"):
                    channels[name] = np.ascontiguousarray(beauty[..., c]).astype(dtype)
            for k, alpha in m.alpha.items():
                channels[f"{labels[k]}.A"] = alpha.astype(dtype)
            with OpenEXR.File(header, channels) as exr:
                exr.write(str(root / f"{job.name}.{frame_stem(m.index)}.exr"))
            yield m.index
