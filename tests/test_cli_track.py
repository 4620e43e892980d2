"""``annotator track`` end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.core import rle
from annotator.formats.palette import davis_palette


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def run_track_cli(
    source: Path, weights: Path, out: Path, box: str = "300,110,165,240"
) -> subprocess.CompletedProcess[str]:
    """``annotator track SOURCE --box BOX --weights W --out OUT``."""
    return run_cli("track", source, "--box", box, "--weights", weights, "--out", out)


def test_track_writes_pngs_and_track_json(
    tmp_path: Path, short_tennis: Path, seeded_weights_file: Path
) -> None:
    out = tmp_path / "out"
    proc = run_cli(
        "track",
        short_tennis,
        "--box",
        "300,110,165,240",
        "--box",
        "60,200,120,200",
        "--start-frame",
        "1",
        "--weights",
        seeded_weights_file,
        "--device",
        "cpu",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "track.json").read_text())
    assert set(doc) == {"source", "width", "height", "start_frame", "objects", "frames"}
    assert (doc["width"], doc["height"], doc["start_frame"]) == (854, 480, 1)
    assert doc["objects"] == [
        {"id": 1, "init_box": [300, 110, 165, 240]},
        {"id": 2, "init_box": [60, 200, 120, 200]},
    ]
    # The start frame's init masks come first, then every tracked frame.
    assert [f["index"] for f in doc["frames"]] == [1, 2, 3, 4]
    assert sorted(p.name for p in (out / "masks").iterdir()) == [
        f"{i:05d}.png" for i in (1, 2, 3, 4)
    ]
    assert all(o["score"] == 1.0 for o in doc["frames"][0]["objects"])
    for frame in doc["frames"]:
        png = Image.open(out / "masks" / f"{frame['index']:05d}.png")
        assert png.mode == "P"
        assert np.array_equal(
            np.array(png.getpalette()[:768], np.uint8).reshape(-1, 3), davis_palette()
        )
        labels = np.array(png)
        assert [o["id"] for o in frame["objects"]] == [1, 2]
        for obj in frame["objects"]:
            assert set(obj) == {"id", "score", "center", "size", "polygon", "bbox", "rle"}
            assert len(obj["polygon"]) == 8 and len(obj["bbox"]) == 4
            assert obj["rle"]["size"] == [480, 854] and isinstance(obj["rle"]["counts"], str)
        m1 = rle.decode(frame["objects"][0]["rle"]).astype(bool)
        m2 = rle.decode(frame["objects"][1]["rle"]).astype(bool)
        # the PNG puts the higher id on top; each RLE is the object's own mask
        assert np.array_equal(labels == 2, m2)
        assert np.array_equal(labels == 1, m1 & ~m2)

    # A second run into the same folder is refused, then allowed with --overwrite.
    again = ["track", short_tennis, "--box", "300,110,165,240", "--weights", seeded_weights_file]
    proc = run_cli(*again, "--device", "cpu", "--out", out)
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    assert json.loads((out / "track.json").read_text()) == doc
    proc = run_cli(*again, "--device", "cpu", "--out", out, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert len(list((out / "masks").iterdir())) == 5  # frames 0..4 of the new run


@pytest.mark.parametrize(
    ("box", "message"),
    [("0,0,0,10", "zero or negative size"), ("2000,10,20,20", "outside"), ("1,2,3", "X,Y,W,H")],
)
def test_bad_boxes_exit_cleanly(
    tmp_path: Path, short_tennis: Path, seeded_weights_file: Path, box: str, message: str
) -> None:
    proc = run_track_cli(short_tennis, seeded_weights_file, tmp_path / "o", box=box)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_and_empty_sources(tmp_path: Path, seeded_weights_file: Path) -> None:
    proc = run_track_cli(tmp_path / "nothing", seeded_weights_file, tmp_path / "o", box="1,1,5,5")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_track_cli(empty, seeded_weights_file, tmp_path / "o", box="1,1,5,5")
    assert proc.returncode == 2 and "holds no frames" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_frame_keeps_what_was_done(
    tmp_path: Path, short_tennis: Path, seeded_weights_file: Path
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for i, src in enumerate(sorted(short_tennis.iterdir())):
        (folder / src.name).write_bytes(src.read_bytes() if i != 3 else b"not a jpeg")
    out = tmp_path / "out"
    proc = run_track_cli(folder, seeded_weights_file, out)
    assert proc.returncode == 2
    assert "00003.jpg" in proc.stderr and "Traceback" not in proc.stderr
    doc = json.loads((out / "track.json").read_text())
    assert [f["index"] for f in doc["frames"]] == [0, 1, 2]  # the start frame, then 1 and 2


def test_wrong_and_truncated_checkpoints(
    tmp_path: Path, short_tennis: Path, seeded_weights_file: Path
) -> None:
    import torch

    wrong = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, wrong)
    proc = run_track_cli(short_tennis, wrong, tmp_path / "o")
    assert proc.returncode == 2 and "does not match the SiamMask" in proc.stderr
    assert "Traceback" not in proc.stderr
    truncated = tmp_path / "cut.pth"
    truncated.write_bytes(seeded_weights_file.read_bytes()[:100_000])
    proc = run_track_cli(short_tennis, truncated, tmp_path / "o")
    assert proc.returncode == 2 and "truncated or corrupt" in proc.stderr


def test_no_weights_says_where_it_looked(tmp_path: Path, short_tennis: Path) -> None:
    env_backup = dict(os.environ)
    try:
        os.environ["ANNOTATOR_MODELS_DIR"] = str(tmp_path)
        os.environ["HOME"] = str(tmp_path)
        os.environ.pop("ANNOTATOR_WEIGHTS", None)
        proc = run_cli(
            "track",
            short_tennis,
            "--box",
            "300,110,165,240",
            "--tracker",
            "siammask",
            "--out",
            tmp_path / "o",
        )
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    assert proc.returncode == 2
    assert "no SiamMask weights found" in proc.stderr and str(tmp_path) in proc.stderr


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_leaves_valid_output(
    tmp_path: Path, tennis_dir: Path, seeded_weights_file: Path
) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "annotator",
            "track",
            str(tennis_dir),
            "--box",
            "300,110,165,240",
            "--weights",
            str(seeded_weights_file),
            "--device",
            "cpu",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A runner started in the background (``cmd &`` in a script) ignores SIGINT,
        # and a child would inherit that and never see the Ctrl-C this test sends.
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (out / "masks").is_dir() and len(list((out / "masks").glob("*.png"))) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    doc = json.loads((out / "track.json").read_text())
    indices = [f["index"] for f in doc["frames"]]
    # The start frame (0), then every frame tracked before the interrupt.
    assert len(indices) >= 3 and indices == list(range(len(indices)))
    assert all((out / "masks" / f"{i:05d}.png").is_file() for i in indices)
