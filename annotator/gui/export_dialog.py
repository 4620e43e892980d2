"""File ▸ Export: the format, where to, and the options the CLI has.

The dialog only collects an ``ExportOptions``; ``annotator.gui.transfer``
runs the export with a progress dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from annotator.core.model import AnnotationModel
from annotator.formats.registry import EXPORT_FORMATS, FORMATS, ExportSettings
from annotator.gui.dialogs import ok_cancel

# Formats written to one file, and its suffix; the others fill a folder.
FILE_SUFFIX = {name: f.suffix for name, f in EXPORT_FORMATS.items() if f.suffix}


@dataclass(frozen=True)
class ExportOptions:
    """What to export: the ``annotator export`` options, from the dialog.

    frames: 'A:B' (B exclusive), as ``--frames``; objects: ids, as ``--objects``.
    """

    fmt: str
    out: Path
    objects: list[int]
    frames: str
    settings: ExportSettings = field(default_factory=ExportSettings)


def suggested_output(fmt: str, video: Path) -> Path:
    """Where an export goes unless the user says otherwise: beside the video, named after it."""
    video = video.expanduser().resolve()
    stem = video.stem or video.name or "video"
    return video.parent / (f"{stem}{FILE_SUFFIX[fmt]}" if fmt in FILE_SUFFIX else f"{stem}-{fmt}")


class ExportDialog(QDialog):
    """Collects ``ExportOptions``; ``options()`` reads them after ``exec()`` accepts."""

    def __init__(
        self, model: AnnotationModel, video: Path, frames: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.video = video
        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        self.out = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        self.objects = QListWidget()
        for object_id, info in sorted(model.objects.items()):
            item = QListWidgetItem(f"{object_id}  {info.name}")
            item.setData(Qt.ItemDataRole.UserRole, object_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.objects.addItem(item)
        self.objects.setMaximumHeight(110)
        self.first = QSpinBox()
        self.last = QSpinBox()
        for spin in (self.first, self.last):
            spin.setRange(0, max(frames - 1, 0))
        self.last.setValue(max(frames - 1, 0))
        span = QWidget()
        row = QHBoxLayout(span)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.first)
        row.addWidget(self.last)
        self.overwrite = QCheckBox("Replace an existing output")
        self.with_frames = QCheckBox("Write the frames too (JPEG; EXR: the beauty RGB)")
        self.with_frames.setChecked(True)
        self.feather = QDoubleSpinBox()
        self.feather.setRange(0.0, 100.0)
        self.feather.setSuffix(" px")
        self.resize_480p = QCheckBox("Scale to 480 rows")
        self.refine = QCheckBox("Soft mattes (each object's matte settings)")
        self.exr_compression = QComboBox()
        self.exr_compression.addItems(["zip", "piz", "dwaa", "none"])
        self.exr_type = QComboBox()
        self.exr_type.addItems(["half", "float"])
        self.bit_depth = QComboBox()
        self.bit_depth.addItems(["8", "16"])
        self.premultiply = QCheckBox("Premultiplied alpha")
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Export to", where)
        form.addRow("Objects", self.objects)
        form.addRow("Frames (first, last)", span)
        form.addRow("", self.overwrite)
        form.addRow("DAVIS, YouTube-VOS, EXR", self.with_frames)
        form.addRow("DAVIS", self.resize_480p)
        form.addRow("Mattes: soft edge", self.feather)
        form.addRow("Mattes", self.refine)
        form.addRow("EXR compression", self.exr_compression)
        form.addRow("EXR channels", self.exr_type)
        form.addRow("RGBA bits", self.bit_depth)
        form.addRow("RGBA", self.premultiply)
        form.addRow(ok_cancel(self, "Export"))
        # Each format option's widget, by its ExportSettings field (enabled per format).
        self.option_widgets: dict[str, QWidget] = {
            "with_frames": self.with_frames,
            "resize_480p": self.resize_480p,
            "feather": self.feather,
            "refine": self.refine,
            "exr_compression": self.exr_compression,
            "exr_type": self.exr_type,
            "bit_depth": self.bit_depth,
            "premultiply": self.premultiply,
        }
        self.setMinimumWidth(560)
        self.format.currentTextChanged.connect(self._format_changed)
        self._format_changed(self.format.currentText())

    def _format_changed(self, fmt: str) -> None:
        self.out.setText(str(suggested_output(fmt, self.video)))
        options = EXPORT_FORMATS[fmt].options
        for name, widget in self.option_widgets.items():
            widget.setEnabled(name in options)

    def _browse(self) -> None:
        fmt = self.format.currentText()
        current = self.out.text()
        if fmt in FILE_SUFFIX:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export to", current, f"*{FILE_SUFFIX[fmt]}"
            )
        else:
            # A folder that does not exist yet is fine: the exporter creates it.
            path, _ = QFileDialog.getSaveFileName(
                self, "Export into a new folder", current, "", "",
                QFileDialog.Option.ShowDirsOnly,
            )  # fmt: skip
        if path:
            self.out.setText(path)

    def options(self) -> ExportOptions:
        fmt = self.format.currentText()
        out = Path(self.out.text()).expanduser()
        if fmt in FILE_SUFFIX and not out.suffix:
            out = out.with_suffix(FILE_SUFFIX[fmt])
        objects = [
            int(self.objects.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.objects.count())
            if self.objects.item(i).checkState() == Qt.CheckState.Checked
        ]
        first, last = sorted((self.first.value(), self.last.value()))
        return ExportOptions(
            fmt=fmt,
            out=out,
            objects=objects,
            frames=f"{first}:{last + 1}",
            settings=ExportSettings(
                overwrite=self.overwrite.isChecked(),
                with_frames=self.with_frames.isChecked(),
                feather=self.feather.value(),
                resize_480p=self.resize_480p.isChecked(),
                refine=self.refine.isChecked(),
                exr_compression=self.exr_compression.currentText(),
                exr_type=self.exr_type.currentText(),
                bit_depth=int(self.bit_depth.currentText()),
                premultiply=self.premultiply.isChecked(),
            ),
        )
