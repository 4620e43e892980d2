"""The timeline: a ruler of frame numbers, then one lane per object, coloured by provenance.

Each lane is drawn from a small numpy image, one column per frame, scaled to
the widget's width; an edit repaints only the columns it touched.
Colours: user and init frames in the object's colour, propagated frames in a
lighter tint of it, blended frames striped, absent frames grey; a red tick
above the lane marks a frame whose score is low (``legend_html`` says so
under the timeline). Hovering a cell tells its frame, provenance and score.

The widget's height does not depend on the number of objects, so adding one
never shrinks the canvas: lanes share ``LANES_HEIGHT`` pixels, up to
``LANE_HEIGHT`` each.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from annotator.core.model import AnnotationModel, CellChange, Edit, FrameMask, Provenance
from annotator.tracking.base import DOUBTFUL_SCORE

LANE_HEIGHT = 14
LANE_GAP = 2
LANES_HEIGHT = 3 * (LANE_HEIGHT + LANE_GAP)
RULER_HEIGHT = 16
# Tick labels sit at least this many pixels apart.
LABEL_PX = 56
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


def legend_html(colour: tuple[int, int, int] = (40, 110, 200)) -> str:
    """What the lanes' colours mean, as rich text for a label under the timeline."""
    c = np.array(colour, np.float32)
    light = tuple(int(v) for v in 0.55 * c + 0.45 * 255)

    def swatch(rgb: tuple[int, ...], text: str) -> str:
        r, g, b = rgb
        return f'<span style="color: rgb({r},{g},{b})">&#9632;</span>&nbsp;{text}'

    return "&nbsp;&nbsp;&nbsp;".join(
        [
            swatch(colour, "keyframe (drawn or boxed)"),
            swatch(light, "propagated"),
            swatch(light, "blended (striped)"),
            swatch(ABSENT, "absent"),
            swatch(LOW, "doubtful (red mark above)"),
        ]
    )


def tick_step(frames: int, width: int) -> int:
    """Frames between labelled ticks (1, 2, 5, 10, 20, 50…), so labels are ``LABEL_PX`` apart."""
    px_per_frame = max(width, 1) / max(frames, 1)
    for exponent in range(9):
        for base in (1, 2, 5):
            step = base * 10**exponent
            if step * px_per_frame >= LABEL_PX:
                return step
    return 10**9


def cell_text(model: AnnotationModel, object_id: int, frame: int) -> str:
    """A cell's tooltip: object, frame, provenance and score."""
    info = model.objects[object_id]
    m = model.mask(object_id, frame)
    if m is None:
        state = "no mask"
    elif m.absent:
        state = "absent"
    else:
        state = m.provenance.value
        if m.score is not None:
            doubt = " (doubtful)" if m.score < DOUBTFUL_SCORE else ""
            state += f", score {m.score:.2f}{doubt}"
    return f"{info.name} · frame {frame} · {state}"


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
        self.setMouseTracking(True)  # tooltips per cell
        self.setFixedHeight(RULER_HEIGHT + LANES_HEIGHT + 4)

    def lane_height(self) -> int:
        """Pixels per lane: ``LANE_HEIGHT``, less when many objects share the space."""
        n = max(len(self._order), 1)
        return max(min(LANE_HEIGHT, LANES_HEIGHT // n - LANE_GAP), 2)

    def lane_at(self, y: float) -> int | None:
        """The object whose lane is at height ``y``, if any."""
        step = self.lane_height() + LANE_GAP
        index = int((y - RULER_HEIGHT) // step) if y >= RULER_HEIGHT else -1
        return self._order[index] if 0 <= index < len(self._order) else None

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
        self.update()

    def apply_edit(self, edit: Edit) -> None:
        """Repaint only the cells an edit touched; objects added or removed rebuild all."""
        if self.model is None:
            return
        cells = [c for c in edit.changes if isinstance(c, CellChange)]
        if len(cells) < len(edit.changes):
            self.refresh()
            return
        for c in cells:
            strip = self._strips.get(c.object_id)
            if strip is not None and 0 <= c.frame < self.frames:
                rgb = self.model.objects[c.object_id].color
                paint_column(strip, c.frame, rgb, c.after)
        self.update()

    def set_current(self, frame: int) -> None:
        self.current = frame
        self.update()

    def frame_at(self, x: float) -> int:
        if self.frames <= 1:
            return 0
        return int(min(max(x / max(self.width() - 1, 1), 0.0), 1.0) * (self.frames - 1) + 0.5)

    def x_of(self, frame: int) -> int:
        return round(frame / max(self.frames - 1, 1) * (self.width() - 1))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(35, 35, 35))
        self._paint_ruler(painter)
        y = RULER_HEIGHT
        lane = self.lane_height()
        for k in self._order:
            strip = self._strips[k]
            h, w = strip.shape[:2]
            image = QImage(strip.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            painter.drawImage(QRect(0, y, self.width(), lane), image)
            y += lane + LANE_GAP
        if self.frames > 1:
            x = self.x_of(self.current)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(x, 0, x, self.height())
        painter.end()

    def _paint_ruler(self, painter: QPainter) -> None:
        if self.frames < 1:
            return
        step = tick_step(self.frames, self.width())
        minor = max(step // 5, 1) if step >= 5 else step
        painter.setPen(QPen(QColor(150, 150, 150), 1))
        font = painter.font()
        font.setPixelSize(10)
        painter.setFont(font)
        for frame in range(0, self.frames, minor):
            x = self.x_of(frame)
            major = frame % step == 0
            painter.drawLine(x, RULER_HEIGHT - (6 if major else 3), x, RULER_HEIGHT - 1)
            if major:
                painter.drawText(x + 2, RULER_HEIGHT - 5, str(frame))

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def tooltip_at(self, x: float, y: float) -> str:
        """What hovering at (x, y) says: a cell's state, or the frame under the ruler."""
        if self.model is None or self.frames < 1:
            return ""
        frame = self.frame_at(x)
        object_id = self.lane_at(y)
        if object_id is None:
            return f"frame {frame}"
        return cell_text(self.model, object_id, frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.frame_requested.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.frame_requested.emit(self.frame_at(event.position().x()))
