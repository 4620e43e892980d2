"""The project file: one SQLite database (``.annot``), WAL mode, every change committed at once.

There is no "save": ``ProjectStore`` subscribes to the ``AnnotationModel`` and
writes each applied edit (and each undo and redo) in one transaction, so a
crash loses nothing that was shown as done. The file carries an
``application_id`` so that a foreign SQLite file is recognised and refused,
and a ``user_version`` with migrations from version 1. A corrupt or foreign
file raises ``ProjectError`` and is never written to.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.core.matte_settings import MatteSettings
from annotator.core.model import (
    AnnotationModel,
    Edit,
    FrameMask,
    ObjectChange,
    ObjectInfo,
    Provenance,
)
from annotator.core.rle import RLE
from annotator.errors import AnnotatorError
from annotator.store.lock import ProjectLock

log = logging.getLogger(__name__)

APPLICATION_ID = 0x414E4E54  # "ANNT"
SCHEMA_VERSION = 3


class ProjectError(AnnotatorError):
    """A project file cannot be opened or written."""


def _migrate_to_1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE objects (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
            color TEXT NOT NULL, visible INTEGER NOT NULL);
        CREATE TABLE masks (
            object_id INTEGER NOT NULL, frame INTEGER NOT NULL,
            provenance TEXT NOT NULL, height INTEGER, width INTEGER, counts TEXT,
            score REAL, polygon TEXT,
            PRIMARY KEY (object_id, frame)) WITHOUT ROWID;
        """
    )


def _migrate_to_2(db: sqlite3.Connection) -> None:
    """Masks remember the frame their propagation run started from (for blending)."""
    db.execute("ALTER TABLE masks ADD COLUMN origin INTEGER")


