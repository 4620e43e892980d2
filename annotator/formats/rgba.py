"""RGBA PNG sequences, one folder per object: ``<out>/<object>/<object>.00000.png``.

8- or 16-bit; straight alpha by default (the colour is the frame's, or the
decontaminated foreground where the object's matte settings ask for it), or
premultiplied. Nuke and After Effects read the folder as one sequence.
Colour is the source's (sRGB or BT.709 code values), as in the video.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import cv2
import numpy as np

from annotator.formats.common import ExportError, ExportJob, frame_stem, staged
from annotator.formats.matte_stream import matte_frames, object_labels


def rgba_pixels(
    colour: np.ndarray, alpha: np.ndarray, bit_depth: int, premultiply: bool
) -> np.ndarray:
    """(H, W, 4) uint8 or uint16 RGBA from RGB uint8 (H, W, 3) and alpha float (H, W)."""
    top = 255.0 if bit_depth == 8 else 65535.0
    rgb = colour.astype(np.float32) / 255.0
    if premultiply:
        rgb = rgb * alpha[..., None]
    rgba = np.concatenate([rgb, alpha[..., None]], axis=2)
    return np.round(np.clip(rgba, 0.0, 1.0) * top).astype(np.uint8 if bit_depth == 8 else np.uint16)


def export_rgba(
    job: ExportJob,
    out: Path,
    bit_depth: int = 8,
    premultiply: bool = False,
    overwrite: bool = False,
) -> Generator[int, None, None]:
    if bit_depth not in (8, 16):
        raise ExportError("--bit-depth must be 8 or 16")
    labels = object_labels(job)
    with staged(out, overwrite, folder=True) as root:
        for label in labels.values():
            (root / label).mkdir()
        for m in matte_frames(job):
            for k, alpha in m.alpha.items():
                rgba = rgba_pixels(m.colour[k], alpha, bit_depth, premultiply)
                path = root / labels[k] / f"{labels[k]}.{frame_stem(m.index)}.png"
                # OpenCV writes 16-bit RGBA PNGs (Pillow cannot); it wants BGRA.
                if not cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA)):
                    raise ExportError(f"cannot write {path}")
            yield m.index
