"""The canvas: the frame, the mask overlay, boxes and names, with zoom, pan and the tools.

Scene coordinates are image pixels: the frame's top-left corner is (0, 0), x
to the right, y down. Tools report in those coordinates:
``box_drawn(x, y, w, h, shift)`` (xywh; whether Shift was held),
``stroke_finished(points, radius, erase)`` (brush, eraser),
``snap_stroke(points, radius, foreground)`` (the snapping stroke tool; Shift
at the press paints background, a click is a one-point stroke) and
``polygon_finished(points)``. A closed polygon stays editable until Enter:
drag a vertex to move it, double-click an edge to insert one, Delete or
Backspace removes the selected one. The canvas never edits masks itself.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QMouseEvent,
    QNativeGestureEvent,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
)

from annotator.gui.polygon_draft import PolygonDraft


class Tool(enum.StrEnum):
    BOX = "box"
    BRUSH = "brush"
    ERASER = "eraser"
    POLYGON = "polygon"
    STROKE = "stroke"


# A vertex or an edge is hit within this many screen pixels of the pointer.
HIT_PX = 7.0


def to_pixmap(frame: np.ndarray) -> QPixmap:
    """RGB (H, W, 3) or RGBA (H, W, 4) uint8 -> QPixmap, copying the pixels once.

    The QImage only views the array, which stays alive until ``fromImage`` has copied it.
    """
    h, w, c = frame.shape
    data = np.ascontiguousarray(frame)
    fmt = QImage.Format.Format_RGB888 if c == 3 else QImage.Format.Format_RGBA8888
    return QPixmap.fromImage(QImage(data.data, w, h, c * w, fmt))


class Canvas(QGraphicsView):
    """A zoomable, pannable view of one frame and its annotations."""

    box_drawn = Signal(float, float, float, float, bool)
    stroke_finished = Signal(list, float, bool)
    snap_stroke = Signal(list, float, bool)
    polygon_finished = Signal(list)
    brush_size_changed = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.setScene(QGraphicsScene(self))
        self.frame_item = QGraphicsPixmapItem()
        self.overlay_item = QGraphicsPixmapItem()
        self.overlay_item.setZValue(1)
        self.scene().addItem(self.frame_item)
        self.scene().addItem(self.overlay_item)
        self._decorations: list[QGraphicsItem] = []
        self.tool = Tool.BOX
        self.brush_radius = 8.0
        self._drag_start: QPointF | None = None
        self._rubber = QGraphicsRectItem()
        self._rubber.setPen(QPen(QColor(255, 255, 0), 0, Qt.PenStyle.DashLine))
        self._rubber.setZValue(3)
        self._rubber.hide()
        self._stroke: list[tuple[float, float]] = []
        self._stroke_item = QGraphicsPathItem()
        self._stroke_item.setZValue(3)
        self._cursor = QGraphicsEllipseItem()
        self._cursor.setPen(QPen(QColor(255, 255, 255), 0))
        self._cursor.setZValue(4)
        self._cursor.hide()
        self._stroke_foreground = True
        self._draft = PolygonDraft()
        self._polygon_item = QGraphicsPathItem()
        self._polygon_item.setPen(QPen(QColor(255, 255, 0), 0))
        self._polygon_item.setZValue(3)
        for item in (self._rubber, self._stroke_item, self._cursor, self._polygon_item):
            self.scene().addItem(item)
        self._pan_from: QPointF | None = None
        self._zoomed = False  # until the user zooms, the frame follows the window's size
        self.setMouseTracking(True)
        # zoom_at keeps the point under the pointer itself: Qt's AnchorUnderMouse needs
        # every mouse move passed to the base class, which the tools do not do.
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setBackgroundBrush(QBrush(QColor(30, 30, 30)))
        # Says how to start on a video with no objects; it lets the mouse through.
        self.hint = QLabel(self.viewport())
        self.hint.setStyleSheet(
            "background: rgba(20, 20, 20, 190); color: white; padding: 10px 14px;"
            "border-radius: 6px; font-size: 14px"
        )
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hint.hide()

    # -- content -----------------------------------------------------------------------
    def set_frame(self, frame: np.ndarray) -> None:
        first = self.frame_item.pixmap().isNull()
        self.frame_item.setPixmap(to_pixmap(frame))
        self.scene().setSceneRect(QRectF(0, 0, frame.shape[1], frame.shape[0]))
        if first:
            self.fit()

    def clear(self) -> None:
        """Forget the frame (a new video): the next frame is fitted to the view."""
        self.frame_item.setPixmap(QPixmap())
        self.overlay_item.setPixmap(QPixmap())
        self.set_decorations([])

    def set_overlay(self, rgba: np.ndarray | None, offset: tuple[int, int] = (0, 0)) -> None:
        """An (h, w, 4) RGBA overlay whose top-left pixel sits at image pixel ``offset`` (x, y)."""
        if rgba is None:
            self.overlay_item.setPixmap(QPixmap())
            return
        self.overlay_item.setPixmap(to_pixmap(rgba))
        self.overlay_item.setOffset(float(offset[0]), float(offset[1]))

    def set_overlay_visible(self, visible: bool) -> None:
        self.overlay_item.setVisible(visible)
        for item in self._decorations:
            item.setVisible(visible)

    def set_decorations(
        self,
        items: Sequence[tuple[str, tuple[int, int, int], np.ndarray | None, tuple[float, float]]],
    ) -> None:
        """Per object: (name, rgb, rotated box (4, 2) or None, label position x, y)."""
        for item in self._decorations:
            self.scene().removeItem(item)
        self._decorations = []
        for name, rgb, polygon, (lx, ly) in items:
            colour = QColor(*rgb)
            if polygon is not None:
                poly = QGraphicsPolygonItem(
                    QPolygonF([QPointF(float(x), float(y)) for x, y in polygon])
                )
                poly.setPen(QPen(colour, 0))
                poly.setZValue(2)
                self.scene().addItem(poly)
                self._decorations.append(poly)
            # A tag in the object's colour with black or white text, whichever reads on
            # it, so a name stays legible on dark and light footage alike.
            tag = QGraphicsRectItem()
            tag.setBrush(QBrush(colour))
            tag.setPen(QPen(Qt.PenStyle.NoPen))
            tag.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            text = QGraphicsSimpleTextItem(name, tag)
            light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140
            text.setBrush(QBrush(QColor(0, 0, 0) if light else QColor(255, 255, 255)))
            bounds = text.boundingRect()
            tall = bounds.height() + 2
            # Above the mask, unless that is off the image's top: then just inside it.
            above = ly - tall / max(self.transform().m11(), 0.05) >= self.sceneRect().top()
            top = -tall if above else 2.0
            tag.setRect(QRectF(0, top, bounds.width() + 6, tall))
            text.setPos(3, top + 1)
            tag.setPos(lx, ly)
            tag.setZValue(2)
            self.scene().addItem(tag)
            self._decorations.append(tag)
        self.set_overlay_visible(self.overlay_item.isVisible())

    def fit(self) -> None:
        self._zoomed = False
        self.fitInView(self.frame_item, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._zoomed and not self.frame_item.pixmap().isNull():
            self.fit()
        self._place_hint()

    def set_hint(self, text: str | None) -> None:
        """A message over the top of the canvas (None hides it)."""
        if not text:
            self.hint.hide()
            return
        self.hint.setText(text)
        self.hint.adjustSize()
        self._place_hint()
        self.hint.show()

    def _place_hint(self) -> None:
        view = self.viewport().rect()
        self.hint.move((view.width() - self.hint.width()) // 2, 16)

    # -- tools -------------------------------------------------------------------------
    def set_tool(self, tool: Tool) -> None:
        self.cancel_tool()
        self.tool = Tool(tool)
        self._cursor.setVisible(self.tool in (Tool.BRUSH, Tool.ERASER, Tool.STROKE))

    def cancel_tool(self) -> None:
        """Drop whatever is being drawn (Esc)."""
        self._drag_start = None
        self._rubber.hide()
        self._stroke = []
        self._stroke_item.setPath(QPainterPath())
        self._draft = PolygonDraft()
        self._polygon_item.setPath(QPainterPath())

    @property
    def polygon(self) -> list[tuple[float, float]]:
        """The polygon being drawn or edited: vertices (x, y) in image pixels."""
        return list(self._draft.points)

    @property
    def polygon_editing(self) -> bool:
        """Whether a closed polygon waits for its vertices to be edited and Enter."""
        return self._draft.closed

    def change_brush(self, factor: float) -> None:
        self.brush_radius = float(min(max(self.brush_radius * factor, 1.0), 200.0))
        self._cursor.setRect(self._cursor_rect(self._cursor.rect().center()))
        self.brush_size_changed.emit(self.brush_radius)

    def _cursor_rect(self, centre: QPointF) -> QRectF:
        r = self.brush_radius
        return QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)

    def finish_polygon(self) -> None:
        """Enter: close the polygon being drawn for editing, or commit the one being edited."""
        if self._draft.closed:
            points = list(self._draft.points)
            self.cancel_tool()
            self.polygon_finished.emit(points)
        elif self._draft.close():
            self._draw_polygon()
        else:
            self.cancel_tool()

    def delete_vertex(self) -> None:
        """Delete or Backspace: remove the selected vertex of a closed polygon (three stay)."""
        if self._draft.delete_selected():
            self._draw_polygon()

    def insert_vertex(self, x: float, y: float) -> bool:
        """Insert a vertex at (x, y) on the closed polygon's nearest edge, if one is hit."""
        if not self._draft.insert(x, y, self._tolerance()):
            return False
        self._draw_polygon()
        return True

    def move_vertex(self, index: int, x: float, y: float) -> None:
        self._draft.points[index] = (x, y)
        self._draw_polygon()

    def _tolerance(self) -> float:
        """HIT_PX screen pixels in image pixels, at the current zoom."""
        return HIT_PX / max(self.transform().m11(), 1e-6)

    # -- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton):
            self._pan_from = event.position()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        p = self.mapToScene(event.position().toPoint())
        if self.tool is Tool.BOX:
            self._drag_start = p
            self._rubber.setRect(QRectF(p, p))
            self._rubber.show()
        elif self.tool in (Tool.BRUSH, Tool.ERASER, Tool.STROKE):
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._stroke_foreground = not shift
            self._stroke = [(p.x(), p.y())]
            self._update_stroke()
        elif self.tool is Tool.POLYGON and self._draft.closed:
            self._draft.press(p.x(), p.y(), self._tolerance())
            self._draw_polygon()
        elif self.tool is Tool.POLYGON:
            self._draft.points.append((p.x(), p.y()))
            self._draw_polygon(p)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        p = self.mapToScene(event.position().toPoint())
        self._cursor.setRect(self._cursor_rect(p))
        if self._drag_start is not None:
            self._rubber.setRect(QRectF(self._drag_start, p).normalized())
        elif self._stroke:
            self._stroke.append((p.x(), p.y()))
            self._update_stroke()
        elif self._draft.dragging and self._draft.selected is not None:
            self.move_vertex(self._draft.selected, p.x(), p.y())
        elif self._draft.points and not self._draft.closed:
            self._draw_polygon(p)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._drag_start is not None:
            r = self._rubber.rect()
            self._drag_start = None
            if r.width() >= 3 and r.height() >= 3:
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                # The box stays drawn while its object is found (one to two seconds).
                self.box_drawn.emit(r.x(), r.y(), r.width(), r.height(), shift)
            self._rubber.hide()
        elif self._stroke:
            points, self._stroke = self._stroke, []
            self._stroke_item.setPath(QPainterPath())
            if self.tool is Tool.STROKE:
                self.snap_stroke.emit(points, self.brush_radius, self._stroke_foreground)
            else:
                self.stroke_finished.emit(points, self.brush_radius, self.tool is Tool.ERASER)
        self._draft.dragging = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.tool is not Tool.POLYGON:
            return
        p = self.mapToScene(event.position().toPoint())
        if self._draft.closed:
            self.insert_vertex(p.x(), p.y())
        else:
            self.finish_polygon()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_at(1.0015 ** event.angleDelta().y(), event.position())

    def zoom_at(self, factor: float, pointer: QPointF) -> None:
        """Scale by ``factor`` keeping the image point under ``pointer`` (viewport pixels)
        where it is, as image viewers do."""
        anchor = self.mapToScene(pointer.toPoint())
        self.scale(factor, factor)
        moved = self.mapFromScene(anchor) - pointer.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        self._zoomed = True

    def viewportEvent(self, event: QEvent) -> bool:
        # Trackpad pinch arrives as a native zoom gesture, not as wheel events.
        if (
            isinstance(event, QNativeGestureEvent)
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture
        ):
            self.zoom_at(1.0 + event.value(), event.position())
            return True
        return super().viewportEvent(event)

    def _update_stroke(self) -> None:
        path = QPainterPath()
        x0, y0 = self._stroke[0]
        path.moveTo(x0, y0)
        for x, y in self._stroke[1:]:
            path.lineTo(x, y)
        if self.tool is Tool.STROKE:
            rgb = (80, 255, 80) if self._stroke_foreground else (255, 80, 80)
        else:
            rgb = (255, 80, 80) if self.tool is Tool.ERASER else (255, 255, 255)
        pen = QPen(QColor(*rgb, 160), 2 * self.brush_radius)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._stroke_item.setPen(pen)
        self._stroke_item.setPath(path)

    def _draw_polygon(self, cursor: QPointF | None = None) -> None:
        """The polygon's outline (closed once finished) and, when closed, its vertex handles."""
        path = QPainterPath()
        if not self._draft.points:
            self._polygon_item.setPath(path)
            return
        x0, y0 = self._draft.points[0]
        path.moveTo(x0, y0)
        for x, y in self._draft.points[1:]:
            path.lineTo(x, y)
        if self._draft.closed:
            path.closeSubpath()
            half = self._tolerance() / 2
            for i, (x, y) in enumerate(self._draft.points):
                size = 2 * half if i == self._draft.selected else half
                path.addRect(QRectF(x - size, y - size, 2 * size, 2 * size))
        elif cursor is not None:
            path.lineTo(cursor)
        self._polygon_item.setPath(path)
