"""The file system and the database say no: one line, exit 2, nothing half-written.

Tests run as root on CI, where permissions do not stop a write, so a full disk
and a read-only project are injected as the ``OSError`` / ``sqlite3`` errors
the OS would raise; names too long and paths under a file are real.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest

from annotator import cli
from tests.test_bad_input import info, project, refused  # noqa: F401 - fixtures
from tests.test_cli_project import disc_clip  # noqa: F401 - a fixture
from tests.test_cli_track import run_cli


def one_line_error(caplog: pytest.LogCaptureFixture, *words: str) -> None:
    """The command logged exactly one error, of one line, holding ``words``."""
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    line = errors[0].getMessage()
    assert "\n" not in line and errors[0].exc_info is None, line
    for word in words:
        assert word in line, line


def test_names_too_long_and_paths_under_a_file(project: Path, tmp_path: Path) -> None:  # noqa: F811
    refused(
        run_cli("export", project, "--format", "coco", "--out", tmp_path / ("a" * 300 + ".json")),
        "File name too long",
    )
    blocker = tmp_path / "file"
    blocker.write_text("x")
    refused(
        run_cli("export", project, "--format", "davis", "--out", blocker / "out"),
        "is a file, not a folder",
    )
    refused(run_cli("export", project, "--format", "davis", "--out", project.parent),
            "would replace the project")  # fmt: skip
    assert not blocker.with_name("out").exists()


def test_a_full_disk_during_an_export_leaves_nothing(
    project: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from PIL import Image

    real = Image.Image.save
    written = []

    def filling(self, path, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if len(written) == 3:  # the disk fills up at the fourth file
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        real(self, path, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", filling)
    out = tmp_path / "exported"
    code = cli.main(["export", str(project), "--format", "davis", "--out", str(out)])
    assert code == 2
    one_line_error(caplog, "No space left on device")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "message", ["attempt to write a readonly database", "database or disk is full"]
)
def test_a_project_the_disk_refuses_is_one_line_and_keeps_its_masks(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    message: str,
) -> None:
    from annotator.store.project import ProjectStore

    before = info(project)

    def refuse(self, edit) -> None:  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(ProjectStore, "_persist", refuse)
    code = cli.main(["propagate", str(project), "--from", "4", "--tracker", "flow"])
    assert code == 2
    one_line_error(caplog, message)
    monkeypatch.undo()
    assert info(project) == before


def test_eval_json_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    from annotator.formats.palette import write_index_png

    seq = tmp_path / "a" / "s"
    seq.mkdir(parents=True)
    import numpy as np

    write_index_png(seq / "00000.png", np.ones((8, 8), np.uint8))
    proc = run_cli("eval", seq, seq, "--json", tmp_path / "missing" / "r.json")
    refused(proc, "No such file or directory")
    assert json.loads(proc.stdout)["J"]["mean"] == 1.0  # the report was still printed
