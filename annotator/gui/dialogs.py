"""Dialogs: where to get SiamMask's weights, and the list of keyboard shortcuts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.errors import AnnotatorError
from annotator.tracking.weights import DEFAULT_WEIGHTS, download, download_dir, load_manifest

log = logging.getLogger(__name__)

WEIGHTS_TEXT = """<p><b>No SiamMask weights were found.</b></p>
<p>Everything works without them: propagation uses the built-in optical-flow
tracker, and drawing, correcting and exporting are unaffected.</p>
<p>SiamMask's official checkpoint ({name}, about 86 MB) adds a learnt
tracker that finds the object again after occlusion or fast motion and gives
a rotated box. Get it in one of these ways:</p>
<ul>
<li><b>Download</b> it now (needs internet), or run
<code>annotator weights download</code>;</li>
<li><b>Choose a file</b> you downloaded elsewhere, or start with
<code>--weights PATH</code> or <code>ANNOTATOR_WEIGHTS=PATH</code>.</li>
</ul>"""


def ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """An OK (labelled ``ok_text``) and Cancel pair that accepts or rejects ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class DownloadWorker(QObject):
    """Downloads the default checkpoint. Signals: ``progress(done, total)`` (bytes; total 0
    when unknown), then ``finished(path, error)`` once, with one of the two empty."""

    progress = Signal(int, int)
    finished = Signal(str, str)

    @Slot()
    def run(self) -> None:
        try:
            entry = load_manifest()[DEFAULT_WEIGHTS]
            path = download(
                entry,
                download_dir(),
                progress=lambda done, total: self.progress.emit(done, total or 0),
                timeout=15.0,
            )
        except (AnnotatorError, KeyError, OSError) as exc:
            log.warning("weights download failed: %s", exc)
            self.finished.emit("", str(exc))
            return
        self.finished.emit(str(path), "")


class WeightsDialog(QDialog):
    """Explains how to get the weights; emits ``weights_chosen(Path)`` when it has a file."""

    weights_chosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SiamMask weights")
        text = QLabel(WEIGHTS_TEXT.format(name=DEFAULT_WEIGHTS))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        fetch = QPushButton("Download")
        fetch.clicked.connect(self.download)
        self.fetch = fetch
        self.bar = QProgressBar()
        self.bar.hide()
        self._thread: QThread | None = None
        self._worker: DownloadWorker | None = None
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.addButton(fetch, QDialogButtonBox.ButtonRole.ActionRole)
        box.addButton(choose, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(box)

    def download(self) -> None:
        """Fetch the checkpoint on a worker thread; the bar shows its progress."""
        if self._thread is not None:
            return
        self.status.setText("Downloading…")
        self.fetch.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self._worker = DownloadWorker()
        self._thread = QThread()
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._thread.start()

    @property
    def downloading(self) -> bool:
        return self._thread is not None

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(1000 * done / total))
        self.status.setText(f"Downloading… {done / 1e6:.1f} MB")

    def _on_finished(self, path: str, error: str) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread = self._worker = None
        self.fetch.setEnabled(True)
        self.bar.hide()
        if error:
            self.status.setText(error)
            return
        self.status.setText(f"Saved {path}")
        self.weights_chosen.emit(Path(path))

    # PySide6's stub calls the parameter arg__1; the name is all that differs.
    def done(self, result: int) -> None:  # type: ignore[override]
        # Closing mid-download waits for it: the file is written atomically either way.
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        super().done(result)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "SiamMask checkpoint", "", "Checkpoints (*.pth)"
        )
        if path:
            self.weights_chosen.emit(Path(path))


class ShortcutsDialog(QDialog):
    """A read-only table of every shortcut, grouped by menu: (keys, what it does)."""

    def __init__(
        self,
        groups: Sequence[tuple[str, Sequence[tuple[str, str]]]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        count = sum(len(rows) + 1 for _, rows in groups)
        table = QTableWidget(count, 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        self.shortcut_count = 0
        i = 0
        for group, rows in groups:
            header = QTableWidgetItem(group)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            table.setItem(i, 0, header)
            table.setSpan(i, 0, 1, 2)
            i += 1
            for keys, what in rows:
                table.setItem(i, 0, QTableWidgetItem(keys))
                table.setItem(i, 1, QTableWidgetItem(what))
                i += 1
                self.shortcut_count += 1
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(box)
        self.table = table
        self.resize(720, 600)
