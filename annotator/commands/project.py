"""Opening a project together with its video, and summarising it, for headless commands."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError
from annotator.store.project import ProjectError, ProjectStore
from annotator.video.frame_source import FrameSource, open_source

PROJECT_SUFFIX = ".annot"


def project_for_video(video: Path, folder: Path) -> Path:
    """The project file in ``folder`` kept for a video or frame folder, named after its path."""
    resolved = video.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    return folder / f"{resolved.stem or resolved.name}-{digest}{PROJECT_SUFFIX}"


def video_path_of(store: ProjectStore) -> Path:
    """The project's video; a relative path is taken from the project's folder."""
    path = Path(store.video["path"]).expanduser()
    return path if path.is_absolute() else store.path.parent / path


def open_or_create(project: Path, source: FrameSource) -> ProjectStore:
    """Open ``project`` for writing against ``source``, creating it if it does not exist."""
    fingerprint = source.fingerprint().as_dict()
    if not project.exists():
        return ProjectStore.create(project, str(Path(source.path).resolve()), fingerprint)
    store = ProjectStore.open(project, fingerprint)
    if store.read_only:
        store.close()
        raise ProjectError(
            f"{project} was made for another video ({store.video['path']}), "
            f"not {source.path}; nothing was written"
        )
    return store


def open_with_video(project: Path, read_only: bool = False) -> tuple[ProjectStore, FrameSource]:
    """Open a project and the video it names, refusing to write if the video changed.

    Without ``read_only`` the project is locked for this process as its writer.
    """
    store = ProjectStore.open(project, read_only=read_only)
    try:
        source = open_source(video_path_of(store))
    except AnnotatorError as exc:
        store.close()
        raise AnnotatorError(f"cannot open the video of {project}: {exc}") from exc
    if source.fingerprint().as_dict() != store.video["fingerprint"]:
        source.close()
        store.close()
        raise ProjectError(
            f"the video at {video_path_of(store)} is not the one {project} was made for "
            "(frame count, size or first frame differ); nothing was written"
        )
    return store, source


def project_info(store: ProjectStore) -> dict[str, Any]:
    """The JSON summary ``annotator info`` prints."""
    model = store.model
    return {
        "project": str(store.path),
        "video": {
            "path": store.video["path"],
            "fingerprint": store.video["fingerprint"],
            "frame_count": model.frame_count,
        },
        "objects": [
            {
                "id": obj.id,
                "name": obj.name,
                "category": obj.category,
                "color": list(obj.color),
                "keyframes": model.keyframes(obj.id),
                "frames": model.provenance_counts(obj.id),
            }
            for obj in model.objects.values()
        ],
    }
