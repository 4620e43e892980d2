"""``annotator eval PRED GT``: the DAVIS measures between two annotation folders.

Either folder may be a DAVIS root (``Annotations/480p/<seq>/``), a folder of
sequence folders, or one sequence's folder of PNGs. Every ground-truth PNG is
a frame to score; frames without a ground-truth PNG are skipped, as in the
DAVIS benchmark. A missing prediction counts as an empty mask. The objects of
a sequence are the indices found in its ground truth.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from annotator.errors import AnnotatorError
from annotator.export.palette import read_label_png
from annotator.metrics import Summary, boundary_f, jaccard

log = logging.getLogger(__name__)


def sequence_folders(root: Path) -> dict[str, Path]:
    """Sequence name -> folder of annotation PNGs, for any of the accepted layouts."""
    if not root.is_dir():
        raise AnnotatorError(f"{root} is not a folder")
    for sub in ("Annotations/480p", "Annotations"):
        if (root / sub).is_dir():
            root = root / sub
            break
    if any(root.glob("*.png")):
        return {root.name: root}
    found = {d.name: d for d in sorted(root.iterdir()) if d.is_dir() and any(d.glob("*.png"))}
    if not found:
        raise AnnotatorError(f"{root} holds no annotation PNGs or sequence folders of them")
    return found


def score_frame(
    pred: np.ndarray, gt: np.ndarray, ids: Iterable[int]
) -> dict[int, tuple[float, float]]:
    """Per object id: (J, F) between label images ``pred`` and ``gt`` (H, W)."""
    if pred.shape != gt.shape:
        raise AnnotatorError(f"prediction is {pred.shape}, ground truth {gt.shape}")
    return {k: (jaccard(pred == k, gt == k), boundary_f(pred == k, gt == k)) for k in ids}


def evaluate_sequence(pred_dir: Path | None, gt_dir: Path) -> dict[int, dict[str, list[float]]]:
    """Per object: the per-frame J and F lists over the ground truth's frames."""
    gt_files = sorted(gt_dir.glob("*.png"))
    gts = [read_label_png(p) for p in gt_files]
    ids = sorted({int(v) for g in gts for v in np.unique(g) if v != 0})
    series: dict[int, dict[str, list[float]]] = {k: {"J": [], "F": []} for k in ids}
    for path, gt in zip(gt_files, gts, strict=True):
        pred_path = pred_dir / path.name if pred_dir is not None else None
        if pred_path is not None and pred_path.is_file():
            pred = read_label_png(pred_path)
        else:
            log.warning("no prediction for %s; scored as empty", path)
            pred = np.zeros_like(gt)
        for k, (j, f) in score_frame(pred, gt, ids).items():
            series[k]["J"].append(j)
            series[k]["F"].append(f)
    return series


def summarise(per_sequence: dict[str, dict[int, dict[str, list[float]]]]) -> dict[str, Any]:
    """The report: per sequence and object the J and F summaries; overall means over objects."""
    report: dict[str, Any] = {"sequences": {}}
    all_j: list[Summary] = []
    all_f: list[Summary] = []
    for seq, objects in per_sequence.items():
        entry: dict[str, Any] = {"objects": {}}
        js, fs = [], []
        for k, values in objects.items():
            j, f = Summary.of(values["J"]), Summary.of(values["F"])
            entry["objects"][str(k)] = {
                "J": j.as_dict(),
                "F": f.as_dict(),
                "frames": len(values["J"]),
            }
            js.append(j)
            fs.append(f)
        entry["J"] = _mean(s.mean for s in js)
        entry["F"] = _mean(s.mean for s in fs)
        entry["JF"] = (entry["J"] + entry["F"]) / 2
        report["sequences"][seq] = entry
        all_j += js
        all_f += fs
    for name, summaries in (("J", all_j), ("F", all_f)):
        report[name] = {
            "mean": _mean(s.mean for s in summaries),
            "recall": _mean(s.recall for s in summaries),
            "decay": _mean(s.decay for s in summaries),
        }
    report["JF"] = (report["J"]["mean"] + report["F"]["mean"]) / 2
    return report


def _mean(values: Iterable[float]) -> float:
    v = [x for x in values if not np.isnan(x)]
    return float(np.mean(v)) if v else float("nan")


def evaluate_folders(
    pred: Path, gt: Path, on_sequence: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Score every ground-truth sequence found under ``gt`` against ``pred``."""
    gt_seqs = sequence_folders(gt)
    pred_seqs = sequence_folders(pred)
    pairs: dict[str, tuple[Path | None, Path]]
    if len(gt_seqs) == 1 and len(pred_seqs) == 1:
        pairs = {name: (next(iter(pred_seqs.values())), d) for name, d in gt_seqs.items()}
    else:
        pairs = {name: (pred_seqs.get(name), d) for name, d in gt_seqs.items()}
    per_sequence = {}
    for name, (p, g) in pairs.items():
        if p is None:
            log.warning("no predictions for sequence %s; scored as empty", name)
        per_sequence[name] = evaluate_sequence(p, g)
        if on_sequence is not None:
            on_sequence(name)
    return summarise(per_sequence)


def format_table(report: dict[str, Any]) -> str:
    """A readable table: one row per sequence and object, then the overall figures."""
    lines = [f"{'sequence':<24}{'object':>7}{'frames':>8}{'J':>8}{'F':>8}{'J&F':>8}"]
    for seq, entry in report["sequences"].items():
        for k, obj in entry["objects"].items():
            j, f = obj["J"]["mean"], obj["F"]["mean"]
            lines.append(f"{seq:<24}{k:>7}{obj['frames']:>8}{j:>8.3f}{f:>8.3f}{(j + f) / 2:>8.3f}")
    j, f = report["J"], report["F"]
    lines.append(f"{'overall':<39}{j['mean']:>8.3f}{f['mean']:>8.3f}{report['JF']:>8.3f}")
    lines.append(
        f"J recall {j['recall']:.3f}  decay {j['decay']:.3f}   "
        f"F recall {f['recall']:.3f}  decay {f['decay']:.3f}"
    )
    return "\n".join(lines)
