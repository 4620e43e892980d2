"""The status bar's part for a propagation run: progress, Stop, Follow and live fps.

While a run goes, Follow shows the newest propagated frame, at most every
``FOLLOW_MS``: drawing every frame of a fast run would take the CPU the
tracker needs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QProgressBar, QPushButton, QStatusBar

FOLLOW_MS = 100


class RunStatus(QObject):
    """Signals: ``stop_requested()`` (the Stop button), ``show_frame(int)`` (Follow, or the
    run's end), ``refresh()`` (the run ended without a frame to show)."""

    stop_requested = Signal()
    show_frame = Signal(int)
    refresh = Signal()

    def __init__(self, bar: QStatusBar, follow: bool) -> None:
        super().__init__(bar)
        self.bar = bar
        self.fps_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stop_button.clicked.connect(self.stop_requested.emit)
        self.stop_button.hide()
        self.follow = QCheckBox("Follow")
        self.follow.setToolTip("Show each frame as it is propagated")
        self.follow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.follow.setChecked(follow)
        for widget in (self.progress, self.stop_button, self.follow, self.fps_label):
            bar.addPermanentWidget(widget)
        self._follow_frame: int | None = None
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_MS)
        self._follow_timer.timeout.connect(self._show_followed)

    def started(self, frames: int) -> None:
        self.progress.setRange(0, max(frames, 1))
        self.progress.setValue(0)
        self.progress.show()
        self.stop_button.show()
        self.fps_label.setText("")

    def stepped(self, frame: int, done: int, fps: float) -> None:
        self.progress.setValue(done)
        self.fps_label.setText(f"{fps:.1f} fps")
        if self.follow.isChecked():
            self._follow_frame = frame
            if not self._follow_timer.isActive():
                self._follow_timer.start()

    def finished(self, summary: str) -> None:
        self._follow_timer.stop()
        if self._follow_frame is None:
            self.refresh.emit()
        else:
            self._show_followed()  # the last frame propagated, drawn once
        self.progress.hide()
        self.stop_button.hide()
        self.bar.showMessage(summary, 5000)

    def _show_followed(self) -> None:
        if self._follow_frame is not None:
            frame, self._follow_frame = self._follow_frame, None
            self.show_frame.emit(frame)
