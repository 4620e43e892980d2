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
from annotator.formats.palette import read_label_png
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


def evaluate_sequence(
    pred_dir: Path | None, gt_dir: Path
) -> tuple[dict[int, dict[str, list[float]]], int, int]:
    """Per object: the per-frame J and F lists over the ground truth's frames; then how
    many frames were scored, and how many of them had no prediction (scored as empty)."""
    gt_files = sorted(gt_dir.glob("*.png"))
    gts = [read_label_png(p) for p in gt_files]
    ids = sorted({int(v) for g in gts for v in np.unique(g) if v != 0})
    series: dict[int, dict[str, list[float]]] = {k: {"J": [], "F": []} for k in ids}
    missing = 0
    for path, gt in zip(gt_files, gts, strict=True):
        pred_path = pred_dir / path.name if pred_dir is not None else None
        if pred_path is not None and pred_path.is_file():
            pred = read_label_png(pred_path)
        else:
            missing += 1
            pred = np.zeros_like(gt)
        for k, (j, f) in score_frame(pred, gt, ids).items():
            series[k]["J"].append(j)
            series[k]["F"].append(f)
    return series, len(gt_files), missing


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
    pred: Path,
    gt: Path,
    on_sequence: Callable[[str], None] | None = None,
    sequences: list[str] | None = None,
) -> dict[str, Any]:
    """Score the sequences found under both ``pred`` and ``gt`` (or the named ``sequences``).

    A folder of one sequence's PNGs on both sides is scored as that sequence,
    whatever the folders are called. Ground-truth frames with no prediction
    count as empty masks, with one warning per sequence; a prediction that
    matches no sequence, or no frame at all, is an error.
    """
    gt_seqs = sequence_folders(gt)
    pred_seqs = sequence_folders(pred)
    pairs: dict[str, tuple[Path, Path]]
    if len(gt_seqs) == 1 and len(pred_seqs) == 1 and sequences is None:
        pairs = {name: (next(iter(pred_seqs.values())), d) for name, d in gt_seqs.items()}
    else:
        wanted = sequences if sequences is not None else [n for n in gt_seqs if n in pred_seqs]
        unknown = [n for n in wanted if n not in gt_seqs]
        if unknown:
            raise AnnotatorError(f"no ground truth for {', '.join(unknown)} under {gt}")
        if not wanted:
            raise AnnotatorError(
                f"no sequence of {pred} ({', '.join(list(pred_seqs)[:5])}) is in {gt} "
                f"({', '.join(list(gt_seqs)[:5])}{', ...' if len(gt_seqs) > 5 else ''})"
            )
        pairs = {}
        for name in wanted:
            if name not in pred_seqs:
                raise AnnotatorError(f"no predictions for sequence {name} under {pred}")
            pairs[name] = (pred_seqs[name], gt_seqs[name])
    per_sequence = {}
    frames = unmatched = 0
    for name, (p, g) in pairs.items():
        per_sequence[name], count, missing = evaluate_sequence(p, g)
        frames += count
        unmatched += missing
        if missing:
            log.warning(
                "%s: %d of %d frames have no prediction; scored as empty", name, missing, count
            )
        if on_sequence is not None:
            on_sequence(name)
    if frames and unmatched == frames:
        raise AnnotatorError(
            f"no prediction PNG in {pred} is named like a ground-truth frame (00000.png, ...)"
        )
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
