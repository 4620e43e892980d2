"""DAVIS J and F on cases worked out by hand; ``annotator eval`` and ``eval-sim`` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.errors import AnnotatorError
from annotator.formats.palette import read_label_png, write_index_png
from annotator.metrics import Summary, boundary_f, boundary_map, jaccard
from annotator.video.synthetic import render_frames
from tests.conftest import SHARED, need
from tests.test_cli_track import run_cli


def left_columns(n: int, size: int = 20) -> np.ndarray:
    m = np.zeros((size, size), np.uint8)
    m[:, :n] = 1
    return m


def test_jaccard_by_hand() -> None:
    a = np.zeros((10, 10), np.uint8)
    b = np.zeros((10, 10), np.uint8)
    a[0:4, 0:4] = 1  # 16 pixels
    b[2:6, 2:6] = 1  # 16 pixels, 4 shared
    assert jaccard(a, b) == pytest.approx(4 / 28)
    assert jaccard(a, a) == 1.0
    assert jaccard(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0  # both empty
    assert jaccard(a, np.zeros_like(a)) == 0.0


def test_boundary_map_by_hand() -> None:
    # The left ten columns: the boundary is column 9 only (its right neighbour differs).
    b = boundary_map(left_columns(10))
    assert b.sum() == 20 and b[:, 9].all()
    # A 2x2 blob: three of its own pixels and five outside ones whose right,
    # lower or lower-right neighbour is inside.
    blob = np.zeros((20, 20), np.uint8)
    blob[5:7, 15:17] = 1
    expected = {(5, 16), (6, 15), (6, 16), (4, 14), (4, 15), (4, 16), (5, 14), (6, 14)}
    assert set(zip(*np.nonzero(boundary_map(blob)), strict=True)) == expected


def test_boundary_f_by_hand() -> None:
    gt = left_columns(10)
    assert boundary_f(gt, gt, tolerance=1) == 1.0
    # Boundaries two columns apart: matched within 2 px, not within 1 px.
    assert boundary_f(left_columns(12), gt, tolerance=1) == 0.0
    assert boundary_f(left_columns(12), gt, tolerance=2) == 1.0
    # An extra far blob: precision 20/28, recall 1, F = 2PR/(P+R) = 40/48.
    pred = gt.copy()
    pred[5:7, 15:17] = 1
    assert boundary_f(pred, gt, tolerance=1) == pytest.approx(40 / 48)
    # The DAVIS tolerance: 0.008 x diagonal, rounded up: 1 px on a 20x20 image.
    assert boundary_f(left_columns(12), gt) == 0.0
    assert boundary_f(np.zeros_like(gt), gt) == 0.0
    assert boundary_f(np.zeros_like(gt), np.zeros_like(gt)) == 1.0


def test_summary_mean_recall_decay() -> None:
    s = Summary.of([1.0, 1.0, 0.0, 0.0])
    # Four bins over four frames: [1, 1], [1, 0], [0], [0, 0]; decay = 1 - 0.
    assert (s.mean, s.recall, s.decay) == (0.5, 0.5, 1.0)
    assert Summary.of([0.4, 0.6, 0.8]).recall == pytest.approx(2 / 3)


def write_sequence(folder: Path, labels: list[np.ndarray]) -> None:
    folder.mkdir(parents=True)
    for i, lab in enumerate(labels):
        write_index_png(folder / f"{i:05d}.png", lab)


def test_eval_cli_scores_objects_and_skips_frames_without_ground_truth(tmp_path: Path) -> None:
    lab = np.zeros((30, 40), np.uint8)
    lab[5:15, 5:15] = 1
    lab[18:28, 20:35] = 2
    gt = tmp_path / "gt" / "Annotations" / "480p" / "seq"
    pred = tmp_path / "pred" / "Annotations" / "480p" / "seq"
    write_sequence(gt, [lab, lab, lab])
    wrong = lab.copy()
    wrong[wrong == 2] = 0  # object 2 missed on frame 1
    write_sequence(pred, [lab, wrong, lab, np.zeros_like(lab)])  # frame 3 has no ground truth
    proc = run_cli("eval", tmp_path / "pred", tmp_path / "gt", "--json", tmp_path / "r.json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert json.loads((tmp_path / "r.json").read_text()) == report
    objects = report["sequences"]["seq"]["objects"]
    assert objects["1"]["J"]["mean"] == 1.0 and objects["1"]["frames"] == 3
    assert objects["2"]["J"]["mean"] == pytest.approx(2 / 3)
    assert objects["2"]["J"]["recall"] == pytest.approx(2 / 3)
    assert objects["2"]["F"]["mean"] == pytest.approx(2 / 3)
    assert report["J"]["mean"] == pytest.approx((1 + 2 / 3) / 2)
    assert "overall" in proc.stderr


def test_eval_reads_davis2016_grey_masks_and_rejects_other_images(tmp_path: Path) -> None:
    grey = np.zeros((8, 8), np.uint8)
    grey[2:5, 2:5] = 255
    Image.fromarray(grey, mode="L").save(tmp_path / "a.png")
    assert read_label_png(tmp_path / "a.png").max() == 1
    Image.fromarray(np.full((8, 8, 3), 7, np.uint8)).save(tmp_path / "rgb.png")
    with pytest.raises(AnnotatorError, match="not a palette"):
        read_label_png(tmp_path / "rgb.png")
    proc = run_cli("eval", tmp_path / "nothing", tmp_path)
    assert proc.returncode != 0 and "not a folder" in proc.stderr


def test_eval_scores_only_predicted_sequences_and_refuses_a_prediction_that_matches_nothing(
    tmp_path: Path,
) -> None:
    lab = np.zeros((30, 40), np.uint8)
    lab[5:15, 5:15] = 1
    for name in ("a", "b", "c"):
        write_sequence(tmp_path / "gt" / "Annotations" / "480p" / name, [lab, lab])
    # The prediction names the Annotations level itself and holds sequence a, missing frame 1.
    write_sequence(tmp_path / "pred" / "Annotations" / "a", [lab])
    proc = run_cli("eval", tmp_path / "pred" / "Annotations", tmp_path / "gt")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert list(report["sequences"]) == ["a"]
    assert report["J"]["mean"] == pytest.approx(0.5)
    assert proc.stderr.count("no prediction") == 1 and "1 of 2 frames" in proc.stderr
    proc = run_cli("eval", tmp_path / "pred", tmp_path / "gt", "--seq", "b")
    assert proc.returncode == 2 and "no predictions for sequence b" in proc.stderr
    # Files named unlike the ground truth: nothing is scored, and it says so.
    wrong = tmp_path / "wrong" / "a"
    wrong.mkdir(parents=True)
    write_index_png(wrong / "frame_1.png", lab)
    (wrong.parent / "z").mkdir()
    write_index_png(wrong.parent / "z" / "x.png", lab)
    proc = run_cli("eval", tmp_path / "wrong", tmp_path / "gt")
    assert proc.returncode == 2 and "named like a ground-truth frame" in proc.stderr
    proc = run_cli("eval", tmp_path / "wrong" / "z", tmp_path / "gt")
    assert proc.returncode == 2 and "is in" in proc.stderr


def synthetic_davis(root: Path, n: int = 16) -> None:
    """A DAVIS-2017 style root: the sample clip's frames and palette annotations of both objects."""
    frames, truths = render_frames(n, 320, 180)
    images = root / "JPEGImages" / "480p" / "shapes"
    images.mkdir(parents=True)
    labels = []
    for i, (frame, (disc, square)) in enumerate(zip(frames, truths, strict=True)):
        Image.fromarray(frame).save(images / f"{i:05d}.jpg", quality=95)
        lab = np.zeros(disc.shape, np.uint8)
        lab[disc > 0] = 1
        lab[square > 0] = 2
        labels.append(lab)
    write_sequence(root / "Annotations" / "480p" / "shapes", labels)


