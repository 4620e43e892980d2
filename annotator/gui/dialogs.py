"""Dialogs: where to get SiamMask's weights, and the list of keyboard shortcuts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
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


class WeightsDialog(QDialog):
    """Explains how to get the weights; emits ``weights_chosen(Path)`` when it has a file."""

    weights_chosen = Signal(Path)

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setWindowTitle("SiamMask weights")
        text = QLabel(WEIGHTS_TEXT.format(name=DEFAULT_WEIGHTS))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        fetch = QPushButton("Download")
        fetch.clicked.connect(self.download)
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.addButton(fetch, QDialogButtonBox.ButtonRole.ActionRole)
        box.addButton(choose, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.status)
        layout.addWidget(box)

    def download(self) -> None:
        self.status.setText("Downloading…")
        try:
            entry = load_manifest()[DEFAULT_WEIGHTS]
            path = download(entry, download_dir(), timeout=15.0)
        except (AnnotatorError, KeyError) as exc:
            log.warning("weights download failed: %s", exc)
            self.status.setText(str(exc))
            return
        self.status.setText(f"Saved {path}")
        self.weights_chosen.emit(path)

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
        parent=None,  # type: ignore[no-untyped-def]
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
