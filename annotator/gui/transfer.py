"""File ▸ Export and File ▸ Import: ask where, then run with progress and report.

Functions of the window rather than methods, to keep the window's module to
its layout and gestures. Errors become a message (``window.show_error``);
nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog

from annotator.commands.export import FORMATS, run_export
from annotator.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def ask_export(window: MainWindow) -> None:
    """Ask for a format and a place, then export with a progress dialog."""
    if window.controller.model is None:
        return
    fmt, ok = QInputDialog.getItem(window, "Export", "Format:", list(FORMATS), 0, False)
    if not ok:
        return
    if fmt in ("coco", "overlay"):
        suffix = ".json" if fmt == "coco" else ".mp4"
        path, _ = QFileDialog.getSaveFileName(window, "Export to", "", f"*{suffix}")
    else:
        path = QFileDialog.getExistingDirectory(window, "Export into an empty folder")
    if path:
        export(window, fmt, Path(path))


def export(window: MainWindow, fmt: str, out: Path, overwrite: bool = False) -> bool:
    """Export the open project; a progress dialog shows it and Cancel leaves nothing behind."""
    try:
        job = window.controller.export_job()
        steps = run_export(job, fmt, out, overwrite=overwrite)  # type: ignore[arg-type]
    except AnnotatorError as exc:
        window.show_error("Export", str(exc))
        return False
    progress = QProgressDialog(f"Exporting {fmt}…", "Cancel", 0, len(job.frames), window)  # type: ignore[attr-defined]
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    try:
        for done, _ in enumerate(steps, start=1):
            progress.setValue(done)
            if progress.wasCanceled():
                steps.close()  # the staged output is removed
                return False
    except AnnotatorError as exc:
        window.show_error("Export", str(exc))
        return False
    finally:
        progress.close()
    window.statusBar().showMessage(f"exported {fmt} to {out}", 5000)
    return True


def ask_import(window: MainWindow, fmt: str) -> None:
    if window.controller.model is None:
        return
    if fmt == "coco":
        path, _ = QFileDialog.getOpenFileName(window, "Import COCO", "", "COCO (*.json)")
    else:
        path = QFileDialog.getExistingDirectory(window, f"Import {fmt}")
    if path:
        import_dataset(window, fmt, Path(path))


def import_dataset(window: MainWindow, fmt: str, path: Path) -> bool:
    try:
        objects, masks = window.controller.import_dataset(fmt, path)
    except AnnotatorError as exc:
        window.show_error("Import", str(exc))
        return False
    window.statusBar().showMessage(f"imported {masks} masks of {objects} objects", 5000)
    return True