def _migrate_to_3(db: sqlite3.Connection) -> None:
    """Objects keep their matte settings (JSON; NULL: the defaults)."""
    db.execute("ALTER TABLE objects ADD COLUMN matte TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
]


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Every migration after ``version``, each followed by its ``user_version``."""
    for v in range(version, SCHEMA_VERSION):
        MIGRATIONS[v](db)
        db.execute(f"PRAGMA user_version = {v + 1}")


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """An explicit transaction, so schema changes and ``user_version`` commit together.

    (The sqlite3 module opens transactions implicitly only before DML, so
    ``with db:`` alone would commit each ALTER TABLE and PRAGMA on its own.)
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class ProjectStore:
    """An open ``.annot`` file and the ``AnnotationModel`` it holds.

    ``video`` is {"path": str, "fingerprint": {...}}. When the project is opened
    against a video whose fingerprint differs, ``read_only`` is set and every
    write raises ``ProjectError``.
    """

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        model: AnnotationModel,
        video: dict[str, Any],
        lock: ProjectLock | None = None,
    ) -> None:
        self.path = path
        self.db = db
        self.model = model
        self.video = video
        self.lock = lock
        self.read_only = lock is None
        self.read_only_reason = "it was opened read-only"
        model.subscribe(self._persist)

    # -- opening -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, video_path: str, fingerprint: dict[str, Any]) -> ProjectStore:
        """A new project; refuses to replace an existing file."""
        if path.exists():
            raise ProjectError(f"{path} already exists")
        lock = ProjectLock.acquire(path)
        try:
            db = cls._connect(path)
            try:
                with _transaction(db):
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    _migrate(db, 0)
                    video = {"path": video_path, "fingerprint": fingerprint}
                    db.execute("INSERT INTO meta VALUES ('video', ?)", (json.dumps(video),))
            except sqlite3.Error as exc:
                db.close()
                raise ProjectError(f"cannot create {path}: {exc}") from exc
        except BaseException:
            lock.release()
            raise
        return cls(path, db, AnnotationModel(int(fingerprint["frame_count"])), video, lock)

    @classmethod
    def open(
        cls,
        path: Path,
        fingerprint: dict[str, Any] | None = None,
        read_only: bool = False,
    ) -> ProjectStore:
        """Open an existing project; with ``fingerprint``, check it matches the video.

        For writing, the project is locked for this process first
        (``ProjectLockedError`` if another one holds it); ``read_only`` takes no
        lock and never writes, not even a migration.
        """
        if not path.is_file():
            raise ProjectError(f"project {path} does not exist")
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise ProjectError(f"cannot read {path}: {exc}") from exc
        if header != b"SQLite format 3\x00":
            raise ProjectError(f"{path} is not an annotator project (not an SQLite file)")
        lock = None if read_only else ProjectLock.acquire(path)
        db = cls._connect(path, wal=False)  # nothing is written before the checks pass
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise ProjectError(f"{path} is an SQLite file of another program, not a project")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ProjectError(f"{path} was written by a newer annotator (schema {version})")
            if version == 0:
                raise ProjectError(f"{path} holds no project (its creation never finished)")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise ProjectError(f"{path} is damaged: {check}")
            if version < SCHEMA_VERSION:
                if read_only:
                    raise ProjectError(f"{path} needs an upgrade; open it for writing once")
                with _transaction(db):
                    _migrate(db, version)
            if not read_only:
                db.execute("PRAGMA journal_mode=WAL")
            video = json.loads(db.execute("SELECT value FROM meta WHERE key='video'").fetchone()[0])
            fp = video["fingerprint"]
            model = AnnotationModel(int(fp["frame_count"]))
            masks = cls._read_masks(db)
            _check_masks(path, masks, int(fp["height"]), int(fp["width"]))
            model.load(cls._read_objects(db), masks)
        except ProjectError:
            db.close()
            if lock is not None:
                lock.release()
            raise
        except (sqlite3.Error, TypeError, KeyError, ValueError) as exc:
            db.close()
            if lock is not None:
                lock.release()
            raise ProjectError(f"{path} is corrupt or not a project: {exc}") from exc
        store = cls(path, db, model, video, lock)
        if fingerprint is not None and fingerprint != video["fingerprint"]:
            log.warning("%s was made for another video; opened read-only", path)
            store.read_only = True
            store.read_only_reason = f"it belongs to another video ({video['path']})"
        return store

    @staticmethod
    def _connect(path: Path, wal: bool = True) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            db.isolation_level = "DEFERRED"
            if wal:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path} is corrupt or not a project: {exc}") from exc
        return db

    @staticmethod
    def _read_objects(db: sqlite3.Connection) -> list[ObjectInfo]:
        rows = db.execute(
            "SELECT id, name, category, color, visible, matte FROM objects ORDER BY id"
        )
        return [
            ObjectInfo(i, n, c, tuple(json.loads(col)), bool(v), MatteSettings.from_json(m))
            for i, n, c, col, v, m in rows
        ]

    @staticmethod
    def _read_masks(db: sqlite3.Connection) -> list[tuple[int, int, FrameMask]]:
        rows = db.execute(
            "SELECT object_id, frame, provenance, height, width, counts, score, polygon, origin"
            " FROM masks"
        )
        out = []
        for obj, frame, prov, h, w, counts, score, polygon, origin in rows:
            rle: RLE | None = {"size": [h, w], "counts": counts} if counts is not None else None
            poly = tuple(json.loads(polygon)) if polygon else None
            out.append((obj, frame, FrameMask(Provenance(prov), rle, score, poly, origin)))
        return out

    # -- writing -------------------------------------------------------------------
    def apply(self, edit: Edit) -> None:
        """Apply an edit to the model; it is committed to disk before this returns."""
        self._check_writable()
        self.model.apply(edit)

    def undo(self) -> Edit | None:
        self._check_writable()
        return self.model.undo()

    def redo(self) -> Edit | None:
        self._check_writable()
        return self.model.redo()

    def _check_writable(self) -> None:
        if self.read_only:
            raise ProjectError(f"{self.path} is read-only: {self.read_only_reason}")

    def _persist(self, edit: Edit) -> None:
        """Commit one edit in one transaction; raising here rolls the model back too."""
        self._check_writable()
        upserts, deletes = [], []
        with self.db:
            for c in edit.changes:
                if isinstance(c, ObjectChange):
                    if c.after is None:
                        assert c.before is not None
                        self.db.execute("DELETE FROM objects WHERE id=?", (c.before.id,))
                    else:
                        a = c.after
                        self.db.execute(
                            "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?)",
                            (
                                a.id,
                                a.name,
                                a.category,
                                json.dumps(list(a.color)),
                                int(a.visible),
                                a.matte.to_json(),
                            ),
                        )
                elif c.after is None:
                    deletes.append((c.object_id, c.frame))
                else:
                    upserts.append(_mask_row(c.object_id, c.frame, c.after))
            self.db.executemany("DELETE FROM masks WHERE object_id=? AND frame=?", deletes)
            self.db.executemany("INSERT OR REPLACE INTO masks VALUES (?,?,?,?,?,?,?,?,?)", upserts)

    def close(self) -> None:
        self.db.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_masks(
    path: Path, masks: list[tuple[int, int, FrameMask]], height: int, width: int
) -> None:
    """Refuse rows that cannot be this video's masks (hand-edited or damaged)."""
    for obj, frame, m in masks:
        if m.rle is None:
            continue
        size = m.rle["size"]
        counts = m.rle["counts"]
        if list(size) != [height, width] or not isinstance(counts, str) or not counts.isascii():
            raise ProjectError(
                f"{path}: the mask of object {obj} on frame {frame} is damaged "
                f"(size {size}, the video is {width}x{height})"
            )


def _mask_row(object_id: int, frame: int, m: FrameMask) -> tuple[object, ...]:
    h, w = m.rle["size"] if m.rle else (None, None)
    return (
        object_id,
        frame,
        m.provenance.value,
        h,
        w,
        m.rle["counts"] if m.rle else None,
        m.score,
        json.dumps(list(m.polygon)) if m.polygon else None,
        m.origin,
    )
