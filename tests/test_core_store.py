"""Annotation model (edits, undo/redo) and the SQLite project file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.store.project import ProjectError, ProjectStore

FP = {"frame_count": 50, "width": 64, "height": 48, "first_frame_sha1": "abc"}


def _mask(
    x: int, w: int = 10, prov: Provenance = Provenance.USER, score: float | None = None
) -> FrameMask:
    m = np.zeros((48, 64), np.uint8)
    m[10:30, x : x + w] = 1
    return FrameMask(
        prov, rle.encode(m), score, (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0) if score else None
    )


def test_undo_redo_across_edits_and_a_propagation_run() -> None:
    model = AnnotationModel(50)
    model.apply(model.add_object(ObjectInfo(1, "cat")))
    model.apply(model.set_masks("draw", [(1, 0, _mask(5))]))
    run = model.set_masks(
        "propagate",
        [(1, f, _mask(5 + f, prov=Provenance.PROPAGATED, score=0.9)) for f in range(1, 20)],
    )
    model.apply(run)
    assert len(model.frames_of(1)) == 20
    model.apply(model.set_masks("brush", [(1, 0, _mask(7))]))

    assert model.undo().label == "brush"
    assert model.mask(1, 0) == _mask(5)
    assert model.undo().label == "propagate"  # the whole run is one step
    assert list(model.frames_of(1)) == [0]
    assert model.redo().label == "propagate"
    assert len(model.frames_of(1)) == 20 and model.mask(1, 7).score == 0.9
    model.apply(model.set_masks("erase", [(1, 3, None)]))
    assert model.redo() is None  # a new edit drops the redo stack


def test_delete_object_and_clear_range_touch_nothing_else() -> None:
    model = AnnotationModel(50)
    for i in (1, 2):
        model.apply(model.add_object(ObjectInfo(i, f"o{i}")))
        model.apply(model.set_masks("d", [(i, f, _mask(f)) for f in range(10)]))
    model.apply(model.clear_range(1, 3, 6))
    assert sorted(model.frames_of(1)) == [0, 1, 2, 6, 7, 8, 9]
    assert len(model.frames_of(2)) == 10
    model.apply(model.delete_object(1))
    assert 1 not in model.objects and model.frames_of(1) == {}
    assert len(model.frames_of(2)) == 10
    model.undo()
    assert sorted(model.frames_of(1)) == [0, 1, 2, 6, 7, 8, 9] and model.objects[1].name == "o1"


def test_absent_frames_are_locked_keyframes() -> None:
    model = AnnotationModel(50)
    model.apply(model.add_object(ObjectInfo(1, "a")))
    model.apply(model.mark_absent(1, 10, 13))
    assert model.keyframes(1) == [10, 11, 12]
    assert model.mask(1, 11).absent
    assert model.provenance_counts(1)["absent"] == 3


def test_history_is_bounded_by_bytes() -> None:
    model = AnnotationModel(50, history_bytes=20_000)
    model.apply(model.add_object(ObjectInfo(1, "a")))
    for i in range(200):
        model.apply(model.set_masks("s", [(1, i % 50, _mask(i % 40))]))
    assert 0 < len(model.history.undo) < 200
    assert model.history._bytes <= 20_000


def test_project_persists_every_edit_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "p.annot"
    with ProjectStore.create(path, "clip.mp4", FP) as store:
        store.apply(store.model.add_object(ObjectInfo(1, "cat", "animal", (1, 2, 3))))
        store.apply(
            store.model.set_masks("d", [(1, 4, _mask(3, score=0.5, prov=Provenance.PROPAGATED))])
        )
        store.apply(store.model.mark_absent(1, 8, 9))
        store.apply(store.model.set_masks("d", [(1, 5, _mask(9))]))
        store.undo()
    with ProjectStore.open(path, FP) as store:
        assert store.model.objects[1] == ObjectInfo(1, "cat", "animal", (1, 2, 3))
        assert store.model.mask(1, 4) == _mask(3, score=0.5, prov=Provenance.PROPAGATED)
        assert store.model.mask(1, 8).absent
        assert store.model.mask(1, 5) is None
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_other_video_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "p.annot"
    ProjectStore.create(path, "clip.mp4", FP).close()
    other = dict(FP, first_frame_sha1="different")
    with ProjectStore.open(path, other) as store:
        assert store.read_only
        with pytest.raises(ProjectError, match="read-only"):
            store.apply(store.model.add_object(ObjectInfo(1, "x")))


def test_corrupt_and_foreign_files_are_refused_and_untouched(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.annot"
    garbage.write_bytes(b"hello" * 100)
    foreign = tmp_path / "foreign.annot"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    damaged = tmp_path / "damaged.annot"
    with ProjectStore.create(damaged, "clip.mp4", FP) as store:
        store.apply(store.model.add_object(ObjectInfo(1, "a")))
        store.apply(store.model.set_masks("d", [(1, f, _mask(f % 40)) for f in range(50)]))
    data = bytearray(damaged.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    damaged.write_bytes(bytes(data))
    for path, message in [
        (garbage, "not an annotator project"),
        (foreign, "another program"),
        (damaged, "corrupt|damaged"),
    ]:
        before = path.read_bytes()
        with pytest.raises(ProjectError, match=message):
            ProjectStore.open(path)
        assert path.read_bytes() == before
    with pytest.raises(ProjectError, match="already exists"):
        ProjectStore.create(garbage, "clip.mp4", FP)


WRITER = """
import sys, numpy as np
from pathlib import Path
from annotator.core import rle
from annotator.core.model import FrameMask, ObjectInfo, Provenance
from annotator.store.project import ProjectStore
fp = {"frame_count": 100000, "width": 64, "height": 48, "first_frame_sha1": "abc"}
store = ProjectStore.create(Path(sys.argv[1]), "clip.mp4", fp)
store.apply(store.model.add_object(ObjectInfo(1, "a")))
m = np.zeros((48, 64), np.uint8)
for f in range(100000):
    m[:] = 0; m[10:30, f % 50 : f % 50 + 10] = 1
    mask = FrameMask(Provenance.PROPAGATED, rle.encode(m), 0.5)
    store.apply(store.model.set_masks("p", [(1, f, mask)]))
    print(f, flush=True)
"""


def test_sigkill_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "killed.annot"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    last = -1
    start = time.monotonic()
    assert proc.stdout is not None
    for line in proc.stdout:
        last = int(line)
        if last >= 300 or time.monotonic() - start > 60:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with ProjectStore.open(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        frames = store.model.frames_of(1)
        assert all(f in frames for f in range(last + 1))
        assert rle.decode(frames[last].rle)[10, last % 50] == 1
