"""The main window: a frame viewer with a scrubber and keyboard stepping.

This is the start of the annotation window: it opens a video or a folder of
frames and shows any frame on demand, decoding lazily through ``FrameSource``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from annotator.errors import AnnotatorError
from annotator.video.frame_source import FrameSource, open_source

log = logging.getLogger(__name__)


def to_qimage(frame: np.ndarray) -> QImage:
    """RGB uint8 (H, W, 3) -> a QImage that owns a copy of the pixels."""
    h, w = frame.shape[:2]
    data = np.ascontiguousarray(frame)
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class MainWindow(QMainWindow):
    """Shows one frame at a time; Left/Right step, Shift steps ten, Home/End jump."""

    def __init__(self) -> None:
        super().__init__()
        self.source: FrameSource | None = None
        self.current = 0
        self.scene = QGraphicsScene(self)
        self.pixmap_item = QGraphicsPixmapItem()
        self.scene.addItem(self.pixmap_item)
        self.view = QGraphicsView(self.scene)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.valueChanged.connect(self.show_frame)
        self.frame_label = QLabel()
        self.statusBar().addPermanentWidget(self.frame_label)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.view)
        layout.addWidget(self.slider)
        self.setCentralWidget(body)
        self._build_menu()
        self.setWindowTitle("annotator")
        self.resize(1100, 750)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        open_video = QAction("&Open video…", self)
        open_video.setShortcut(QKeySequence.StandardKey.Open)
        open_video.triggered.connect(self._ask_video)
        open_folder = QAction("Open &folder of frames…", self)
        open_folder.triggered.connect(self._ask_folder)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (open_video, open_folder, quit_action):
            menu.addAction(action)

    def _ask_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open video", "", "Videos (*.mp4 *.mov *.mkv *.avi *.webm)"
        )
        if path:
            self.open_path(Path(path))

    def _ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open folder of frames")
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Open a video or folder; a bad file shows a message and keeps the current one."""
        try:
            source = open_source(path)
        except AnnotatorError as exc:
            log.error("cannot open %s: %s", path, exc)
            QMessageBox.critical(self, "Cannot open", str(exc))
            return False
        if self.source is not None:
            self.source.close()
        self.source = source
        self.setWindowTitle(f"{path.name} — annotator")
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(source) - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.show_frame(0)
        self.view.fitInView(self.pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)
        return True

    def show_frame(self, index: int) -> None:
        if self.source is None:
            return
        index = max(0, min(index, len(self.source) - 1))
        try:
            frame = self.source[index]
        except AnnotatorError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        self.current = index
        self.pixmap_item.setPixmap(QPixmap.fromImage(to_qimage(frame)))
        if self.slider.value() != index:
            self.slider.setValue(index)
        self.frame_label.setText(f"frame {index + 1} / {len(self.source)}")

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        step = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.show_frame(self.current + step)
        elif key == Qt.Key.Key_Left:
            self.show_frame(self.current - step)
        elif key == Qt.Key.Key_Home:
            self.show_frame(0)
        elif key == Qt.Key.Key_End and self.source is not None:
            self.show_frame(len(self.source) - 1)
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.source is not None:
            self.source.close()
        super().closeEvent(event)
