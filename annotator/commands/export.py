"""``annotator export`` and ``annotator import``: datasets in and out of a project."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path

from annotator.commands.project import open_or_create, open_with_video
from annotator.commands.propagate import object_color
from annotator.core.model import AnnotationModel, Change, Edit, FrameMask, ObjectInfo, Provenance
from annotator.core.rle import RLE
from annotator.errors import AnnotatorError
from annotator.formats.coco import export_coco
from annotator.formats.common import ExportError, ExportJob, parse_frames, select_objects
from annotator.formats.davis import export_davis, export_youtube_vos
from annotator.formats.exr import export_exr
from annotator.formats.importers import (
    Imported,
    Progress,
    davis_annotations,
    import_coco,
    import_davis,
    import_youtube_vos,
)
from annotator.formats.mattes import export_mattes
from annotator.formats.overlay import export_overlay
from annotator.formats.prores import export_prores
from annotator.formats.registry import FORMATS, IMPORT_FORMATS, ExportSettings
from annotator.formats.rgba import export_rgba
from annotator.store.project import ProjectStore
from annotator.video.frame_source import FrameSource, open_source

log = logging.getLogger(__name__)


def make_job(
    store: ProjectStore,
    source: FrameSource,
    objects: list[int] | None = None,
    frames: str | None = None,
) -> ExportJob:
    """The export of a project's ``objects`` (default all) on ``frames`` ('A:B', default all)."""
    return ExportJob(
        model=store.model,
        name=sequence_name(store),
        size=source.size,
        objects=select_objects(store.model, objects),
        frames=parse_frames(frames, len(source)),
        frame=source.get,
        fps=source.fps or 30.0,
    )


def run_export(
    job: ExportJob,
    fmt: str,
    out: Path,
    settings: ExportSettings | None = None,
) -> Generator[int, None, None]:
    """The exporter for ``fmt`` as a generator of finished frames (for a progress bar)."""
    s = settings or ExportSettings()
    overwrite, with_frames = s.overwrite, s.with_frames
    if fmt == "coco":
        return export_coco(job, out, overwrite)
    if fmt == "davis":
        return export_davis(job, out, with_frames, s.resize_480p, overwrite)
    if fmt == "youtube-vos":
        return export_youtube_vos(job, out, with_frames, overwrite)
    if fmt == "mattes":
        return export_mattes(job, out, s.feather, overwrite, s.refine)
    if fmt == "exr":
        return export_exr(job, out, with_frames, s.exr_compression, s.exr_type, overwrite)
    if fmt == "rgba":
        return export_rgba(job, out, s.bit_depth, s.premultiply, overwrite)
    if fmt == "prores":
        return export_prores(job, out, overwrite)
    if fmt == "overlay":
        return export_overlay(job, out, overwrite)
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def sequence_name(store: ProjectStore) -> str:
    """The name a project's video gets in exports: its file or folder name, without suffix."""
    path = Path(store.video["path"])
    return path.stem or path.name or "video"


def export_project(
    project: Path,
    fmt: str,
    out: Path,
    objects: list[int] | None = None,
    frames: str | None = None,
    on_frame: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    settings: ExportSettings | None = None,
) -> int:
    """Export a project file; returns the number of frames written.

    ``on_total(n)`` is told how many frames will be written before the first one,
    ``on_frame(f)`` after each.

    The project is only read: an export runs while the window has it open.
    """
    target, own = out.resolve(), project.resolve()
    if target == own or target in own.parents:
        raise AnnotatorError(f"--out {out} would replace the project {project} itself")
    store, source = open_with_video(project, read_only=True)
    with store, source:
        job = make_job(store, source, objects, frames)
        if on_total is not None:
            on_total(len(job.frames))
        done = 0
        for f in run_export(job, fmt, out, settings):
            done += 1
            if on_frame is not None:
                on_frame(f)
        return done


def read_dataset(
    fmt: str,
    path: Path,
    size: tuple[int, int],
    count: int,
    seq: str | None = None,
    progress: Progress | None = None,
) -> Imported:
    if seq is not None and fmt != "davis":
        raise ExportError("--seq chooses a sequence of a DAVIS root; it does not apply to " + fmt)
    if fmt == "davis":
        return import_davis(path, size, count, seq, progress)
    if fmt == "youtube-vos":
        return import_youtube_vos(path, size, count, progress)
    if fmt == "coco":
        return import_coco(path, size, count, progress)
    raise ExportError(f"unknown import format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")


def dataset_video(fmt: str, path: Path, seq: str | None = None) -> Path | None:
    """The frames folder that goes with a DAVIS or YouTube-VOS dataset, when it has one."""
    if fmt == "davis":
        for sub in ("JPEGImages/480p", "JPEGImages/Full-Resolution"):
            folder = path / sub
            if folder.is_dir():
                if seq is not None:
                    return folder / seq if (folder / seq).is_dir() else None
                seqs = [d for d in folder.iterdir() if d.is_dir()]
                if len(seqs) == 1:
                    return seqs[0]
    if fmt == "youtube-vos" and (path / "JPEGImages").is_dir():
        seqs = [d for d in (path / "JPEGImages").iterdir() if d.is_dir()]
        if len(seqs) == 1:
            return seqs[0]
    return None


def apply_import(
    model: AnnotationModel, found: Imported, label: str, keyframes: bool = True
) -> tuple[int, int]:
    """Add the objects and their masks as one undo step; returns (objects, masks).

    With ``keyframes`` the masks are locked user keyframes; else they are
    propagated masks (score 1, no run of origin), which propagation may replace.
    """
    changes: list[Change] = []
    for k, category in sorted(found.categories.items()):
        if k not in model.objects:
            info = ObjectInfo(k, f"object {k}", category, object_color(k))
            changes += model.add_object(info).changes
        elif model.objects[k].category in ("", "object") and category != "object":
            changes += model.update_object(replace(model.objects[k], category=category)).changes

    def stored(m: RLE) -> FrameMask:
        if keyframes:
            return FrameMask(Provenance.USER, m)
        return FrameMask(Provenance.PROPAGATED, m, 1.0)

    cells = [(k, f, stored(m)) for (k, f), m in sorted(found.masks.items())]
    changes += model.set_masks(label, cells).changes
    model.apply(Edit(label, tuple(changes)))
    return len(found.categories), len(cells)


def import_into_project(
    project: Path,
    fmt: str,
    path: Path,
    video: Path | None = None,
    seq: str | None = None,
    keyframes: bool = True,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Create or extend ``project`` with a dataset's masks (user keyframes, or propagated
    masks when not ``keyframes``).

    The dataset is read and checked in full before the project is opened for
    writing, so a bad dataset changes nothing and never leaves a new project behind.
    """
    label = f"import {fmt} {path.name}"
    if project.exists():
        store, source = open_with_video(project)
        with store, source:
            found = read_dataset(fmt, path, source.size, len(source), seq, progress)
            return apply_import(store.model, found, label, keyframes)
    if fmt == "davis":
        davis_annotations(path, seq)  # a root of several sequences needs --seq: say so first
    video = video or dataset_video(fmt, path, seq)
    if video is None:
        raise AnnotatorError(f"{project} does not exist yet: give --video, the frames it annotates")
    with open_source(video) as source:
        found = read_dataset(fmt, path, source.size, len(source), seq, progress)
        with open_or_create(project, source) as store:
            return apply_import(store.model, found, label, keyframes)
