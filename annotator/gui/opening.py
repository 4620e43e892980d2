"""File ▸ Open: the file dialogs and the recent list, as functions of the window."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from annotator.gui import tracker_choice
from annotator.gui.canvas import Tool

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v)"


def ask_video(w: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(w, "Open video", "", VIDEO_FILTER)
    if path:
        w.open_path(Path(path))


def ask_folder(w: MainWindow) -> None:
    path = QFileDialog.getExistingDirectory(w, "Open folder of frames")
    if path:
        w.open_path(Path(path))


def ask_project(w: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(w, "Open project", "", "Projects (*.annot)")
    if path:
        w.open_path(Path(path))


def fill_recent(w: MainWindow) -> None:
    """File ▸ Recent: the paths in the settings, newest first."""
    w.recent_menu.clear()
    for p in w.settings.recent():
        w.recent_menu.addAction(p, partial(w.open_path, Path(p)))


def on_opened(w: MainWindow) -> None:
    """A video or project was opened: reset the views to it."""
    c = w.controller
    assert c.source is not None and c.store is not None and c.video is not None
    n = len(c.source)
    w.current = 0
    # The video is what the user opened; the project file's name is a hash of it
    # (its path is in the status bar's tooltip), so it stays out of the title.
    ro = " (read-only)" if c.store.read_only else ""
    w.setWindowTitle(f"{c.video.name}{ro} — annotator")
    w.frame_label.setToolTip(f"project: {c.store.path}")
    w.slider.blockSignals(True)
    w.slider.setRange(0, n - 1)
    w.slider.setValue(0)
    w.slider.blockSignals(False)
    w.timeline.set_model(c.model, n)
    w.panel.show_objects(c.model)
    w.canvas.clear()
    w.show_frame(0)
    tracker_choice.describe_tracker(w)
    if c.model is not None and not c.model.objects:
        w.set_tool(Tool.BOX)
        w.statusBar().showMessage(
            "No objects yet: drag a box around an object to start it, then press F"
        )
    update_hint(w)


def update_hint(w: MainWindow) -> None:
    """On a video with no objects, the canvas says how to start."""
    model = w.controller.model
    empty = model is not None and not model.objects
    w.canvas.set_hint(
        "Drag a box around an object to start it (box tool, R), then press F to propagate it"
        if empty
        else None
    )
