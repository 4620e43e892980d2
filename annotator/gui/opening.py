"""File ▸ Open: the file dialogs and the recent list, as functions of the window."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

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
