"""The window's adapter over the Qt-free ``Session``: signals, and the worker thread.

Everything the application does (projects, the tracker, edits, runs) lives in
``annotator.session``. This class only turns it into Qt: it emits signals
when the session changes, drives a run's generator on a ``QThread`` and
applies each step on the GUI thread, which stays the single writer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.model import AnnotationModel, Edit, ObjectInfo
from annotator.formats.common import ExportJob
from annotator.gui.settings import data_dir
from annotator.gui.worker import PropagationWorker
from annotator.propagation import Direction, PropagationPlan, PropagationStep
from annotator.session import PROJECT_SUFFIX, Runner, Session, project_for_video, run_here
from annotator.store.project import ProjectStore
from annotator.tracking.base import Tracker
from annotator.tracking.strokes import Stroke
from annotator.video.frame_source import FrameSource

log = logging.getLogger(__name__)

__all__ = ["PROJECT_SUFFIX", "Controller", "project_for_video"]


class Controller(QObject):
    """Signals: ``opened()``, ``changed(Edit)``, ``tracker_changed(str)``,
    ``propagation_started(int)`` (frames at most), ``propagation_step(int frame, int done,
    float fps)``, ``propagation_finished(str)`` (a summary) and ``error(str, str)``
    (title, message). The session is ``session``; the methods below forward to it."""

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
        self.session = Session(
            projects if projects is not None else data_dir() / "projects",
            tracker_kind,
            weights,
            on_tracker=self.tracker_changed.emit,
        )
        self._thread: QThread | None = None
        self._worker: PropagationWorker | None = None

    # -- what the session holds ----------------------------------------------------------
    @property
    def model(self) -> AnnotationModel | None:
        return self.session.model

    @property
    def store(self) -> ProjectStore | None:
        return self.session.store

    @property
    def source(self) -> FrameSource | None:
        return self.session.source

    @property
    def video(self) -> Path | None:
        return self.session.video

    @property
    def tracker(self) -> Tracker:
        return self.session.tracker

    @property
    def tracker_kind(self) -> str:
        return self.session.tracker_kind

    @property
    def tracker_description(self) -> str:
        return self.session.tracker_description

    @property
    def is_running(self) -> bool:
        return self.session.is_running

    # -- opening -------------------------------------------------------------------------
    def open_path(self, path: Path) -> None:
        """Open a video, a frame folder or a project; ``AnnotatorError`` leaves the old one open."""
        self.stop_propagation(wait=True)
        self.session.open_path(path)
        store = self.session.store
        assert store is not None
        store.model.subscribe(self.changed.emit)
        self.opened.emit()
        if store.read_only:
            self.error.emit("Opened read-only", store.read_only_reason)

    def close(self) -> None:
        self.stop_propagation(wait=True)
        self.session.close()

    def set_tracker(self, kind: str, weights: Path | None = None) -> None:
        self.session.set_tracker(kind, weights)

    # -- edits (see ``Session``) ---------------------------------------------------------
    def add_box_object(
        self, frame: int, box: tuple[float, float, float, float], run: Runner = run_here
    ) -> int:
        return self.session.add_box_object(frame, box, run)

    def reinit_object(
        self,
        object_id: int,
        frame: int,
        box: tuple[float, float, float, float],
        run: Runner = run_here,
    ) -> None:
        self.session.reinit_object(object_id, frame, box, run)

    def set_user_mask(self, object_id: int, frame: int, mask: np.ndarray, label: str) -> None:
        self.session.set_user_mask(object_id, frame, mask, label)

    def apply_strokes(self, object_id: int, frame: int, strokes: list[Stroke]) -> None:
        self.session.apply_strokes(object_id, frame, strokes)

    def mask_array(self, object_id: int, frame: int) -> np.ndarray:
        return self.session.mask_array(object_id, frame)

    def new_object_info(self, name: str | None = None) -> ObjectInfo:
        return self.session.new_object_info(name)

    def add_empty_object(self) -> int:
        return self.session.add_empty_object()

    def update_object(self, info: ObjectInfo) -> None:
        self.session.update_object(info)

    def delete_object(self, object_id: int) -> None:
        self.session.delete_object(object_id)

    def mark_absent(self, object_id: int, start: int, stop: int) -> int:
        return self.session.mark_absent(object_id, start, stop)

    def clear_range(self, object_id: int, start: int, stop: int) -> int:
        return self.session.clear_range(object_id, start, stop)

    def undo(self) -> Edit | None:
        return self.session.undo()

    def redo(self) -> Edit | None:
        return self.session.redo()

    def export_job(self, objects: list[int] | None = None, frames: str | None = None) -> ExportJob:
        return self.session.export_job(objects, frames)

    def doubtful_frame(
        self, frame: int, step: int, objects: list[int] | None = None, wrap: bool = False
    ) -> int | None:
        return self.session.doubtful_frame(frame, step, objects, wrap)

    # -- propagation ---------------------------------------------------------------------
    def start_propagation(
        self, frame: int, direction: Direction | str, objects: list[int] | None = None
    ) -> PropagationPlan:
        """Start a run on the worker thread; its steps are applied here as they arrive."""
        run = self.session.start_run(frame, direction, objects)
        self._worker = PropagationWorker(run)
        self._thread = QThread()
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.step.connect(self._on_step)
        self._worker.failed.connect(self._on_failed)
        self._worker.done.connect(self._on_done)
        self._thread.start()
        self.propagation_started.emit(run.plan.frames)
        return run.plan

    def stop_propagation(self, wait: bool = False) -> None:
        """Ask the worker to stop after its current frame; with ``wait``, finish the run here."""
        run = self.session.run
        if run is None:
            return
        run.cancel.set()
        if wait:
            self._finish()

    def _on_step(self, step: PropagationStep, image: np.ndarray) -> None:
        if self.sender() is not self._worker:  # queued from a run already finished
            return
        try:
            self.session.apply_step(step, image)
        finally:
            if self._worker is not None:
                self._worker.applied()
        run = self.session.run
        if run is not None:
            self.propagation_step.emit(step.frame, run.done, run.fps)

    def _on_failed(self, message: str) -> None:
        run = self.session.run
        if self.sender() is not self._worker:
            return
        if run is not None:
            run.error = message

    def _on_done(self) -> None:
        if self.sender() is self._worker:
            self._finish()

    def _finish(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._worker = None
        self._thread = None
        run = self.session.finish_run()
        if run is None:
            return
        if run.error:
            self.error.emit("Propagation stopped", run.error + "\nEverything before it is saved.")
        self.propagation_finished.emit(run.summary())
