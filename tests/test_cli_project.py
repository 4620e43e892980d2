"""``annotator track --project``, ``propagate`` and ``info`` end to end, in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from annotator.store.project import ProjectStore
from annotator.video.synthetic import render_frames
from tests.test_cli_track import run_cli


@pytest.fixture()
def disc_clip(tmp_path: Path) -> Path:
    """40 frames 200x120 of the synthetic clip (a disc and a square) as PNGs."""
    folder = tmp_path / "clip"
    folder.mkdir()
    frames, _ = render_frames(40, 200, 120)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"{i:05d}.png")
    return folder


def _info(project: Path) -> dict:  # type: ignore[type-arg]
    proc = run_cli("info", project)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def track_disc_into(project: Path, clip: Path, weights: Path, start: int) -> tuple[str | Path, ...]:
    """``annotator track`` of the disc from frame ``start`` into ``project``; returns the
    tracker options (seeded weights on the CPU) for the commands that follow."""
    common = ("--weights", weights, "--device", "cpu")
    proc = run_cli(
        "track", clip, "--box", "80,18,40,40", "--start-frame", str(start),
        "--project", project, *common,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return common


def test_track_into_a_project_then_propagate_backward_and_info(
    tmp_path: Path, disc_clip: Path, seeded_weights_file: Path
) -> None:
    project = tmp_path / "p.annot"
    common = track_disc_into(project, disc_clip, seeded_weights_file, 30)
    info = _info(project)
    assert info["video"]["frame_count"] == 40
    assert info["video"]["fingerprint"]["width"] == 200
    [obj] = info["objects"]
    assert obj["id"] == 1 and obj["keyframes"] == [30]
    assert obj["frames"]["init"] == 1 and obj["frames"]["propagated"] == 9

    proc = run_cli("propagate", project, "--from", "30", "--direction", "backward", *common)
    assert proc.returncode == 0, proc.stderr
    assert _info(project)["objects"][0]["frames"]["propagated"] == 39

    # a second object, recorded into the same project, gets the next id
    proc = run_cli("track", disc_clip, "--box", "124,30,40,40", "--project", project, *common)
    assert proc.returncode == 0, proc.stderr
    counts = {o["id"]: o["frames"] for o in _info(project)["objects"]}
    assert counts[2]["init"] == 1 and counts[2]["propagated"] == 39
    # propagating object 1 forward from frame 0 stops before its keyframe at 30
    proc = run_cli("propagate", project, "--from", "0", "--objects", "1", *common)
    assert proc.returncode == 0, proc.stderr
    frames = _info(project)["objects"][0]["frames"]
    assert frames["init"] == 1 and frames["propagated"] + frames["blended"] == 39


def test_bad_project_input_is_refused(tmp_path: Path, disc_clip: Path) -> None:
    garbage = tmp_path / "x.annot"
    garbage.write_bytes(b"junk" * 100)
    for args in (("info", garbage), ("propagate", garbage, "--from", "0")):
        proc = run_cli(*args)
        assert proc.returncode == 2 and "not an annotator project" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert garbage.read_bytes() == b"junk" * 100
    # a project whose video has changed is not written
    project = tmp_path / "p.annot"
    from annotator.video.frame_source import open_source

    with open_source(disc_clip) as src:
        fp = src.fingerprint().as_dict()
    ProjectStore.create(project, str(disc_clip), dict(fp, first_frame_sha1="other")).close()
    proc = run_cli("propagate", project, "--from", "0")
    assert proc.returncode == 2 and "not the one" in proc.stderr


@pytest.mark.slow
def test_sigkill_during_propagate_keeps_every_committed_frame(
    tmp_path: Path, disc_clip: Path, seeded_weights_file: Path
) -> None:
    project = tmp_path / "p.annot"
    common = track_disc_into(project, disc_clip, seeded_weights_file, 39)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "annotator",
            "propagate",
            str(project),
            "--from",
            "39",
            "--direction",
            "backward",
            *map(str, common),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        with sqlite3.connect(project) as db:
            seen = db.execute(
                "SELECT COUNT(*) FROM masks WHERE provenance='propagated'"
            ).fetchone()[0]
        if seen >= 5:
            break
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "propagate ended before it could be killed"
    with ProjectStore.open(project) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        frames = sorted(store.model.frames_of(1))
        propagated = [f for f in frames if f != 39]
        assert len(propagated) >= seen >= 5
        # committed frames are contiguous from the start frame backwards
        assert propagated == list(range(39 - len(propagated), 39))
