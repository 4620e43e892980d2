"""Summaries of a simulated annotator's runs: score ranking, the effort curve, tables.

A *record* is one scored cell: ``(sequence, frame, object, J, F, score)``;
``score`` is what the tracker stored for that cell (NaN when it stored none).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

# A frame under this J is one a user would want to fix ("bad").
BAD_J = 0.7
# The share of lowest-scoring frames a user would look at with N / P.
DOUBTFUL_SHARE = 0.10
# The J&F the effort curve asks for.
TARGET_JF = 0.85


def rank(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of ``values`` (n,), ties given their mean rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    # Average the ranks of tied values, so constant scores correlate as 0, not by chance.
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation of two equal-length series; NaN when either is constant."""
    x, y = rank(np.asarray(a, np.float64)), rank(np.asarray(b, np.float64))
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def score_quality(j: Sequence[float], score: Sequence[float]) -> dict[str, float]:
    """How well per-frame scores point at bad frames.

    spearman: rank correlation of score with J (1 = perfect ordering).
    bad_share: share of frames with J < ``BAD_J``.
    recall_at_10: share of those bad frames that are among the 10% lowest scores.
    precision_at_10: share of the 10% lowest-scoring frames that are bad.
    """
    jv = np.asarray(j, np.float64)
    sv = np.nan_to_num(np.asarray(score, np.float64), nan=1.0)
    if jv.size == 0:
        return {"spearman": math.nan, "bad_share": math.nan, "recall_at_10": math.nan,
                "precision_at_10": math.nan}  # fmt: skip
    bad = jv < BAD_J
    k = max(round(DOUBTFUL_SHARE * jv.size), 1)
    # Ties at the cut are broken towards the frame with the better J: a score
    # that cannot tell frames apart earns nothing.
    lowest = np.lexsort((-jv, sv))[:k]
    hits = int(bad[lowest].sum())
    return {
        "spearman": spearman(jv, sv),
        "bad_share": float(bad.mean()),
        "recall_at_10": hits / int(bad.sum()) if bad.any() else math.nan,
        "precision_at_10": hits / k,
    }


def effort_to_reach(curve: list[dict[str, Any]], target: float = TARGET_JF) -> float | None:
    """Keyframes per 100 frames at which J&F reaches ``target``, interpolated on ``curve``.

    ``curve`` holds points ``{"keyframes_per_100", "JF"}``. None when no point reaches it.
    """
    points = sorted((p["keyframes_per_100"], p["JF"]) for p in curve)
    if not points:
        return None
    if points[0][1] >= target:
        return float(points[0][0])
    for (d0, q0), (d1, q1) in itertools.pairwise(points):
        if q1 >= target > q0:
            return float(d0 + (target - q0) * (d1 - d0) / (q1 - q0))
    return None


def format_sequences(report: dict[str, Any]) -> str:
    """Per-sequence table of one keyframe setting, then the means and the score figures."""
    lines = [f"{'sequence':<24}{'frames':>8}{'J':>8}{'F':>8}{'J&F':>8}"]
    for name, r in report["sequences"].items():
        lines.append(f"{name:<24}{r['frames']:>8}{r['J']:>8.3f}{r['F']:>8.3f}{r['JF']:>8.3f}")
    lines.append(f"{'mean':<32}{report['J']:>8.3f}{report['F']:>8.3f}{report['JF']:>8.3f}")
    if "score" in report:
        s = report["score"]
        lines.append(
            f"score vs J: spearman {s['spearman']:.3f}, bad frames (J<{BAD_J}) "
            f"{s['bad_share']:.1%}, found in the lowest {DOUBTFUL_SHARE:.0%} "
            f"{s['recall_at_10']:.1%} (precision {s['precision_at_10']:.1%})"
        )
    return "\n".join(lines)


def format_curve(reports: dict[str, dict[str, Any]], effort: float | None) -> str:
    """The effort curve: one column per keyframe setting, one row per sequence."""
    names = list(reports)
    seqs = list(next(iter(reports.values()))["sequences"])
    lines = [f"{'J&F':<24}" + "".join(f"{n:>10}" for n in names)]
    for seq in seqs:
        lines.append(
            f"{seq:<24}" + "".join(f"{reports[n]['sequences'][seq]['JF']:>10.3f}" for n in names)
        )
    lines.append(f"{'mean':<24}" + "".join(f"{reports[n]['JF']:>10.3f}" for n in names))
    lines.append(
        f"{'keyframes/100':<24}"
        + "".join(f"{reports[n]['keyframes_per_100']:>10.1f}" for n in names)
    )
    reach = f"{effort:.1f}" if effort is not None else f"not reached at {names[-1]}"
    lines.append(f"keyframes per 100 frames for J&F {TARGET_JF}: {reach}")
    return "\n".join(lines)
