"""File ▸ Export and File ▸ Import: ask where, then run with progress and report.

Functions of the window rather than methods, to keep the window's module to
its layout and gestures. Errors become a message (``window.show_error``);
nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from annotator.commands.export import run_export
from annotator.formats.registry import ExportSettings
from annotator.gui.export_dialog import ExportDialog, ExportOptions
from annotator.gui.import_dialog import ImportDialog

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def ask_export(window: MainWindow) -> None:
    """The export dialog (format, place, objects, frames, options), then the export."""
    c = window.controller
    if c.model is None or c.video is None:
        return
    dialog = ExportDialog(c.model, c.video, window.frame_count, window)
    if dialog.exec():
        export_with(window, dialog.options())


def export(window: MainWindow, fmt: str, out: Path, overwrite: bool = False) -> bool:
    """Export every object and frame as ``fmt`` to ``out``."""
    model = window.controller.model
    objects = sorted(model.objects) if model is not None else []
    return export_with(window, ExportOptions(fmt, out, objects, "", ExportSettings(overwrite)))


def export_with(window: MainWindow, options: ExportOptions) -> bool:
    """Export with a progress dialog; Cancel leaves nothing behind."""
    fmt, out = options.fmt, options.out
    if not options.objects:
        window.show_error("Export", "no object is ticked; tick at least one")
        return False

    def run() -> bool:
        job = window.controller.export_job(options.objects, options.frames or None)
        steps = run_export(job, fmt, out, options.settings)
        progress = QProgressDialog(f"Exporting {fmt}…", "Cancel", 0, len(job.frames), window)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        try:
            for done, _ in enumerate(steps, start=1):
                progress.setValue(done)
                if progress.wasCanceled():
                    steps.close()  # the staged output is removed
                    return False
        finally:
            progress.close()
        return True

    if not window._guard("Export", run):
        return False
    window.statusBar().showMessage(f"exported {fmt} to {out}", 5000)
    return True


def ask_import(window: MainWindow, fmt: str) -> None:
    if window.controller.model is None:
        return
    if fmt == "coco":
        path, _ = QFileDialog.getOpenFileName(window, "Import COCO", "", "COCO (*.json)")
    else:
        path = QFileDialog.getExistingDirectory(window, f"Import {fmt}")
    if not path:
        return
    options = ImportDialog(fmt, Path(path), window.controller.video, window)
    if options.exec():
        import_dataset(window, fmt, Path(path), options.sequence(), options.keyframes())


def import_dataset(
    window: MainWindow, fmt: str, path: Path, seq: str | None = None, keyframes: bool = True
) -> bool:
    """Read the dataset on a worker thread (a busy dialog meanwhile), then add it here."""
    session = window.controller.session

    def run() -> tuple[int, int]:
        read = session.dataset_reader(fmt, path, seq)
        found = window.off_thread(f"Reading {path.name}…", read)
        return session.apply_imported(fmt, path, found, keyframes)

    added = window._guard("Import", run)
    if added is None:
        return False
    objects, masks = added
    window.statusBar().showMessage(f"imported {masks} masks of {objects} objects", 5000)
    return True
