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
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from annotator.commands.eval_report import score_quality
from annotator.commands.evaluate import score_frame
from annotator.commands.parallel import run_each
from annotator.commands.propagate import run_propagation
from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.errors import AnnotatorError
from annotator.formats.palette import compose_labels, read_label_png
from annotator.propagation import Direction, PropagationPlan
from annotator.tracking.base import Tracker
from annotator.video.frame_source import open_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sequence:
    """One sequence: its frames (a folder or a video) and its ground-truth PNGs (one per frame)."""

    name: str
    frames: Path
    annotations: list[Path]


def find_sequences(
    root: Path, names: list[str] | None = None, frames: Path | None = None
) -> list[Sequence]:
    """The sequences under a DAVIS root (``JPEGImages/480p``, ``Annotations/480p``).

    A sequence's frames may also be one video, ``videos/<seq>.mp4``, as in the
    compact copy of the DAVIS-2016 train split. ``frames`` overrides the frames
    folder or video, for one sequence whose frames live elsewhere (the tennis
    ground truth goes with ``../shared/data/tennis``).
    """
    ann_root = root / "Annotations" / "480p"
    if not ann_root.is_dir():
        raise AnnotatorError(f"{root} is not a DAVIS root: {ann_root} is missing")

    def frames_of(name: str) -> Path:
        folder = root / "JPEGImages" / "480p" / name
        video = root / "videos" / f"{name}.mp4"
        return video if not folder.is_dir() and video.is_file() else folder

    available = sorted(d.name for d in ann_root.iterdir() if d.is_dir())
    wanted = names or [n for n in available if frames is not None or frames_of(n).exists()]
    missing = [n for n in wanted if n not in available]
    if missing:
        raise AnnotatorError(
            f"no annotations for {', '.join(missing)} in {ann_root}; found {', '.join(available)}"
        )
    if frames is not None and len(wanted) != 1:
        raise AnnotatorError("--frames goes with exactly one --seq")
    out = []
    for name in wanted:
        where = frames if frames is not None else frames_of(name)
        if not where.exists():
            raise AnnotatorError(f"no frames for {name}: {where} is missing")
        out.append(Sequence(name, where, sorted((ann_root / name).glob("*.png"))))
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


TrackerFactory = Callable[[], Tracker]


def simulate(
    seq: Sequence,
    tracker: Tracker,
    keyframe_every: int | None,
) -> dict[str, Any]:
    """Run one sequence; returns {"J", "F", "JF", "frames", "keyframes", "records"}.

    J, F are over its non-keyframes; records: one ``(frame, object, J, F, score)``
    per scored cell, score NaN where the tracker stored none.
    """
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
        runs = [(f, Direction.FORWARD) for f in keys] + [(f, Direction.BACKWARD) for f in keys[1:]]
        for start, direction in runs:
            plan = PropagationPlan.from_model(model, start, direction)
            run_propagation(model, source, tracker, plan)
        scored = [f for f in range(len(source)) if f not in keys]
        per_object: dict[int, tuple[list[float], list[float]]] = {k: ([], []) for k in ids}
        records: list[tuple[int, int, float, float, float]] = []
        for f in scored:
            cells = {k: model.mask(k, f) for k in ids}
            masks = [(k, rle.decode(m.rle)) for k, m in cells.items() if m and m.rle]
            pred = compose_labels(gts[f].shape, masks)
            for k, (j, fm) in score_frame(pred, gts[f], ids).items():
                per_object[k][0].append(j)
                per_object[k][1].append(fm)
                cell = cells[k]
                score = cell.score if cell is not None and cell.score is not None else math.nan
                records.append((f, k, j, fm, score))
        j_all = [float(np.mean(js)) for js, _ in per_object.values() if js]
        f_all = [float(np.mean(fs)) for _, fs in per_object.values() if fs]
    j = float(np.mean(j_all)) if j_all else float("nan")
    f_mean = float(np.mean(f_all)) if f_all else float("nan")
    return {
        "J": j,
        "F": f_mean,
        "JF": (j + f_mean) / 2,
        "frames": len(scored),
        "keyframes": len(keys),
        "records": records,
    }


def _user_mask(mask: np.ndarray) -> FrameMask:
    """A keyframe from ground truth: the mask, or absent where the object is not visible."""
    return FrameMask(Provenance.USER, rle.encode(mask) if mask.any() else None)


def _simulate_in_worker(
    factory: TrackerFactory, seq: Sequence, keyframe_every: int | None
) -> dict[str, Any]:
    # A tracker per sequence: in a worker process there is no other way to get one.
    return simulate(seq, factory(), keyframe_every)


def eval_sim(
    sequences: list[Sequence],
    factory: TrackerFactory,
    keyframe_every: int | None,
    on_sequence: Callable[[str, dict[str, Any]], None] | None = None,
    jobs: int = 1,
    keep_records: bool = False,
) -> dict[str, Any]:
    """Simulate every sequence; returns the report (see ``summarise``).

    With ``keep_records`` each sequence's entry keeps its per-cell records.
    ``on_sequence(name, result)`` is called as each sequence finishes (progress).

    ``factory`` builds a tracker; with ``jobs`` > 1 each worker process builds
    its own, so it must be picklable (a module-level function or a partial).
    """
    results: dict[str, dict[str, Any]] = {}

    def done(name: str, result: dict[str, Any]) -> None:
        results[name] = result
        log.debug("%s: J&F %.3f", name, result["JF"])
        if on_sequence is not None:
            on_sequence(name, result)

    work = partial(_simulate_in_worker, factory, keyframe_every=keyframe_every)
    run_each(work, [(s.name, s) for s in sequences], jobs, done)
    return summarise({s.name: results[s.name] for s in sequences}, keep_records)


def summarise(results: dict[str, dict[str, Any]], keep_records: bool = False) -> dict[str, Any]:
    """``{"sequences": {name: {J, F, JF, frames, keyframes}}, "J", "F", "JF",
    "keyframes_per_100", "score"}``: overall J, F, JF are sequence means; score
    says how well the stored scores rank the frames (``score_quality``)."""
    report: dict[str, Any] = {"sequences": {}}
    js, scores = [], []
    for name, r in results.items():
        report["sequences"][name] = {k: v for k, v in r.items() if keep_records or k != "records"}
        js += [rec[2] for rec in r["records"]]
        scores += [rec[4] for rec in r["records"]]
    for key in ("J", "F", "JF"):
        report[key] = float(np.mean([s[key] for s in report["sequences"].values()]))
    total = sum(s["frames"] + s["keyframes"] for s in report["sequences"].values())
    keys = sum(s["keyframes"] for s in report["sequences"].values())
    report["keyframes_per_100"] = 100.0 * keys / max(total, 1)
    report["score"] = score_quality(js, scores)
    return report
