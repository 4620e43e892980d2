"""``annotator export`` and ``annotator import``: datasets in and out of a project."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path

from annotator.commands.project import open_or_create, open_with_video
from annotator.commands.propagate import object_color
from annotator.core.model import AnnotationModel, Change, Edit, FrameMask, ObjectInfo, Provenance
from annotator.errors import AnnotatorError
from annotator.export.coco import export_coco
from annotator.export.common import ExportError, ExportJob, parse_frames, select_objects
from annotator.export.davis import export_davis, export_youtube_vos
from annotator.export.importers import Imported, import_coco, import_davis, import_youtube_vos
from annotator.export.mattes import export_mattes
from annotator.export.overlay import export_overlay
from annotator.store.project import ProjectStore
from annotator.video.frame_source import FrameSource, open_source

log = logging.getLogger(__name__)

FORMATS = ("coco", "davis", "youtube-vos", "mattes", "overlay")
IMPORT_FORMATS = ("davis", "coco", "youtube-vos")


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
    overwrite: bool = False,
    with_frames: bool = True,
    feather: float = 0.0,
    resize_480p: bool = False,
) -> Generator[int, None, None]:
    """The exporter for ``fmt`` as a generator of finished frames (for a progress bar)."""
    if fmt == "coco":
        return export_coco(job, out, overwrite)
    if fmt == "davis":
        return export_davis(job, out, with_frames, resize_480p, overwrite)
    if fmt == "youtube-vos":
        return export_youtube_vos(job, out, with_frames, overwrite)
    if fmt == "mattes":
        return export_mattes(job, out, feather, overwrite)
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
    **options: object,
) -> int:
    """Export a project file; returns the number of frames written.

    The project is only read: an export runs while the window has it open.
    """
    target, own = out.resolve(), project.resolve()
    if target == own or target in own.parents:
        raise AnnotatorError(f"--out {out} would replace the project {project} itself")
    store, source = open_with_video(project, read_only=True)
    with store, source:
        job = make_job(store, source, objects, frames)
        done = 0
        for f in run_export(job, fmt, out, **options):  # type: ignore[arg-type]
            done += 1
            if on_frame is not None:
                on_frame(f)
        return done


def read_dataset(fmt: str, path: Path, size: tuple[int, int], count: int) -> Imported:
    if fmt == "davis":
        return import_davis(path, size, count)
    if fmt == "youtube-vos":
        return import_youtube_vos(path, size, count)
    if fmt == "coco":
        return import_coco(path, size, count)
    raise ExportError(f"unknown import format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")


def dataset_video(fmt: str, path: Path) -> Path | None:
    """The frames folder that goes with a DAVIS or YouTube-VOS dataset, when it has one."""
    if fmt == "davis":
        for sub in ("JPEGImages/480p", "JPEGImages/Full-Resolution"):
            folder = path / sub
            if folder.is_dir():
                seqs = [d for d in folder.iterdir() if d.is_dir()]
                if len(seqs) == 1:
                    return seqs[0]
    if fmt == "youtube-vos" and (path / "JPEGImages").is_dir():
        seqs = [d for d in (path / "JPEGImages").iterdir() if d.is_dir()]
        if len(seqs) == 1:
            return seqs[0]
    return None


def apply_import(model: AnnotationModel, found: Imported, label: str) -> tuple[int, int]:
    """Add the objects and user keyframes as one undo step; returns (objects, masks)."""
    changes: list[Change] = []
    for k, category in sorted(found.categories.items()):
        if k not in model.objects:
            info = ObjectInfo(k, f"object {k}", category, object_color(k))
            changes += model.add_object(info).changes
        elif model.objects[k].category in ("", "object") and category != "object":
            changes += model.update_object(replace(model.objects[k], category=category)).changes
    cells = [(k, f, FrameMask(Provenance.USER, m)) for (k, f), m in sorted(found.masks.items())]
    changes += model.set_masks(label, cells).changes
    model.apply(Edit(label, tuple(changes)))
    return len(found.categories), len(cells)


def import_into_project(
    project: Path, fmt: str, path: Path, video: Path | None = None
) -> tuple[int, int]:
    """Create or extend ``project`` with a dataset's masks as user keyframes."""
    if project.exists():
        store, source = open_with_video(project)
    else:
        video = video or dataset_video(fmt, path)
        if video is None:
            raise AnnotatorError(
                f"{project} does not exist yet: give --video, the frames it annotates"
            )
        source = open_source(video)
        try:
            store = open_or_create(project, source)
        except AnnotatorError:
            source.close()
            raise
    with store, source:
        found = read_dataset(fmt, path, source.size, len(source))
        return apply_import(store.model, found, f"import {fmt} {path.name}")
