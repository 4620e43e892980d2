"""One writer per project: an exclusive lock held by the process that writes it.

Every process loads a project into memory and writes its own edits, so two
writers would overwrite each other's work. The writer holds an OS lock
(``flock`` on POSIX, ``msvcrt.locking`` on Windows) on ``PROJECT.lock`` for as
long as the project is open; the file holds the writer's pid, for the error
message. The OS drops the lock when the process ends, even by SIGKILL, so a
crash never leaves a project locked.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from annotator.errors import AnnotatorError


class ProjectLockedError(AnnotatorError):
    """Another process has the project open for writing."""


def lock_path(project: Path) -> Path:
    return project.with_name(project.name + ".lock")


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class ProjectLock:
    """The lock of one project, held until ``release`` (or the process's end)."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, project: Path) -> ProjectLock:
        """Lock ``project`` for this process; ``ProjectLockedError`` names the holder."""
        path = lock_path(project)
        try:
            handle = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise AnnotatorError(f"cannot lock {project}: {exc.strerror or exc}") from exc
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ProjectLockedError(
                f"{project} is open in another annotator (pid {holder}); "
                "close it there, or open this one read-only"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None
