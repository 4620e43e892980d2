"""Score ranking figures and the effort curve, on cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotator.commands.eval_report import effort_to_reach, rank, score_quality, spearman


def test_rank_averages_ties() -> None:
    assert rank(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [2.5, 0.0, 2.5, 1.0]


def test_spearman_of_orderings() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2, 3], [5, 5, 5]))


def test_score_quality_finds_bad_frames_only_when_scores_point_at_them() -> None:
    j = np.linspace(0.3, 1.0, 100)  # 57 frames under 0.7
    good = score_quality(j, j)  # the score is J itself
    assert good["spearman"] == pytest.approx(1.0)
    assert good["bad_share"] == pytest.approx(0.57)
    assert good["precision_at_10"] == 1.0
    assert good["recall_at_10"] == pytest.approx(10 / np.sum(j < 0.7))
    flat = score_quality(j, np.ones(100))  # a score that says nothing finds nothing
    assert flat["precision_at_10"] == 0.0 and math.isnan(flat["spearman"])
    backwards = score_quality(j, 1 - j)
    assert backwards["precision_at_10"] == 0.0 and backwards["spearman"] == pytest.approx(-1.0)


def test_effort_to_reach_interpolates_between_settings() -> None:
    curve = [
        {"keyframes_per_100": 1.0, "JF": 0.5},
        {"keyframes_per_100": 10.0, "JF": 0.8},
        {"keyframes_per_100": 20.0, "JF": 0.9},
    ]
    assert effort_to_reach(curve, 0.85) == pytest.approx(15.0)
    assert effort_to_reach(curve, 0.4) == pytest.approx(1.0)
    assert effort_to_reach(curve, 0.95) is None
