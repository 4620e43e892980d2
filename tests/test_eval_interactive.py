"""``annotator eval-interactive``: a box, then correction rounds, on generated clips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from annotator.commands.eval_interactive import summarise
from annotator.commands.scribble import correct_regions
from tests.test_cli_track import run_cli
from tests.test_metrics_eval import synthetic_davis

ROUND_KEYS = {"round", "J", "F", "JF"}


def check_rounds(rounds: list, count: int) -> None:  # type: ignore[type-arg]
    assert [r["round"] for r in rounds] == list(range(count))
    for r in rounds:
        assert set(r) == ROUND_KEYS
        assert 0.0 <= r["J"] <= 1.0 and 0.0 <= r["F"] <= 1.0
        assert r["JF"] == pytest.approx((r["J"] + r["F"]) / 2)


def test_eval_interactive_prints_exactly_the_documented_json(tmp_path: Path) -> None:
    synthetic_davis(tmp_path, n=12)
    # a second sequence whose annotations do not match its frames: reported, the other goes on
    broken = "broken"
    shutil.copytree(tmp_path / "JPEGImages/480p/shapes", tmp_path / "JPEGImages/480p" / broken)
    (tmp_path / "Annotations/480p" / broken).mkdir()
    shutil.copy(
        tmp_path / "Annotations/480p/shapes/00000.png", tmp_path / "Annotations/480p" / broken
    )
    proc = run_cli(
        "eval-interactive", tmp_path, "--rounds", "2", "--tracker", "flow", "--json", "--jobs", "2"
    )
    assert proc.returncode == 1, proc.stderr  # one sequence failed
    assert "failed: broken: 12 frames but 1 annotations" in proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"init_J", "rounds", "auc_JF", "sequences"}
    assert set(report["sequences"]) == {"shapes"}
    seq = report["sequences"]["shapes"]
    assert set(seq) == {"init_J", "rounds"}
    check_rounds(seq["rounds"], 3)
    check_rounds(report["rounds"], 3)
    assert report["init_J"] == pytest.approx(seq["init_J"]) and report["init_J"] > 0.5
    assert report["auc_JF"] == pytest.approx(np.mean([r["JF"] for r in report["rounds"]]))
    # corrections do not make things worse on these easy shapes
    assert report["rounds"][2]["JF"] >= report["rounds"][0]["JF"] - 0.02


def test_eval_interactive_perfect_corrections_and_table(tmp_path: Path) -> None:
    synthetic_davis(tmp_path, n=10)
    trace = tmp_path / "trace.json"
    proc = run_cli(
        "eval-interactive", tmp_path, "--rounds", "2", "--tracker", "flow", "--perfect",
        "--trace", trace,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "init J" in proc.stderr and "auc J&F" in proc.stderr  # the table
    report = json.loads(proc.stdout)
    check_rounds(report["rounds"], 3)
    # the trace: one entry per round, tying each correction to the rounds' figures
    rounds = json.loads(trace.read_text())["shapes"]
    assert [c["round"] for c in rounds] == [1, 2]
    assert rounds[0]["frame"] != rounds[1]["frame"]
    history = report["sequences"]["shapes"]["rounds"]
    for c in rounds:
        assert c["JF_before"] == pytest.approx(history[c["round"] - 1]["JF"])
        assert c["JF_after"] == pytest.approx(history[c["round"]]["JF"])
        assert len(c["objects"]) == 2  # the clip's two objects
        for obj in c["objects"]:
            assert set(obj) == {"object", "J_before", "J_after", "J_regions"}
            # the ground truth is what the perfect user leaves on the frame
            assert obj["J_after"] == pytest.approx(1.0)
            assert obj["J_before"] <= obj["J_regions"] <= 1.0


def test_exact_regions_user_fixes_only_the_two_stroked_regions(tmp_path: Path) -> None:
    truth = np.zeros((60, 80), np.uint8)
    truth[10:50, 10:40] = 1
    mask = truth.copy()
    mask[10:30, 10:20] = 0  # the largest missing region
    mask[40:50, 30:40] = 0  # a smaller one, left as it is
    mask[5:20, 50:70] = 1  # the largest wrong region
    mask[50:54, 60:64] = 1  # a smaller one, left as it is
    fixed = correct_regions(truth, mask)
    assert fixed[10:30, 10:20].all() and not fixed[5:20, 50:70].any()
    assert not fixed[40:50, 30:40].any() and fixed[50:54, 60:64].all()
    synthetic_davis(tmp_path, n=10)
    proc = run_cli("eval-interactive", tmp_path, "--rounds", "1", "--exact-regions")
    assert proc.returncode == 0, proc.stderr
    check_rounds(json.loads(proc.stdout)["rounds"], 2)


def test_summarise_means_over_sequences() -> None:
    def seq(init: float, jf: list[float]) -> dict:  # type: ignore[type-arg]
        return {
            "init_J": init,
            "rounds": [{"round": i, "J": v, "F": v, "JF": v} for i, v in enumerate(jf)],
        }

    report = summarise({"a": seq(0.5, [0.2, 0.4]), "b": seq(0.7, [0.6, 0.8])})
    assert report["init_J"] == pytest.approx(0.6)
    assert [r["JF"] for r in report["rounds"]] == pytest.approx([0.4, 0.6])
    assert report["auc_JF"] == pytest.approx(0.5)


def test_eval_interactive_bad_input_is_one_line(tmp_path: Path) -> None:
    proc = run_cli("eval-interactive", tmp_path, "--rounds", "1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not a DAVIS root" in proc.stderr
    # a trace that cannot be written: one line, and the report is still printed
    synthetic_davis(tmp_path, n=8)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = run_cli(
        "eval-interactive", tmp_path, "--rounds", "1", "--json", "--trace", blocker / "t.json"
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "a-file" in proc.stderr.strip().splitlines()[-1]
    assert set(json.loads(proc.stdout)) == {"init_J", "rounds", "auc_JF", "sequences"}


def test_an_object_the_truth_hides_is_marked_absent_not_painted(tmp_path: Path) -> None:
    from annotator.commands.eval_interactive import correct
    from annotator.commands.propagate import add_box_objects, run_propagation
    from annotator.core.model import AnnotationModel
    from annotator.formats.palette import read_label_png
    from annotator.propagation import PropagationPlan
    from annotator.tracking.flow import FlowTracker
    from annotator.tracking.geometry import mask_bbox
    from annotator.video.frame_source import open_source

    synthetic_davis(tmp_path, n=10)
    labels = sorted((tmp_path / "Annotations/480p/shapes").glob("*.png"))
    gts = [read_label_png(p) for p in labels]
    tracker = FlowTracker()
    with open_source(tmp_path / "JPEGImages/480p/shapes") as source:
        model = AnnotationModel(len(source), history_bytes=0)
        boxes = [mask_bbox(gts[0] == k) for k in (1, 2)]
        ids = add_box_objects(model, tracker, source[0], 0, [b for b in boxes if b], None)
        run_propagation(model, source, tracker, PropagationPlan.from_model(model, 0, "forward"))
        before = {f: model.mask(ids[0], f) for f in range(10)}
        hidden = gts[5].copy()
        hidden[hidden == 1] = 0  # object 1 is not on frame 5 any more
        correct(model, source, tracker, 5, hidden, list(zip(ids, (1, 2), strict=True)), "strokes")
    cell = model.mask(ids[0], 5)
    assert cell is not None and cell.absent and cell.locked
    # nothing propagates from an absent frame: object 1's other frames are as they were
    assert all(model.mask(ids[0], f) == before[f] for f in range(10) if f != 5)
    assert model.mask(ids[1], 5) is not None and model.mask(ids[1], 5).locked
