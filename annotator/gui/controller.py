"""The controller: the GUI thread's single writer to the project.

It opens a video, a folder of frames or a ``.annot`` project, owns the
project store, the frame source and the tracker, turns the user's edits into
model edits (each one undoable and committed at once), and runs propagation
on a worker thread, applying the worker's results as they arrive.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from annotator.commands.edits import current_mask, stroke_edit, user_mask_edit
from annotator.commands.export import apply_import, make_job, read_dataset
from annotator.commands.project import open_or_create, open_with_video, video_path_of
from annotator.commands.propagate import add_box_objects, apply_step, object_color
from annotator.core.model import Edit, ObjectInfo, Provenance
from annotator.errors import AnnotatorError
from annotator.export.common import ExportJob
from annotator.gui.settings import data_dir
from annotator.gui.worker import PropagationWorker
from annotator.propagation import (
    Direction,
    PropagationPlan,
    PropagationStep,
    neighbour_frame,
    result_mask,
)
from annotator.store.lock import ProjectLockedError
from annotator.store.project import ProjectStore
from annotator.tracking.base import DOUBTFUL_SCORE, Tracker, validate_box
from annotator.tracking.factory import create_tracker
from annotator.tracking.strokes import Stroke
from annotator.video.frame_source import FrameSource, open_source

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".annot"


def project_for_video(video: Path, folder: Path) -> Path:
    """The project file in ``folder`` kept for a video or frame folder, named after its path."""
    resolved = video.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    return folder / f"{resolved.stem or resolved.name}-{digest}{PROJECT_SUFFIX}"


class Controller(QObject):
    """Signals: ``opened()``, ``changed(Edit)``, ``tracker_changed(str)``,
    ``propagation_started(int)`` (frames at most), ``propagation_step(int frame, int done,
    float fps)``, ``propagation_finished(str)`` (a summary) and ``error(str, str)``
    (title, message)."""

    opened = Signal()
    changed = Signal(object)
    tracker_changed = Signal(str)
    propagation_started = Signal(int)
    propagation_step = Signal(int, int, float)
    propagation_finished = Signal(str)
    error = Signal(str, str)

    def __init__(
        self, tracker_kind: str = "auto", weights: Path | None = None, projects: Path | None = None
    ) -> None:
        """``projects``: where projects of opened videos are kept (default: data_dir()/projects)."""
        super().__init__()
        self.projects = projects if projects is not None else data_dir() / "projects"
        self.store: ProjectStore | None = None
        self.source: FrameSource | None = None
        self.video: Path | None = None
        self.tracker_kind = tracker_kind
        self.weights = weights
        self._tracker: Tracker | None = None
        self._thread: QThread | None = None
        self._worker: PropagationWorker | None = None
        self._cancel = threading.Event()
        self._group: object | None = None
        self._run_done = 0
        self._run_started = 0.0
        self._run_error: str | None = None

    # -- opening -----------------------------------------------------------------------
    @property
    def model(self):  # type: ignore[no-untyped-def]
        return self.store.model if self.store is not None else None

    def open_path(self, path: Path) -> None:
        """Open a video, a frame folder or a project; ``AnnotatorError`` leaves the old one open.

        A project another annotator is writing opens read-only, with a warning.
        """
        path = Path(path).expanduser()
        if path.suffix == PROJECT_SUFFIX:
            self._release_if_open(path)
            try:
                store, source = open_with_video(path)
            except ProjectLockedError as exc:
                store, source = open_with_video(path, read_only=True)
                store.read_only_reason = str(exc)
            video = video_path_of(store)
        else:
            source = open_source(path)
            try:
                target = project_for_video(path, self.projects)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._release_if_open(target)
                try:
                    store = open_or_create(target, source)
                except ProjectLockedError as exc:
                    fingerprint = source.fingerprint().as_dict()
                    store = ProjectStore.open(target, fingerprint, read_only=True)
                    store.read_only_reason = str(exc)
            except (AnnotatorError, OSError) as exc:
                source.close()
                raise AnnotatorError(f"cannot keep a project for {path}: {exc}") from exc
            video = path
        self.close()
        self.store, self.source, self.video = store, source, video
        store.model.subscribe(self.changed.emit)
        log.info("opened %s (project %s)", video, store.path)
        self.opened.emit()
        if store.read_only:
            self.error.emit("Opened read-only", store.read_only_reason)

    def _release_if_open(self, project: Path) -> None:
        """Reopening the open project: close it first, or its own lock would refuse it."""
        if self.store is not None and self.store.path.resolve() == project.resolve():
            self.close()

    def close(self) -> None:
        self.stop_propagation(wait=True)
        if self.store is not None:
            self.store.close()
        if self.source is not None:
            self.source.close()
        self.store = self.source = self.video = None

    # -- tracker -----------------------------------------------------------------------
    def set_tracker(self, kind: str, weights: Path | None = None) -> None:
        """Choose the backend; it is built on first use. Raises if SiamMask has no weights."""
        if self.is_running:
            raise AnnotatorError("stop the propagation before changing the tracker")
        tracker = create_tracker(kind, weights)
        self.tracker_kind, self.weights, self._tracker = kind, weights, tracker
        self.tracker_changed.emit(self.tracker_description)

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = create_tracker(self.tracker_kind, self.weights)
            self.tracker_changed.emit(self.tracker_description)
        return self._tracker

    @property
    def tracker_description(self) -> str:
        t = self._tracker
        return "" if t is None else f"{t.name} on {t.device_label}"

    # -- edits -------------------------------------------------------------------------
    def _require(self) -> ProjectStore:
        if self.store is None or self.source is None:
            raise AnnotatorError("open a video first")
        return self.store

    def _no_run(self, what: str) -> None:
        if self.is_running:
            raise AnnotatorError(f"stop the propagation (Esc) before you {what}")

    def add_box_object(self, frame: int, box: tuple[float, float, float, float]) -> int:
        """A new object from an xywh box on ``frame``: its init mask comes from the tracker."""
        store = self._require()
        self._no_run("add an object")
        source = self.source
        assert source is not None  # _require checked it
        image, near = source[frame], neighbour_frame(source, frame)
        [object_id] = add_box_objects(
            store.model, self.tracker, image, frame, [box], neighbour=near
        )
        return object_id

    def reinit_object(
        self, object_id: int, frame: int, box: tuple[float, float, float, float]
    ) -> None:
        """A new box for an existing object on ``frame``: a fresh init mask there (a keyframe)."""
        store = self._require()
        self._no_run("re-initialise an object")
        source = self.source
        assert source is not None  # _require checked it
        image, near = source[frame], neighbour_frame(source, frame)
        box = validate_box(box, image.shape)
        tracker = self.tracker
        [result] = tracker.describe_init(image, [tracker.init(image, box=box, neighbour=near)])
        mask = result_mask(result, Provenance.INIT, None)
        store.apply(store.model.set_masks(f"new box for {object_id}", [(object_id, frame, mask)]))

    def set_user_mask(self, object_id: int, frame: int, mask: np.ndarray, label: str) -> None:
        """The user's mask for an object on a frame: a locked keyframe, kept exactly as drawn.

        The next propagation from this frame starts the tracker from it.
        """
        store = self._require()
        store.apply(user_mask_edit(store.model, object_id, frame, mask, label))

    def apply_strokes(self, object_id: int, frame: int, strokes: list[Stroke]) -> None:
        """Correction strokes on an object's mask on ``frame``, snapped to the image near
        them (``annotator.tracking.strokes``): a locked keyframe, one undo step."""
        store = self._require()
        self._no_run("correct a mask")
        source = self.source
        assert source is not None  # _require checked it
        store.apply(stroke_edit(store.model, object_id, frame, source.__getitem__, strokes))

    def mask_array(self, object_id: int, frame: int) -> np.ndarray:
        """(H, W) uint8 mask of an object on a frame; zeros where it has none."""
        store = self._require()
        w, h = self.source.size  # type: ignore[union-attr]
        return current_mask(store.model, object_id, frame, (h, w))

    def new_object_info(self, name: str | None = None) -> ObjectInfo:
        store = self._require()
        k = store.model.next_object_id()
        return ObjectInfo(k, name or f"object {k}", color=object_color(k))

    def add_empty_object(self) -> int:
        store = self._require()
        info = self.new_object_info()
        store.apply(store.model.add_object(info))
        return info.id

    def update_object(self, info: ObjectInfo) -> None:
        store = self._require()
        store.apply(store.model.update_object(info))

    def delete_object(self, object_id: int) -> None:
        store = self._require()
        self._no_run("delete an object")
        store.apply(store.model.delete_object(object_id))

    def undo(self) -> Edit | None:
        store = self._require()
        self._no_run("undo")
        return store.undo()

    def redo(self) -> Edit | None:
        store = self._require()
        self._no_run("redo")
        return store.redo()

    # -- datasets ----------------------------------------------------------------------
    def export_job(self, objects: list[int] | None = None, frames: str | None = None) -> ExportJob:
        """What File ▸ Export writes: the open project's objects and frames."""
        store = self._require()
        self._no_run("export")
        return make_job(store, self.source, objects, frames)  # type: ignore[arg-type]

    def import_dataset(self, fmt: str, path: Path) -> tuple[int, int]:
        """Add a DAVIS, COCO or YouTube-VOS dataset's masks as user keyframes (one undo step)."""
        store = self._require()
        self._no_run("import")
        found = read_dataset(fmt, path, self.source.size, len(self.source))  # type: ignore[union-attr,arg-type]
        return apply_import(store.model, found, f"import {fmt} {path.name}")

    # -- navigation --------------------------------------------------------------------
    def doubtful_frame(self, frame: int, step: int, objects: list[int] | None = None) -> int | None:
        """The next frame after ``frame`` in direction ``step`` (+1/-1) with a low score."""
        store = self._require()
        model = store.model
        ids = objects if objects is not None else list(model.objects)
        low = sorted(
            f
            for k in ids
            for f, m in model.frames_of(k).items()
            if m.score is not None and m.score < DOUBTFUL_SCORE
        )
        ahead = [f for f in low if (f - frame) * step > 0]
        if not ahead:
            return None
        return min(ahead) if step > 0 else max(ahead)

    # -- propagation -------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._thread is not None

    def start_propagation(
        self, frame: int, direction: Direction | str, objects: list[int] | None = None
    ) -> PropagationPlan:
        """Start a run on the worker thread; results are applied here as they arrive."""
        store = self._require()
        if self.is_running:
            raise AnnotatorError("a propagation is already running")
        plan = PropagationPlan.from_model(store.model, frame, direction, objects)
        if not plan.runs:
            reasons = "; ".join(f"object {k} {why}" for k, why in plan.skipped.items())
            raise AnnotatorError(
                f"nothing to propagate from frame {frame}: {reasons or 'no objects'}"
            )
        tracker = self.tracker
        self._cancel = threading.Event()
        self._worker = PropagationWorker(plan, self.video, tracker, self._cancel)  # type: ignore[arg-type]
        self._thread = QThread()
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.step.connect(self._on_step)
        self._worker.failed.connect(self._on_failed)
        self._worker.done.connect(self._on_done)
        self._group = store.model.group(f"propagate {plan.direction} from frame {frame}")
        self._group.__enter__()  # type: ignore[attr-defined]
        self._run_done, self._run_error = 0, None
        self._run_started = time.perf_counter()
        self._thread.start()
        self.propagation_started.emit(plan.frames)
        return plan

    def stop_propagation(self, wait: bool = False) -> None:
        """Ask the worker to stop after its current frame; with ``wait``, finish the run here."""
        if self._thread is None:
            return
        self._cancel.set()
        if wait:
            self._thread.quit()
            self._thread.wait()
            self._finish()

    def _on_step(self, step: PropagationStep, image: np.ndarray) -> None:
        worker = self._worker
        if self.source is not None:
            self.source.offer(step.frame, image)
        try:
            if self.store is not None and worker is not None:
                apply_step(self.store.model, worker.plan, step)
                self._run_done += 1
        except AnnotatorError as exc:
            self._run_error = str(exc)
            self._cancel.set()
        finally:
            if worker is not None:
                worker.applied()
        elapsed = max(time.perf_counter() - self._run_started, 1e-6)
        self.propagation_step.emit(step.frame, self._run_done, self._run_done / elapsed)

    def _on_failed(self, message: str) -> None:
        self._run_error = message

    def _on_done(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._finish()

    def _finish(self) -> None:
        if self._thread is None:
            return
        if self._group is not None:
            self._group.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._group = None
        self._worker = None
        self._thread = None
        elapsed = time.perf_counter() - self._run_started
        if self._run_error:
            self.error.emit(
                "Propagation stopped", self._run_error + "\nEverything before it is saved."
            )
            summary = f"propagation failed after {self._run_done} frames"
        elif self._cancel.is_set():
            summary = f"propagation stopped after {self._run_done} frames"
        else:
            summary = f"propagated {self._run_done} frames in {elapsed:.1f} s"
        log.info(summary)
        self.propagation_finished.emit(summary)
