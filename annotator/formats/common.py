"""What every exporter shares: the job description, frame ranges, and staged output.

Outputs are written to a temporary sibling of the target and renamed into
place at the end, so an interrupted or failed export leaves nothing half
written, and an existing target is replaced only with ``overwrite``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.core import rle
from annotator.core.atomic import user_mode
from annotator.core.model import AnnotationModel
from annotator.errors import AnnotatorError

log = logging.getLogger(__name__)

FrameGetter = Callable[[int], np.ndarray]


class ExportError(AnnotatorError):
    """An export or import that cannot be done; nothing was written."""


@dataclass(frozen=True)
class ExportJob:
    """One export: which objects and frames of a model, for a video of ``size`` (W, H).

    name: the sequence or video name used in folder names and COCO file names.
    frame: returns the RGB (H, W, 3) frame at an index, for formats that need pixels.
    """

    model: AnnotationModel
    name: str
    size: tuple[int, int]
    objects: tuple[int, ...]
    frames: tuple[int, ...]
    frame: FrameGetter | None = None
    fps: float = 30.0

    def masks(self, f: int) -> list[tuple[int, rle.RLE]]:
        """(object id, RLE) of every selected object with a non-absent mask on frame ``f``."""
        out = []
        for k in self.objects:
            m = self.model.mask(k, f)
            if m is not None and m.rle is not None:
                out.append((k, m.rle))
        return out

    def pixels(self, f: int) -> np.ndarray:
        if self.frame is None:
            raise ExportError("this format needs the video's frames, which are not available")
        return self.frame(f)


def select_objects(model: AnnotationModel, wanted: list[int] | None) -> tuple[int, ...]:
    ids = sorted(model.objects) if wanted is None else list(wanted)
    unknown = [k for k in ids if k not in model.objects]
    if unknown:
        have = ", ".join(map(str, sorted(model.objects))) or "none"
        raise ExportError(
            f"no object with id {', '.join(map(str, unknown))}; the project has {have}"
        )
    return tuple(ids)


def parse_frames(text: str | None, count: int) -> tuple[int, ...]:
    """'A:B' (B exclusive, either side optional) -> frame indices within 0..count-1."""
    if not text:
        return tuple(range(count))
    parts = text.split(":")
    if len(parts) != 2:
        raise ExportError(f"--frames {text!r} must look like A:B, A: or :B")
    try:
        start = int(parts[0]) if parts[0] else 0
        stop = int(parts[1]) if parts[1] else count
    except ValueError as exc:
        raise ExportError(f"--frames {text!r} must hold whole numbers") from exc
    if not 0 <= start < stop <= count:
        raise ExportError(f"--frames {text!r} is outside the video's frames 0:{count}")
    return tuple(range(start, stop))


def file_safe(name: str, dots: bool = True) -> str:
    """``name`` with every run of characters other than letters, digits, ``_``, ``-``
    (and ``.`` unless ``dots`` is off: EXR layer names use it) as one ``_``."""
    allowed = "A-Za-z0-9_\\-" + ("." if dots else "")
    return re.sub(f"[^{allowed}]+", "_", name).strip("_") or "object"


def frame_stem(index: int) -> str:
    return f"{index:05d}"


def remove_stale_staging(target: Path) -> None:
    """Remove staging folders of ``target`` left by an export whose process has died
    (killed by a signal, or the machine lost power): named ``.NAME.PID.*``."""
    for leftover in target.parent.glob(f".{target.name}.*"):
        parts = leftover.name[len(target.name) + 2 :].split(".")
        if not leftover.is_dir() or not parts[0].isdigit():
            continue
        if not process_alive(int(parts[0])):
            log.info("removing %s, left by an export that did not finish", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


@contextlib.contextmanager
def staged(target: Path, overwrite: bool, folder: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    A folder target must be missing or empty, a file target missing, unless
    ``overwrite``. On failure the temporary path is removed and ``target`` is
    untouched.
    """
    if target.exists():
        busy = target.is_file() or any(target.iterdir())
        if busy and not overwrite:
            what = "folder" if target.is_dir() else "file"
            raise ExportError(
                f"{target} is a {what} that is not empty; give --overwrite to replace it"
            )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ExportError(f"cannot write {target}: {parent} is a file, not a folder")
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", dir=target.parent))
    os.chmod(tmp, user_mode(folder=True))
    work = tmp if folder else tmp / target.name
    try:
        yield work
        old = None
        if target.exists():
            old = target.parent / f"{tmp.name}.old"
            os.replace(target, old)
        os.replace(work, target)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
