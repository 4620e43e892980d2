"""``annotator bench`` produces its JSON reports (figures are not asserted: machines are noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.video.bench import bench_seek


def test_video_bench_report_shape() -> None:
    report = bench_seek(frames=40, width=160, height=96, seeks=10)
    assert report["frames"] == 40
    assert report["seek_median_ms"] > 0 and report["sequential_fps"] > 0


@pytest.mark.slow
def test_tracker_bench_cli_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "bench",
            "tracker",
            "--frames",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    cpu = report["results"]["cpu"]
    for key in ("fps_1_object", "fps_4_objects_batched", "fps_4_objects_sequential"):
        assert cpu[key] > 0
    assert cpu["batched_speedup_vs_sequential"] == pytest.approx(
        cpu["fps_4_objects_batched"] / cpu["fps_4_objects_sequential"], rel=0.01
    )


def test_store_bench_report_shape() -> None:
    from annotator.store.bench import bench_store

    report = bench_store(frames=200, objects=3, width=96, height=64)
    assert report["masks_stored"] == 200 * 3  # the run, redone after undo
    assert report["late_vs_early_commit_ratio"] > 0 and report["reopen_s"] >= 0


def test_flow_bench_cli_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "flow.json"
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", "bench", "flow", "--frames", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    row = report["results"]["480p_medium"]
    assert row["fps_1_object"] > 0 and row["fps_5_objects"] > 0 and row["fps_flow_only"] > 0
    assert set(report["results"]) == {
        f"{size}_{preset}"
        for size in ("480p", "1080p")
        for preset in ("medium", "fast", "ultrafast")
    }
