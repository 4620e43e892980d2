"""``annotator eval-sim``: a simulated annotator on DAVIS-layout sequences.

The ground truth of frames 0, N, 2N, ... and of the last frame plays the
user's keyframes (only frame 0 without ``keyframe_every``). The engine then
propagates between them exactly as the GUI does: a forward run from every
keyframe, then a backward run from every keyframe but the first, each
stopping at the next keyframe, with blending where runs meet. J and F are
computed on every frame that is not a keyframe, against the ground truth, on
the label image that export writes (higher id on top).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annotator.commands.evaluate import score_frame
from annotator.commands.propagate import run_propagation
from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.errors import AnnotatorError
from annotator.export.palette import compose_labels, read_label_png
from annotator.propagation import Direction, PropagationPlan
from annotator.tracking.base import Tracker
from annotator.video.frame_source import open_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sequence:
    """One sequence: its frames folder and its ground-truth PNGs (one per frame)."""

    name: str
    frames: Path
    annotations: list[Path]


def find_sequences(
    root: Path, names: list[str] | None = None, frames: Path | None = None
) -> list[Sequence]:
    """The sequences under a DAVIS root (``JPEGImages/480p``, ``Annotations/480p``).

    ``frames`` overrides the frames folder, for one sequence whose frames live
    elsewhere (the tennis ground truth goes with ``../shared/data/tennis``).
    """
    ann_root = root / "Annotations" / "480p"
    img_root = root / "JPEGImages" / "480p"
    if not ann_root.is_dir():
        raise AnnotatorError(f"{root} is not a DAVIS root: {ann_root} is missing")
    available = sorted(d.name for d in ann_root.iterdir() if d.is_dir())
    wanted = names or [n for n in available if frames is not None or (img_root / n).is_dir()]
    missing = [n for n in wanted if n not in available]
    if missing:
        raise AnnotatorError(
            f"no annotations for {', '.join(missing)} in {ann_root}; found {', '.join(available)}"
        )
    if frames is not None and len(wanted) != 1:
        raise AnnotatorError("--frames goes with exactly one --seq")
    out = []
    for name in wanted:
        folder = frames if frames is not None else img_root / name
        if not folder.is_dir():
            raise AnnotatorError(f"no frames for {name}: {folder} is missing")
        out.append(Sequence(name, folder, sorted((ann_root / name).glob("*.png"))))
    if not out:
        raise AnnotatorError(f"{root} holds no sequence with both frames and annotations")
    return out


def keyframes_of(count: int, every: int | None) -> list[int]:
    """0, N, 2N, ... and the last frame; just 0 without ``every``."""
    if every is None:
        return [0]
    if every < 1:
        raise AnnotatorError("--keyframe-every must be at least 1")
    return sorted({*range(0, count, every), count - 1})


def simulate(
    seq: Sequence,
    tracker: Tracker,
    keyframe_every: int | None,
    on_frame: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run one sequence; returns {"J", "F", "JF", "frames"} over its non-keyframes."""
    with open_source(seq.frames) as source:
        if len(seq.annotations) != len(source):
            raise AnnotatorError(
                f"{seq.name}: {len(source)} frames but {len(seq.annotations)} annotations"
            )
        gts = [read_label_png(p) for p in seq.annotations]
        ids = sorted({int(v) for g in gts for v in np.unique(g) if v != 0})
        keys = keyframes_of(len(source), keyframe_every)
        model = AnnotationModel(len(source), history_bytes=0)
        for k in ids:
            model.apply(model.add_object(ObjectInfo(k, f"object {k}")))
        model.apply(
            model.set_masks(
                "keyframes", [(k, f, _user_mask(gts[f] == k)) for f in keys for k in ids]
            )
        )
        step = (lambda _s: on_frame()) if on_frame is not None else None
        runs = [(f, Direction.FORWARD) for f in keys] + [(f, Direction.BACKWARD) for f in keys[1:]]
        for start, direction in runs:
            plan = PropagationPlan.from_model(model, start, direction)
            run_propagation(model, source, tracker, plan, on_step=step)
        scored = [f for f in range(len(source)) if f not in keys]
        per_object: dict[int, tuple[list[float], list[float]]] = {k: ([], []) for k in ids}
        for f in scored:
            masks = [(k, rle.decode(m.rle)) for k in ids if (m := model.mask(k, f)) and m.rle]
            pred = compose_labels(gts[f].shape, masks)
            for k, (j, fm) in score_frame(pred, gts[f], ids).items():
                per_object[k][0].append(j)
                per_object[k][1].append(fm)
        j_all = [float(np.mean(js)) for js, _ in per_object.values() if js]
        f_all = [float(np.mean(fs)) for _, fs in per_object.values() if fs]
    j = float(np.mean(j_all)) if j_all else float("nan")
    f = float(np.mean(f_all)) if f_all else float("nan")
    return {"J": j, "F": f, "JF": (j + f) / 2, "frames": len(scored)}


def _user_mask(mask: np.ndarray) -> FrameMask:
    """A keyframe from ground truth: the mask, or absent where the object is not visible."""
    return FrameMask(Provenance.USER, rle.encode(mask) if mask.any() else None)


def eval_sim(
    sequences: list[Sequence],
    tracker: Tracker,
    keyframe_every: int | None,
    on_frame: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``{"sequences": {name: {J, F, JF, frames}}, "J", "F", "JF"}``; overall: sequence means."""
    report: dict[str, Any] = {"sequences": {}}
    for seq in sequences:
        report["sequences"][seq.name] = simulate(seq, tracker, keyframe_every, on_frame)
        log.info("%s: %s", seq.name, report["sequences"][seq.name])
    for key in ("J", "F", "JF"):
        report[key] = float(np.mean([s[key] for s in report["sequences"].values()]))
    return report
