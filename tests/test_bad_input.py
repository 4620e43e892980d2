"""Bad input gets one line on stderr and exit 2, and the project is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotator.core import rle
from annotator.export.palette import write_index_png
from annotator.video.synthetic import render_frames
from tests.test_cli_project import disc_clip  # noqa: F401 - a fixture
from tests.test_cli_track import run_cli


def refused(proc, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr


@pytest.fixture()
def project(tmp_path: Path, disc_clip: Path) -> Path:  # noqa: F811
    """A project of the disc clip with the disc imported as keyframes."""
    _, masks = render_frames(40, 200, 120)
    davis = tmp_path / "davis" / "Annotations" / "480p" / "clip"
    davis.mkdir(parents=True)
    for i, (disc, _) in enumerate(masks[:5]):
        write_index_png(davis / f"{i:05d}.png", disc.astype(np.uint8))
    path = tmp_path / "work" / "p.annot"
    path.parent.mkdir()
    proc = run_cli("import", path, "--davis", tmp_path / "davis", "--video", disc_clip)
    assert proc.returncode == 0, proc.stderr
    return path


def info(project: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("info", project).stdout)


def test_an_export_never_replaces_its_own_project(project: Path) -> None:
    before = info(project)
    for out in (project, project.parent):
        proc = run_cli("export", project, "--format", "davis", "--out", out, "--overwrite")
        refused(proc, "would replace the project")
    assert info(project) == before


def test_a_coco_mask_of_the_wrong_size_is_refused(project: Path, tmp_path: Path) -> None:
    before = info(project)
    wrong = rle.encode(np.ones((60, 100), np.uint8))
    coco = {
        "images": [{"id": 1, "file_name": "00000.png", "height": 120, "width": 200}],
        "annotations": [
            {"id": 1, "image_id": 1, "track_id": 1, "category_id": 1, "segmentation": wrong}
        ],
        "categories": [{"id": 1, "name": "disc"}],
    }
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(coco))
    refused(run_cli("import", project, "--coco", path), "segmentation is 100x60")
    coco["annotations"][0]["segmentation"] = rle.encode(np.ones((120, 200), np.uint8))
    coco["annotations"][0]["track_id"] = "first"
    path.write_text(json.dumps(coco))
    refused(run_cli("import", project, "--coco", path), "ValueError")
    assert info(project) == before


def test_absurd_boxes_are_refused(disc_clip: Path, tmp_path: Path) -> None:  # noqa: F811
    for box, why in (("0,0,1e9,1e9", "times the 200x120 image"), ("100,100,0.001,0.001", "pixel")):
        for tracker in ("flow", "siammask"):
            proc = run_cli(
                "track", disc_clip, "--box", box, "--tracker", tracker,
                "--out", tmp_path / f"out-{tracker}",
            )  # fmt: skip
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
            # SiamMask without weights may stop first, at its missing checkpoint
            assert why in proc.stderr or (tracker == "siammask" and "weights" in proc.stderr)


def test_bad_counts_and_unwritable_paths(tmp_path: Path) -> None:
    refused(run_cli("bench", "flow", "--frames", "0"), "--frames must be at least 1")
    davis = tmp_path / "a" / "Annotations" / "480p" / "s"
    davis.mkdir(parents=True)
    write_index_png(davis / "00000.png", np.ones((8, 8), np.uint8))
    proc = run_cli("eval", tmp_path / "a", tmp_path / "a", "--json", tmp_path / "no" / "r.json")
    refused(proc, "No such file or directory")


def test_new_user_friction_at_the_command_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from annotator import __version__
    from annotator.launcher import main

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"annotator {__version__}"
    # a mistyped command does not open the window
    assert main(["trak", "clip.mp4"]) == 2
    assert "did you mean 'track'?" in capsys.readouterr().err
    assert main(["gui", "--help"]) == 0
    assert "usage: annotator [gui] [PATH]" in capsys.readouterr().out
    # no display: one line instead of Qt's abort
    monkeypatch.setattr("sys.platform", "linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) == 2
    assert "no display" in capsys.readouterr().err


def test_missing_xcb_libraries_are_named_before_qt_aborts(
    monkeypatch: pytest.MonkeyPatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from annotator import launcher

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    for var in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    present = {"xcb-icccm", "xcb-keysyms", "xcb-image", "xcb-render-util", "xcb-shape"}
    find = lambda lib: f"lib{lib}.so" if lib in present else None  # noqa: E731
    assert launcher.missing_xcb_packages(find) == [
        "libxcb-cursor0", "libxcb-randr0", "libxcb-xkb1", "libxkbcommon-x11-0"
    ]  # fmt: skip
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert launcher.missing_xcb_packages(find) == []
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setattr(launcher, "missing_xcb_packages", lambda: ["libxcb-cursor0"])
    assert launcher.main([]) == 2
    err = capsys.readouterr().err
    assert "sudo apt install libxcb-cursor0" in err and err.count("\n") == 1
