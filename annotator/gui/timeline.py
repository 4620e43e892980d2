"""The timeline: a scrubber with one lane per object, coloured by provenance.

Each lane is drawn from a small numpy image, one column per frame, scaled to
the widget's width; an edit repaints only the columns it touched.
Colours: user and init frames in the object's colour, propagated frames in a
lighter tint of it, blended frames striped, absent frames grey; a red tick
above the lane marks a frame whose score is low.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.core.model import AnnotationModel, CellChange, Edit, FrameMask, Provenance
from annotator.tracking.base import DOUBTFUL_SCORE

LANE_HEIGHT = 14
EMPTY = (55, 55, 55)
ABSENT = (120, 120, 120)
LOW = (230, 40, 40)


def paint_column(
    strip: np.ndarray, frame: int, rgb: tuple[int, int, int], m: FrameMask | None
) -> None:
    """Colour column ``frame`` of a (LANE_HEIGHT, frames, 3) strip for one cell."""
    colour = np.array(rgb, np.float32)
    light = (0.55 * colour + 0.45 * 255).astype(np.uint8)
    strip[:, frame] = EMPTY
    if m is None:
        return
    body = slice(3, LANE_HEIGHT)
    if m.absent:
        strip[body, frame] = ABSENT
    elif m.locked:
        strip[body, frame] = colour
    elif m.provenance is Provenance.PROPAGATED:
        strip[body, frame] = light
    else:  # blended: every third row in full colour, so it reads as a hatch
        strip[body, frame] = light
        strip[3::3, frame] = colour
    if m.score is not None and m.score < DOUBTFUL_SCORE:
        strip[0:3, frame] = LOW


def lane_pixels(model: AnnotationModel, object_id: int, frames: int) -> np.ndarray:
    """(LANE_HEIGHT, frames, 3) uint8: one object's provenance strip, low scores marked."""
    rgb = model.objects[object_id].color
    strip = np.empty((LANE_HEIGHT, frames, 3), np.uint8)
    strip[:] = EMPTY
    for f, m in model.frames_of(object_id).items():
        if 0 <= f < frames:
            paint_column(strip, f, rgb, m)
    return strip


class Timeline(QWidget):
    """Emits ``frame_requested(int)`` on click and drag."""

    frame_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.model: AnnotationModel | None = None
        self.frames = 0
        self.current = 0
        self._strips: dict[int, np.ndarray] = {}
        self._order: list[int] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._resize_for(0)

    def _resize_for(self, lanes: int) -> None:
        self.setFixedHeight(10 + max(lanes, 1) * (LANE_HEIGHT + 2))

    def set_model(self, model: AnnotationModel | None, frames: int) -> None:
        self.model, self.frames = model, frames
        self.refresh()

    def refresh(self) -> None:
        """Rebuild every lane and repaint."""
        self._strips = {}
        if self.model is not None and self.frames > 0:
            for k in self.model.objects:
                self._strips[k] = lane_pixels(self.model, k, self.frames)
        self._order = sorted(self._strips)
        self._resize_for(len(self._order))
        self.update()

    def apply_edit(self, edit: Edit) -> None:
        """Repaint only the cells an edit touched; objects added or removed rebuild all."""
        if self.model is None:
            return
        if any(not isinstance(c, CellChange) for c in edit.changes):
            self.refresh()
            return
        for c in edit.changes:
            strip = self._strips.get(c.object_id)  # type: ignore[union-attr]
            if strip is not None and 0 <= c.frame < self.frames:  # type: ignore[union-attr]
                rgb = self.model.objects[c.object_id].color  # type: ignore[union-attr]
                paint_column(strip, c.frame, rgb, c.after)  # type: ignore[union-attr,arg-type]
        self.update()

    def set_current(self, frame: int) -> None:
        self.current = frame
        self.update()

    def frame_at(self, x: float) -> int:
        if self.frames <= 1:
            return 0
        return int(min(max(x / max(self.width() - 1, 1), 0.0), 1.0) * (self.frames - 1) + 0.5)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(35, 35, 35))
        y = 6
        for k in self._order:
            strip = self._strips[k]
            h, w = strip.shape[:2]
            image = QImage(strip.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            painter.drawImage(QRect(0, y, self.width(), LANE_HEIGHT), image)
            y += LANE_HEIGHT + 2
        if self.frames > 1:
            x = round(self.current / (self.frames - 1) * (self.width() - 1))
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(x, 0, x, self.height())
        painter.end()

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.frame_requested.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.frame_requested.emit(self.frame_at(event.position().x()))