def test_eval_sim_prints_exactly_the_documented_json(tmp_path: Path) -> None:
    synthetic_davis(tmp_path)
    proc = run_cli("eval-sim", tmp_path, "--tracker", "flow", "--keyframe-every", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "tracker: flow" in proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"sequences", "J", "F", "JF", "keyframes_per_100", "score"}
    assert set(report["sequences"]) == {"shapes"}
    seq = report["sequences"]["shapes"]
    assert set(seq) == {"J", "F", "JF", "frames", "keyframes"}
    assert seq["frames"] == 16 - 4 and seq["keyframes"] == 4  # keyframes 0, 5, 10, 15
    assert all(isinstance(seq[k], float) for k in ("J", "F", "JF"))
    assert seq["J"] > 0.8 and seq["JF"] == pytest.approx((seq["J"] + seq["F"]) / 2)
    assert report["J"] == seq["J"]
    assert report["keyframes_per_100"] == pytest.approx(100 * 4 / 16)
    assert set(report["score"]) == {"spearman", "bad_share", "recall_at_10", "precision_at_10"}


def test_eval_sim_curve_over_a_split_in_parallel(tmp_path: Path) -> None:
    synthetic_davis(tmp_path / "a")
    # Two sequences: the same clip under two names, run by two worker processes.
    root = tmp_path / "a"
    for sub in ("JPEGImages/480p", "Annotations/480p"):
        shutil.copytree(root / sub / "shapes", root / sub / "shapes2")
    proc = run_cli("eval-sim", root, "--tracker", "flow", "--curve", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    settings = out["settings"]
    assert list(settings) == ["none", "every 20", "every 10", "every 5"]
    assert settings["none"]["sequences"]["shapes"] == settings["none"]["sequences"]["shapes2"]
    densities = [s["keyframes_per_100"] for s in settings.values()]
    assert densities == sorted(densities) and densities[0] == pytest.approx(100 / 16)
    assert settings["every 5"]["JF"] >= settings["none"]["JF"] - 0.02
    # The table names every sequence and setting; the effort line is there.
    assert "shapes2" in proc.stderr and "every 10" in proc.stderr
    assert "every 5: 100%" in proc.stderr and "2/2" in proc.stderr  # progress per sequence
    assert "keyframes per 100 frames for J&F 0.85" in proc.stderr
    effort = out["keyframes_per_100_for_085"]
    assert effort is None or densities[0] <= effort <= densities[-1]


def test_eval_sim_on_davis2016_with_grey_masks() -> None:
    root = SHARED / "data" / "davis2016"
    need(root / "Annotations" / "480p" / "car-shadow", "the DAVIS-2016 sample")
    proc = run_cli(
        "eval-sim",
        root,
        "--seq",
        "car-shadow",
        "--tracker",
        "flow",
        "--keyframe-every",
        "10",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    seq = json.loads(proc.stdout)["sequences"]["car-shadow"]
    assert seq["frames"] == 40 - 5  # keyframes 0, 10, 20, 30, 39
    assert seq["J"] > 0.9


def test_eval_sim_bad_root_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("eval-sim", tmp_path, "--tracker", "flow")
    assert proc.returncode != 0 and "not a DAVIS root" in proc.stderr


def test_eval_sim_runs_siammask_with_given_weights(
    tmp_path: Path, seeded_weights_file: Path
) -> None:
    synthetic_davis(tmp_path, n=8)
    proc = run_cli(
        "eval-sim", tmp_path, "--tracker", "siammask", "--weights", seeded_weights_file,
        "--keyframe-every", "4", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "tracker: siammask" in proc.stderr
    seq = json.loads(proc.stdout)["sequences"]["shapes"]
    assert seq["frames"] == 8 - 3  # keyframes 0, 4, 7
    assert 0.0 <= seq["J"] <= 1.0  # random weights: the numbers mean nothing, the path works
