"""Every exported frame's soft mattes, one frame at a time, for the matte exporters.

Each object's alpha comes from its own ``MatteSettings`` (``annotator.matte``).
Reduce chatter needs the next frame's alpha too, so frames come out one frame
behind the decoding; at most three frames are held.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from annotator.core import rle
from annotator.formats.common import ExportJob, file_safe
from annotator.matte.chatter import reduce_chatter
from annotator.matte.refine import estimate_foreground, refine_alpha


@dataclass(frozen=True)
class MatteFrame:
    """One frame: its index, RGB pixels (H, W, 3) uint8, per object the alpha (H, W)
    float32 in [0, 1] and the colour (H, W, 3) uint8 to pair with it (the frame, or
    the decontaminated foreground where the object's settings ask for it)."""

    index: int
    frame: np.ndarray
    alpha: dict[int, np.ndarray]
    colour: dict[int, np.ndarray]


def object_labels(job: ExportJob) -> dict[int, str]:
    """A file-safe, unique name per exported object: its name, or name_id when two share one."""
    safe = {k: file_safe(job.model.objects[k].name, dots=False) for k in job.objects}
    counts: dict[str, int] = {}
    for name in safe.values():
        counts[name] = counts.get(name, 0) + 1
    return {k: name if counts[name] == 1 else f"{name}_{k}" for k, name in safe.items()}


def _raw(job: ExportJob, f: int, refine: bool) -> tuple[int, np.ndarray, dict[int, np.ndarray]]:
    frame = job.pixels(f)
    present = dict(job.masks(f))
    alphas = {}
    for k in job.objects:
        mask = rle.decode(present[k]) if k in present else np.zeros(frame.shape[:2], np.uint8)
        settings = job.model.objects[k].matte
        alphas[k] = refine_alpha(frame, mask, settings) if refine else mask.astype(np.float32)
    return f, frame, alphas


def matte_frames(job: ExportJob, refine: bool = True) -> Iterator[MatteFrame]:
    """The job's frames in order, each with every object's matte; ``refine`` False gives
    the hard masks as alpha (0 or 1), with no chatter reduction or decontamination."""
    raws = (_raw(job, f, refine) for f in job.frames)
    previous = None
    current = next(raws, None)
    while current is not None:
        following = next(raws, None)
        yield _finish(job, previous, current, following, refine)
        previous, current = current, following


Raw = tuple[int, np.ndarray, dict[int, np.ndarray]]


def _finish(
    job: ExportJob, previous: Raw | None, current: Raw, following: Raw | None, refine: bool
) -> MatteFrame:
    index, frame, alphas = current
    # Only the frames right before and after are neighbours (a range can skip none,
    # but a job's frames need not be consecutive).
    near = [r for r in (previous, following) if r is not None and abs(r[0] - index) == 1]
    alpha, colour = {}, {}
    for k, a in alphas.items():
        settings = job.model.objects[k].matte
        if refine and settings.chatter > 0 and near:
            a = reduce_chatter(frame, a, [(r[1], r[2][k]) for r in near], settings.chatter)
        alpha[k] = a
        colour[k] = estimate_foreground(frame, a) if refine and settings.decontaminate else frame
    return MatteFrame(index, frame, alpha, colour)
