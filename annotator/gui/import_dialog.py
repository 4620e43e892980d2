"""File ▸ Import's options, as ``annotator import`` has them: which DAVIS sequence, and
whether the masks become locked keyframes or propagated frames that a run may replace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFormLayout, QWidget

from annotator.formats.importers import davis_sequences
from annotator.gui.dialogs import ok_cancel


class ImportDialog(QDialog):
    """``sequence()`` (None: the only one, or a PNG folder) and ``keyframes()``."""

    def __init__(
        self, fmt: str, path: Path, video: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {fmt}")
        form = QFormLayout(self)
        self.sequences = davis_sequences(path) if fmt == "davis" else []
        self.choice = QComboBox()
        self.choice.addItems(self.sequences)
        if video is not None and video.stem in self.sequences:
            self.choice.setCurrentText(video.stem)  # the sequence named after this video
        if len(self.sequences) > 1:
            form.addRow("Sequence", self.choice)
        self.as_propagated = QCheckBox(
            "As propagated frames, which propagation may replace (not locked keyframes)"
        )
        form.addRow(self.as_propagated)
        form.addRow(ok_cancel(self, "Import"))

    def sequence(self) -> str | None:
        return self.choice.currentText() if len(self.sequences) > 1 else None

    def keyframes(self) -> bool:
        return not self.as_propagated.isChecked()
