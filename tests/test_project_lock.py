"""One writer per project, tried with real processes; migrations that cannot half-happen."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.core import rle
from annotator.core.matte_settings import MatteSettings
from annotator.core.model import FrameMask, ObjectInfo, Provenance
from annotator.formats.palette import write_index_png
from annotator.store import project as project_module
from annotator.store.lock import ProjectLockedError
from annotator.store.project import APPLICATION_ID, SCHEMA_VERSION, ProjectError, ProjectStore
from annotator.video.synthetic import render_frames
from tests.test_cli_track import run_cli

FP = {"frame_count": 6, "width": 64, "height": 48, "first_frame_sha1": "abc"}

HOLDER = """
import sys, time
from annotator.store.project import ProjectStore
store = ProjectStore.open(__import__("pathlib").Path(sys.argv[1]))
print("ready", flush=True)
time.sleep(120)
"""


def make_project(path: Path) -> None:
    with ProjectStore.create(path, "clip.mp4", FP) as store:
        store.apply(store.model.add_object(ObjectInfo(1, "one")))


def hold(path: Path) -> subprocess.Popen[str]:
    """Another process with ``path`` open for writing, until it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_second_writer_is_refused_and_told_who_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "p.annot"
    make_project(path)
    holder = hold(path)
    try:
        with pytest.raises(
            ProjectLockedError, match=rf"open in another annotator \(pid {holder.pid}\)"
        ):
            ProjectStore.open(path)
        # read-only works alongside, and refuses to write
        with ProjectStore.open(path, read_only=True) as store:
            assert store.read_only and list(store.model.objects) == [1]
            with pytest.raises(ProjectError, match="read-only"):
                store.apply(store.model.add_object(ObjectInfo(2, "two")))
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # a crash: the OS drops the lock
        holder.wait()
    with ProjectStore.open(path) as store:
        assert not store.read_only
        store.apply(store.model.add_object(ObjectInfo(2, "two")))
    with ProjectStore.open(path) as store:  # closing released it
        assert sorted(store.model.objects) == [1, 2]


def test_cli_import_into_a_project_being_written_exits_2_and_changes_nothing(
    tmp_path: Path,
) -> None:
    clip = tmp_path / "clip"
    clip.mkdir()
    frames, masks = render_frames(6, 64, 48)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(clip / f"{i:05d}.png")
    project = tmp_path / "p.annot"
    davis = tmp_path / "davis" / "Annotations" / "480p" / "clip"
    davis.mkdir(parents=True)
    for i, (disc, _) in enumerate(masks):
        write_index_png(davis / f"{i:05d}.png", disc.astype(np.uint8))
    proc = run_cli("import", project, "--davis", tmp_path / "davis", "--video", clip)
    assert proc.returncode == 0, proc.stderr
    before = json.loads(run_cli("info", project).stdout)
    holder = hold(project)
    try:
        again = run_cli("import", project, "--davis", tmp_path / "davis")
        assert again.returncode == 2 and "Traceback" not in again.stderr
        assert f"open in another annotator (pid {holder.pid})" in again.stderr
        # reading needs no lock: info and export run while it is held
        info = run_cli("info", project)
        assert info.returncode == 0 and json.loads(info.stdout) == before
        out = tmp_path / "coco.json"
        exported = run_cli("export", project, "--format", "coco", "--out", out)
        assert exported.returncode == 0, exported.stderr
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()


def test_a_migration_that_fails_half_way_leaves_the_old_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a version-1 project, as an old annotator wrote it, with one mask
    path = tmp_path / "old.annot"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    project_module._migrate_to_1(db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO meta VALUES ('video', ?)", (json.dumps({"path": "c.mp4", "fingerprint": FP}),)
    )
    db.execute("INSERT INTO objects VALUES (1, 'one', '', '[1,2,3]', 1)")
    mask = np.zeros((48, 64), np.uint8)
    mask[5:9, 5:9] = 1
    code = rle.encode(mask)
    db.execute("INSERT INTO masks VALUES (1, 0, 'user', 48, 64, ?, NULL, NULL)", (code["counts"],))
    db.commit()
    db.close()

    def crash_after_alter(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE masks ADD COLUMN origin INTEGER")
        raise sqlite3.OperationalError("simulated crash between ALTER TABLE and user_version")

    monkeypatch.setattr(
        project_module, "MIGRATIONS", [project_module._migrate_to_1, crash_after_alter]
    )
    with pytest.raises(ProjectError):
        ProjectStore.open(path)
    monkeypatch.undo()
    # nothing of the failed migration remains: it runs again and the mask is there
    with ProjectStore.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert store.model.objects[1].matte == MatteSettings()
        cell = store.model.mask(1, 0)
        assert cell == FrameMask(Provenance.USER, code, None, None, None)


def test_a_file_with_our_id_but_no_project_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "empty.annot"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="holds no project"):
        ProjectStore.open(path)
    assert path.read_bytes() == before


def test_a_damaged_mask_row_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.annot"
    with ProjectStore.create(path, "clip.mp4", FP) as store:
        store.apply(store.model.add_object(ObjectInfo(1, "one")))
        cell = FrameMask(Provenance.USER, rle.encode(np.ones((48, 64), np.uint8)))
        store.apply(store.model.set_masks("draw", [(1, 3, cell)]))
    db = sqlite3.connect(path)
    db.execute("UPDATE masks SET height = 7 WHERE frame = 3")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="mask of object 1 on frame 3 is damaged"):
        ProjectStore.open(path, read_only=True)
    proc = run_cli("info", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "object 1 on frame 3" in proc.stderr
