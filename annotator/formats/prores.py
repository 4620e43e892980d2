"""ProRes 4444 with alpha, one QuickTime file per object: ``<out>/<object>.mov``.

PyAV's ``prores_ks`` encoder, profile 4444, ``yuva444p10le``, at the source's
frame rate; the colour is the frame's (or the decontaminated foreground),
with straight alpha, as ProRes 4444 carries it.
"""

from __future__ import annotations

from collections.abc import Generator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from annotator.formats.common import ExportError, ExportJob, staged
from annotator.formats.matte_stream import matte_frames, object_labels
from annotator.formats.rgba import rgba_pixels


def export_prores(job: ExportJob, out: Path, overwrite: bool = False) -> Generator[int, None, None]:
    width, height = job.size
    if width % 2 or height % 2:
        raise ExportError(f"ProRes needs an even frame size, not {width}x{height}")
    labels = object_labels(job)
    rate = Fraction(job.fps).limit_denominator(1001)
    with staged(out, overwrite, folder=True) as root:
        containers, streams = {}, {}
        try:
            for k, label in labels.items():
                container = av.open(str(root / f"{label}.mov"), "w")
                stream = container.add_stream("prores_ks", rate=rate)
                stream.width, stream.height = width, height
                stream.pix_fmt = "yuva444p10le"
                # PyAV's stub types the stream without codec options.
                stream.options = {"profile": "4444"}  # type: ignore[assignment]
                containers[k], streams[k] = container, stream
            for m in matte_frames(job):
                for k, alpha in m.alpha.items():
                    rgba = rgba_pixels(m.colour[k], alpha, 16, premultiply=False)
                    frame = av.VideoFrame.from_ndarray(
                        np.ascontiguousarray(rgba), format="rgba64le"
                    )
                    for packet in streams[k].encode(frame):
                        containers[k].mux(packet)
                yield m.index
            for k in labels:
                for packet in streams[k].encode():
                    containers[k].mux(packet)
        finally:
            for container in containers.values():
                container.close()
