"""The application without Qt: a project, its video, the tracker, edits and propagation runs.

``Session`` is the single writer to the open project. The window drives it
through a thin Qt adapter (``annotator.gui.controller``); anything else (a
script, a test, another front end) can drive it the same way, headless.

A propagation run is a ``PropagationRun``: its ``steps()`` generator runs on
any thread (a worker's), opens its own ``FrameSource`` (a twin of the open
one, which reuses its packet index) so the user's scrubbing does not move its
decoder, and never touches the project; ``Session.apply_step``
applies each step on the thread that owns the session; ``Session.finish_run``
closes the run's single undo step. A plain ``threading.Event`` cancels it
between frames.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from annotator.commands.edits import current_mask, stroke_edit, user_mask_edit
from annotator.commands.export import apply_import, make_job, read_dataset
from annotator.commands.navigate import next_doubtful_frame
from annotator.commands.project import (
    PROJECT_SUFFIX,
    open_or_create,
    open_with_video,
    project_for_video,
    video_path_of,
)
from annotator.commands.propagate import (
    add_objects_with_masks,
    apply_step,
    box_init_masks,
    object_color,
)
from annotator.core.model import AnnotationModel, Edit, FrameMask, ObjectInfo
from annotator.errors import AnnotatorError
from annotator.formats.common import ExportJob
from annotator.formats.importers import Imported
from annotator.propagation import (
    Direction,
    PropagationPlan,
    PropagationStep,
    neighbour_frame,
    snapshot_cells,
)
from annotator.session.run import PropagationRun, Runner, run_here
from annotator.store.lock import ProjectLockedError
from annotator.store.project import ProjectStore
from annotator.tracking.base import Tracker
from annotator.tracking.factory import create_tracker
from annotator.tracking.strokes import Stroke
from annotator.video.frame_source import FrameSource, open_source

__all__ = [
    "PROJECT_SUFFIX",
    "PropagationRun",
    "Runner",
    "Session",
    "project_for_video",
    "run_here",
]

log = logging.getLogger(__name__)


class Session:
    """The open project, its frame source and the tracker; every edit goes through here.

    ``on_tracker(description)`` is called when a tracker is built (it is built
    on first use, since building SiamMask takes a while).
    """

    def __init__(
        self,
        projects: Path,
        tracker_kind: str = "auto",
        weights: Path | None = None,
        on_tracker: Callable[[str], None] | None = None,
        device: str = "auto",
        half: bool = False,
    ) -> None:
        """``projects``: where the projects of opened videos and folders are kept;
        ``device``: where SiamMask runs (``auto``, ``cpu`` or ``cuda``); ``half``: its
        network in float16 (CUDA only)."""
        self.projects = projects
        self.device = device
        self.half = half
        self.store: ProjectStore | None = None
        self.source: FrameSource | None = None
        self.video: Path | None = None
        self.tracker_kind = tracker_kind
        self.weights = weights
        self.on_tracker = on_tracker
        self.run: PropagationRun | None = None
        self._tracker: Tracker | None = None

    # -- opening -----------------------------------------------------------------------
    @property
    def model(self) -> AnnotationModel | None:
        return self.store.model if self.store is not None else None

    def open_path(self, path: Path) -> None:
        """Open a video, a frame folder or a project; ``AnnotatorError`` leaves the old one open.

        A project another annotator is writing opens read-only
        (``store.read_only_reason`` says why).
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
        log.info("opened %s (project %s)", video, store.path)

    def _release_if_open(self, project: Path) -> None:
        """Reopening the open project: close it first, or its own lock would refuse it."""
        if self.store is not None and self.store.path.resolve() == project.resolve():
            self.close()

    def close(self) -> None:
        """Close the project and the video; a run still open is finished first."""
        if self.run is not None:
            self.run.cancel.set()
            self.finish_run()
        if self.store is not None:
            self.store.close()
        if self.source is not None:
            self.source.close()
        self.store = self.source = self.video = None

    # -- tracker -----------------------------------------------------------------------
    def set_tracker(self, kind: str, weights: Path | None = None) -> None:
        """Choose the backend. Raises if SiamMask has no weights."""
        if self.is_running:
            raise AnnotatorError("stop the propagation before changing the tracker")
        tracker = create_tracker(kind, weights, self.device, half=self.half)
        self.tracker_kind, self.weights, self._tracker = kind, weights, tracker
        self._announce_tracker()

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = create_tracker(
                self.tracker_kind, self.weights, self.device, half=self.half
            )
            self._announce_tracker()
        return self._tracker

    def _announce_tracker(self) -> None:
        if self.on_tracker is not None:
            self.on_tracker(self.tracker_description)

    @property
    def tracker_description(self) -> str:
        t = self._tracker
        return "" if t is None else f"{t.name} on {t.device_label}"

    # -- edits -------------------------------------------------------------------------
    def _require(self) -> ProjectStore:
        return self._open()[0]

    def _open(self) -> tuple[ProjectStore, FrameSource]:
        """The open project and its frames; ``AnnotatorError`` when nothing is open."""
        if self.store is None or self.source is None:
            raise AnnotatorError("open a video first")
        return self.store, self.source

    def _no_run(self, what: str) -> None:
        if self.is_running:
            raise AnnotatorError(f"stop the propagation (Esc) before you {what}")

    def add_box_object(
        self, frame: int, box: tuple[float, float, float, float], run: Runner = run_here
    ) -> int:
        """A new object from an xywh box on ``frame``: its init mask comes from the tracker.

        ``run`` runs the init (one to two seconds at 854 x 480; it touches no project), for
        example on a worker thread while the window keeps painting.
        """
        self._no_run("add an object")
        mask = self._box_mask(frame, box, run)
        [object_id] = add_objects_with_masks(self._require().model, frame, [mask])
        return object_id

    def reinit_object(
        self,
        object_id: int,
        frame: int,
        box: tuple[float, float, float, float],
        run: Runner = run_here,
    ) -> None:
        """A new box for an existing object on ``frame``: a fresh init mask there (a
        keyframe). ``run`` runs the init, as in ``add_box_object``."""
        self._no_run("re-initialise an object")
        mask = self._box_mask(frame, box, run)
        store = self._require()
        store.apply(store.model.set_masks(f"new box for {object_id}", [(object_id, frame, mask)]))

    def _box_mask(
        self, frame: int, box: tuple[float, float, float, float], run: Runner
    ) -> FrameMask:
        """The tracker's init mask for an xywh box on ``frame``: the frames are decoded
        here, the init runs under ``run``."""
        source = self._open()[1]
        image, near = source[frame], neighbour_frame(source, frame)
        tracker = self.tracker
        [mask] = run(lambda: box_init_masks(tracker, image, [box], near))
        return mask

    def set_user_mask(self, object_id: int, frame: int, mask: np.ndarray, label: str) -> None:
        """The user's mask for an object on a frame: a locked keyframe, kept exactly as drawn.

        The next propagation from this frame starts the tracker from it.
        """
        store = self._require()
        store.apply(user_mask_edit(store.model, object_id, frame, mask, label))

    def apply_strokes(self, object_id: int, frame: int, strokes: list[Stroke]) -> None:
        """Correction strokes on an object's mask on ``frame``, snapped to the image near
        them (``annotator.tracking.strokes``): a locked keyframe, one undo step."""
        store, source = self._open()
        self._no_run("correct a mask")
        store.apply(stroke_edit(store.model, object_id, frame, source.__getitem__, strokes))

    def mask_array(self, object_id: int, frame: int) -> np.ndarray:
        """(H, W) uint8 mask of an object on a frame; zeros where it has none."""
        store, source = self._open()
        w, h = source.size
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

    def mark_absent(self, object_id: int, start: int, stop: int) -> int:
        """The object is absent (it left the shot) on frames start..stop-1: locked
        frames that propagation stops at. Returns how many frames; one undo step."""
        return self._range_edit(object_id, start, stop, "mark an object absent", absent=True)

    def clear_range(self, object_id: int, start: int, stop: int) -> int:
        """Remove the object's masks on frames start..stop-1; returns how many; one undo step."""
        return self._range_edit(object_id, start, stop, "clear frames", absent=False)

    def _range_edit(self, object_id: int, start: int, stop: int, what: str, absent: bool) -> int:
        store = self._require()
        self._no_run(what)
        if object_id not in store.model.objects:
            raise AnnotatorError("select an object first")
        count = store.model.frame_count
        start, stop = max(start, 0), min(stop, count)
        if start >= stop:
            raise AnnotatorError(f"no frames between {start} and {stop - 1}")
        model = store.model
        edit = (model.mark_absent if absent else model.clear_range)(object_id, start, stop)
        store.apply(edit)
        return len(edit.changes)

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
        store, source = self._open()
        self._no_run("export")
        return make_job(store, source, objects, frames)

    def dataset_reader(
        self, fmt: str, path: Path, seq: str | None = None
    ) -> Callable[[], Imported]:
        """The slow half of an import, reading and checking the files: a call that touches
        no session state, for any thread. ``apply_imported`` then adds what it found."""
        _, source = self._open()
        self._no_run("import")
        size, count = source.size, len(source)
        return lambda: read_dataset(fmt, path, size, count, seq)

    def apply_imported(
        self, fmt: str, path: Path, found: Imported, keyframes: bool = True
    ) -> tuple[int, int]:
        """Add a dataset's masks read by ``dataset_reader`` (one undo step): (objects, masks).
        Without ``keyframes`` they are propagated frames that a run may replace."""
        store = self._require()
        self._no_run("import")
        return apply_import(store.model, found, f"import {fmt} {path.name}", keyframes)

    # -- navigation --------------------------------------------------------------------
    def doubtful_frame(
        self, frame: int, step: int, objects: list[int] | None = None, wrap: bool = False
    ) -> int | None:
        """The next frame after ``frame`` in direction ``step`` (+1/-1) with a low score
        (``next_doubtful_frame``)."""
        return next_doubtful_frame(self._require().model, frame, step, objects, wrap)

    # -- propagation -------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.run is not None

    def start_run(
        self,
        frame: int,
        direction: Direction | str,
        objects: list[int] | None = None,
        stop_below: float | None = None,
    ) -> PropagationRun:
        """A run from ``frame``, for the caller to drive (``run.steps()`` on any thread)
        and apply (``apply_step`` here); ``finish_run`` ends it. One undo step."""
        store, source = self._open()
        if self.is_running:
            raise AnnotatorError("a propagation is already running")
        plan = PropagationPlan.from_model(store.model, frame, direction, objects)
        if not plan.runs:
            reasons = "; ".join(f"object {k} {why}" for k, why in plan.skipped.items())
            raise AnnotatorError(
                f"nothing to propagate from frame {frame}: {reasons or 'no objects'}"
            )
        # The run reads frames with its own decoder, so the user's scrubbing does not move
        # it; a twin reuses the open video's packet index instead of demuxing it again.
        # Blending reads the cells the run meets; a snapshot taken here lets the run's
        # thread blend and encode, so the owning (GUI) thread only applies.
        run = PropagationRun(
            plan,
            source.twin,
            self.tracker,
            existing=snapshot_cells(store.model, plan),
            stop_below=stop_below,
        )
        store.model.begin_group(f"propagate {plan.direction} from frame {frame}")
        self.run = run
        return run

    def apply_step(self, step: PropagationStep, image: np.ndarray | None = None) -> None:
        """Write one step of the current run into the project (its image, if given, goes
        to the frame cache). A write that fails stops the run; what came before stays."""
        run = self.run
        if run is None or self.store is None:
            return
        if image is not None and self.source is not None:
            self.source.offer(step.frame, image)
        try:
            apply_step(self.store.model, run.plan, step)
            run.done += 1
        except AnnotatorError as exc:
            run.error = str(exc)
            run.cancel.set()

    def finish_run(self) -> PropagationRun | None:
        """End the current run: its frames become one undo step. Returns the run."""
        run, self.run = self.run, None
        if run is None:
            return None
        if self.store is not None:
            self.store.model.end_group()
        log.info(run.summary())
        return run
