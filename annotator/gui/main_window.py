"""The main window: canvas, objects panel, timeline, menus, shortcuts and the status bar.

It shows what the controller holds and turns the user's gestures into
controller calls. Every shortcut is a ``QAction`` in a menu, so Help lists
them all from one table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Edit, ObjectChange, ObjectInfo
from annotator.errors import AnnotatorError
from annotator.gui import edit_tools, object_actions, opening, tracker_choice, transfer
from annotator.gui.canvas import Canvas, Tool
from annotator.gui.controller import Controller
from annotator.gui.dialogs import ShortcutsDialog, WeightsDialog
from annotator.gui.matte_panel import MattePanel
from annotator.gui.menus import build_menus
from annotator.gui.objects_panel import ObjectsPanel
from annotator.gui.playback import Playback
from annotator.gui.raster import annotation_overlay
from annotator.gui.run_status import RunStatus
from annotator.gui.settings import Settings
from annotator.gui.timeline import Timeline, legend_html
from annotator.gui.toolbar import TOOL_HINTS, build_toolbar
from annotator.gui.worker import CloseHold, run_held
from annotator.propagation import Direction
from annotator.video.frame_source import FrameSource

log = logging.getLogger(__name__)

T = TypeVar("T")


class MainWindow(QMainWindow):
    """The annotation window. ``open_path`` opens a video, a frame folder or a project."""

    # Filled by ``build_menus``.
    tool_actions: dict[Tool, QAction]
    run_actions: dict[str, QAction]
    tracker_actions: dict[str, QAction]
    overlay_action: QAction
    recent_menu: QMenu

    def __init__(
        self, controller: Controller | None = None, settings: Settings | None = None
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.controller = controller or Controller(str(self.settings.get("tracker", "auto")))
        self.current = 0
        self.overlay_alpha = self.settings.get_float("opacity", 0.45)
        self._weights_dialog: WeightsDialog | None = None
        self._shortcuts_dialog: ShortcutsDialog | None = None
        self.close_hold = CloseHold(self)

        self.canvas = Canvas()
        self.panel = ObjectsPanel()
        self.timeline = Timeline()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.valueChanged.connect(self.show_frame)
        self.timeline.frame_requested.connect(self.show_frame)

        self.matte_panel = MattePanel(self)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.panel, 1)
        column.addWidget(self.matte_panel)
        split = QSplitter()
        split.addWidget(self.canvas)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setCollapsible(0, False)
        side.setMinimumWidth(240)
        side.setMaximumWidth(420)
        split.setSizes([1000, 280])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(split, 1)
        layout.addWidget(self.timeline)
        self.legend = QLabel(legend_html())
        self.legend.setStyleSheet("color: palette(mid); font-size: 11px")
        layout.addWidget(self.legend)
        layout.addWidget(self.slider)
        self.setCentralWidget(body)

        self.frame_label = QLabel()
        self.tracker_label = QLabel()
        bar = self.statusBar()
        self.run_status = RunStatus(bar, bool(self.settings.get("follow", True)))
        self.run_status.stop_requested.connect(self.stop_propagation)
        self.run_status.show_frame.connect(self.show_frame)
        self.run_status.refresh.connect(self.refresh)
        # Shortcuts to the run's widgets, for the bench and the tests.
        self.follow = self.run_status.follow
        self.fps_label = self.run_status.fps_label
        self.stop_button = self.run_status.stop_button
        for w in (self.tracker_label, self.frame_label):
            bar.addPermanentWidget(w)

        self.canvas.box_drawn.connect(partial(edit_tools.on_box, self))
        self.canvas.stroke_finished.connect(partial(edit_tools.on_stroke, self))
        self.canvas.snap_stroke.connect(partial(edit_tools.on_snap_stroke, self))
        self.canvas.polygon_finished.connect(partial(edit_tools.on_polygon, self))
        self.canvas.brush_size_changed.connect(
            lambda r: bar.showMessage(f"brush radius {r:.0f} px", 2000)
        )
        self.panel.visibility_toggled.connect(self._on_visibility)
        self.panel.selected.connect(self._on_selected)
        self.panel.add_requested.connect(partial(edit_tools.arm_new_object, self))
        self.panel.rename_requested.connect(partial(object_actions.rename, self))
        self.panel.recolour_requested.connect(partial(object_actions.recolour, self))
        self.panel.category_requested.connect(partial(object_actions.set_category, self))
        self.panel.delete_requested.connect(partial(object_actions.delete, self))

        c = self.controller
        c.opened.connect(partial(opening.on_opened, self))
        c.changed.connect(self._on_changed)
        c.tracker_changed.connect(lambda text: self.tracker_label.setText(f"tracker: {text}"))
        c.propagation_started.connect(self.run_status.started)
        c.propagation_step.connect(self.run_status.stepped)
        c.propagation_finished.connect(self.run_status.finished)
        c.error.connect(self.show_error)

        self.playback = Playback(self, self)
        self._shortcuts = build_menus(self)
        self.toolbar = build_toolbar(self)
        self.setAcceptDrops(True)
        self.setWindowTitle("annotator")
        self.resize(1280, 820)

    # -- compatibility and small helpers ----------------------------------------------
    @property
    def pixmap_item(self) -> QGraphicsPixmapItem:
        return self.canvas.frame_item

    @property
    def selected(self) -> int:
        """The object the tools edit: the one selected in the panel (0: none)."""
        return self.panel.current_id

    @property
    def source(self) -> FrameSource | None:
        return self.controller.source

    def off_thread(self, text: str, work: Callable[[], T]) -> T:
        """``worker.run_held``: ``work`` on a worker thread, this window's close held."""
        return run_held(self, self.close_hold, text, work)

    def show_error(self, title: str, message: str) -> None:
        log.error("%s: %s", title, message)
        QMessageBox.critical(self, title, message)

    def _guard(self, what: str, action: Callable[[], T]) -> T | None:
        """Run a user action; an ``AnnotatorError`` becomes a message, nothing is lost."""
        try:
            return action()
        except AnnotatorError as exc:
            self.show_error(what, str(exc))
            return None

    @property
    def shortcut_rows(self) -> list[tuple[str, str]]:
        return list(self._shortcuts.rows)

    def show_shortcuts(self) -> ShortcutsDialog:
        """The shortcuts table (F1 or ?); one dialog, raised again if already open."""
        if self._shortcuts_dialog is None:
            self._shortcuts_dialog = ShortcutsDialog(self._shortcuts.grouped(), self)
        self._shortcuts_dialog.show()
        self._shortcuts_dialog.raise_()
        return self._shortcuts_dialog

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Synthesised key events (tests, accessibility tools) may bypass the shortcut
        # map; match them against the same actions so there is one behaviour.
        seq = QKeySequence(event.keyCombination())
        for action in self.actions():
            if action.isEnabled() and any(
                s.matches(seq) == QKeySequence.SequenceMatch.ExactMatch for s in action.shortcuts()
            ):
                action.trigger()
                return
        super().keyPressEvent(event)

    # -- opening ----------------------------------------------------------------------
    def open_path(self, path: Path) -> bool:
        """Open a video, folder or project; a bad file shows a message and keeps the open one."""
        try:
            self.controller.open_path(Path(path))
        except AnnotatorError as exc:
            self.show_error("Cannot open", str(exc))
            return False
        self.settings.add_recent(Path(path))
        opening.fill_recent(self)
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(Path(urls[0]))

    @property
    def frame_count(self) -> int:
        return len(self.controller.source) if self.controller.source is not None else 0

    # -- showing ----------------------------------------------------------------------
    def show_frame(self, index: int) -> None:
        c = self.controller
        if c.source is None:
            return
        index = max(0, min(int(index), len(c.source) - 1))
        try:
            frame = c.source[index]
        except AnnotatorError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        self.current = index
        matte = self.matte_panel.matte_image(frame, index)
        self.canvas.set_frame(frame if matte is None else matte)
        if matte is None:
            self._draw_annotations(frame.shape[:2])
        else:  # the matte view shows the matte itself, nothing over it
            self.canvas.set_overlay(None)
            self.canvas.set_decorations([])
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        self.timeline.set_current(index)
        # 0-based, as the CLI, the undo labels and exported file names count frames.
        self.frame_label.setText(f"frame {index} (of 0–{len(c.source) - 1})")

    def _draw_annotations(self, shape: tuple[int, int]) -> None:
        model = self.controller.model
        if model is None:
            return
        rgba, origin, decorations = annotation_overlay(
            model, self.current, shape, self.overlay_alpha
        )
        self.canvas.set_overlay(rgba, origin)
        self.canvas.set_decorations(decorations)

    def refresh(self) -> None:
        self.show_frame(self.current)

    def toggle_overlays(self) -> None:
        self.canvas.set_overlay_visible(self.overlay_action.isChecked())

    def set_opacity(self, alpha: float) -> None:
        self.overlay_alpha = float(min(max(alpha, 0.05), 1.0))
        self.settings.set("opacity", self.overlay_alpha)
        self.refresh()

    def goto_doubtful(self, step: int) -> None:
        if self.controller.model is None:
            return
        found = self.controller.doubtful_frame(self.current, step, wrap=True)
        if found is None:
            self.statusBar().showMessage("no other doubtful frame", 3000)
            return
        if (found - self.current) * step < 0:
            end = "start" if step > 0 else "end"
            self.statusBar().showMessage(f"wrapped round to the {end}", 3000)
        self.show_frame(found)

    # -- model events -----------------------------------------------------------------
    def _on_changed(self, edit: Edit) -> None:
        self.timeline.apply_edit(edit)
        if any(isinstance(c, ObjectChange) for c in edit.changes):
            self.panel.show_objects(self.controller.model)
            self.matte_panel.show_settings(self.selected)
            opening.update_hint(self)
        if not self.controller.is_running or any(
            getattr(c, "frame", None) == self.current for c in edit.changes
        ):
            self.refresh()

    def _on_selected(self, object_id: int) -> None:
        self.matte_panel.show_settings(object_id)
        if self.matte_panel.mode != "off":
            self.refresh()

    def cycle_matte_view(self) -> None:
        mode = self.matte_panel.cycle_mode()
        if mode != "off" and not self.selected:
            self.statusBar().showMessage("matte view: select an object to see its matte", 4000)
        else:
            self.statusBar().showMessage(f"matte view: {mode}", 2000)
        self.refresh()

    def _object(self, object_id: int) -> ObjectInfo | None:
        model = self.controller.model
        return None if model is None else model.objects.get(object_id)

    def _on_visibility(self, object_id: int, visible: bool) -> None:
        info = self._object(object_id)
        if info is not None and info.visible != visible:
            object_actions.update_object(self, info, "Visibility", visible=visible)

    # -- tools ------------------------------------------------------------------------
    def set_tool(self, tool: Tool) -> None:
        self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)
        self.statusBar().showMessage(TOOL_HINTS[tool])

    # -- export and import (``annotator.gui.transfer``) --------------------------------
    def export_dialog(self) -> None:
        transfer.ask_export(self)

    def export(self, fmt: str, out: Path, overwrite: bool = False) -> bool:
        return transfer.export(self, fmt, out, overwrite)

    def import_dialog(self, fmt: str) -> None:
        transfer.ask_import(self, fmt)

    def import_dataset(self, fmt: str, path: Path) -> bool:
        return transfer.import_dataset(self, fmt, path)

    # -- undo -------------------------------------------------------------------------
    def undo(self) -> None:
        if self.controller.model is not None:
            edit = self._guard("Undo", self.controller.undo)
            self.statusBar().showMessage(f"undid {edit.label}" if edit else "nothing to undo", 3000)

    def redo(self) -> None:
        if self.controller.model is not None:
            edit = self._guard("Redo", self.controller.redo)
            self.statusBar().showMessage(f"redid {edit.label}" if edit else "nothing to redo", 3000)

    # -- propagation ------------------------------------------------------------------
    def propagate(self, direction: Direction) -> None:
        if self.controller.model is None:
            return
        if not self.controller.model.objects:
            # Not an error: the user has not started yet. Say how to.
            self.statusBar().showMessage(
                "No objects yet: draw a box around an object (box tool, R), then press F", 8000
            )
            return
        self._guard("Propagate", lambda: self.controller.start_propagation(self.current, direction))

    def stop_propagation(self) -> None:
        self.controller.stop_propagation()

    def escape(self) -> None:
        self.canvas.cancel_tool()
        if self.controller.is_running:
            self.stop_propagation()

    # -- tracker (``annotator.gui.tracker_choice``) -------------------------------------
    def choose_tracker(self, kind: str, weights: Path | None = None) -> None:
        tracker_choice.choose_tracker(self, kind, weights)

    def show_weights_dialog(self) -> WeightsDialog:
        return tracker_choice.show_weights_dialog(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_hold.defer():
            event.ignore()
            return
        self.playback.stop()
        self.settings.set("follow", self.follow.isChecked())
        self.controller.close()
        super().closeEvent(event)
