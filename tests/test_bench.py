"""``annotator bench`` produces its JSON reports (figures are not asserted: machines are noisy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.bench.video import bench_seek
from tests.test_cli_track import run_cli


def test_video_bench_report_shape() -> None:
    report = bench_seek(frames=40, width=160, height=96, seeks=10)
    assert report["frames"] == 40
    assert report["seek_median_ms"] > 0 and report["sequential_fps"] > 0


def bench_cli(tmp_path: Path, what: str) -> dict:  # type: ignore[type-arg]
    """``annotator bench WHAT --frames 1 --json F``: the report it wrote, same as it printed."""
    out = tmp_path / f"{what}.json"
    proc = run_cli("bench", what, "--frames", "1", "--json", out, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert json.loads(proc.stdout) == report
    return report


@pytest.mark.slow
def test_tracker_bench_cli_writes_json(tmp_path: Path) -> None:
    report = bench_cli(tmp_path, "tracker")
    cpu = report["results"]["cpu"]
    for size in ("480p", "1080p"):
        for count in (1, 5, 20):
            case = cpu[f"{size}_{count}"]
            # Rates only: comparing two timings of one frame is a timed assertion, and
            # failed on a loaded machine (end to end 0.388/s against 0.249 steps/s).
            assert case["tracker_steps_per_s"] > 0 and case["end_to_end_fps"] > 0
            assert set(case["breakdown_ms"]) == {
                "decode", "crop", "network", "select", "paste", "encode",
            }  # fmt: skip
            assert case["breakdown_ms"]["network"] > 0 and case["breakdown_ms"]["decode"] > 0
    assert cpu["batched_speedup_vs_sequential"] > 0
    assert set(cpu["host_ms_per_object"]) == {
        "1080p_small_object", "1080p_half_height_object", "1080p_large_object",
    }  # fmt: skip
    assert all(ms > 0 for ms in cpu["host_ms_per_object"].values())


def test_store_bench_report_shape() -> None:
    from annotator.bench.store import bench_store

    report = bench_store(frames=200, objects=3, width=96, height=64)
    assert report["masks_stored"] == 200 * 3  # the run, redone after undo
    assert report["late_vs_early_commit_ratio"] > 0 and report["reopen_s"] >= 0


def test_flow_bench_cli_writes_json(tmp_path: Path) -> None:
    report = bench_cli(tmp_path, "flow")
    row = report["results"]["480p_medium"]
    assert row["fps_1_object"] > 0 and row["fps_5_objects"] > 0 and row["fps_flow_only"] > 0
    assert set(report["results"]) == {
        f"{size}_{preset}" for size in ("480p", "1080p") for preset in ("medium", "fast")
    }


def test_export_memory_stays_flat_with_length() -> None:
    from annotator.bench.export import _held_mb, bench_export

    report = bench_export(frames=300, objects=2, width=64, height=48)
    for name, row in report["results"].items():
        assert (row["short_frames"], row["full_frames"]) == (30, 300)
        # Ten times the frames, the same memory held (what grew would be per frame).
        assert row["held_growth_mb_full_vs_short"] < 0.05, (name, row)

    # The measure sees an exporter that keeps every frame it wrote.
    def leaky(job, out):  # type: ignore[no-untyped-def]
        kept = []
        for f in job:
            kept.append(bytearray(100_000))
            yield f

    assert _held_mb(leaky, range(10), Path(".")) < _held_mb(leaky, range(100), Path(".")) - 5


def test_stroke_bench_cli_times_every_case(tmp_path: Path) -> None:
    report = bench_cli(tmp_path, "stroke")
    assert report["frame_size"] == [854, 480] and report["goal_ms"] == 150.0
    assert set(report["results"]) == {
        "missed_half_foreground_stroke",
        "wrong_band_background_stroke",
        "click_in_missed_half",
        "stroke_across_the_frame",
        "lost_object_placed_from_keyframe",
        "lost_object_grown_since_keyframe",
    }
    for row in report["results"].values():
        assert 0 < row["median_ms"] <= row["p95_ms"] <= row["max_ms"]
    worst = max(r["p95_ms"] for r in report["results"].values())
    assert report["worst_p95_ms"] == worst and report["within_goal"] == (worst <= 150.0)


def test_box_bench_cli_times_the_vote_against_one_cut(tmp_path: Path) -> None:
    report = bench_cli(tmp_path, "box")
    assert report["frame_size"] == [854, 480] and report["vote_margins"] == [1.0, 0.25]
    assert set(report["results"]) == {"disc", "disc_loose", "square", "square_loose"}
    for row in report["results"].values():
        for label in ("vote", "one_cut"):
            assert 0 < row[f"{label}_median_ms"] <= row[f"{label}_max_ms"]
            assert 0.0 <= row[f"{label}_iou"] <= 1.0
        assert row["vote_vs_one_cut"] > 0
    # The sample clip's shapes on their tight boxes are found whole either way.
    assert report["results"]["disc"]["vote_iou"] > 0.9


def test_matte_bench_cli_compares_both_methods_with_the_baselines(tmp_path: Path) -> None:
    report = bench_cli(tmp_path, "matte")
    assert set(report["results"]) == {"480p", "1080p"}
    for row in report["results"].values():
        assert row["guided_ms"] > 0 and row["closed-form_ms"] > 0
        # Both methods beat the hard mask and the plain feather on the known alpha.
        for method in ("guided", "closed-form"):
            assert row[f"error_{method}"] < row["error_feather_2px"] < row["error_hard"]
    assert report["default_method"] in ("guided", "closed-form")
    assert report["default_in_code"] == "guided"
