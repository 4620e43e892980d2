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
