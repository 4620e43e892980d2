"""The window's toolbar: the tools, checked as the active one, then play, step and propagate.

The toolbar shows the very ``QAction`` objects of the menus, so a shortcut, a
menu entry and a toolbar button are one thing and their checked state cannot
disagree. Tool icons are drawn here (no icon files to ship); the others come
from the platform's style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyle, QToolBar, QToolButton

from annotator.gui.canvas import Tool

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

ICON_PX = 24

# What the status bar says while a tool is active.
TOOL_HINTS = {
    Tool.BOX: "Box: drag a box around an object to start it; Shift+drag re-initialises the "
    "selected object",
    Tool.BRUSH: "Brush: paint the selected object's mask; [ and ] change the size",
    Tool.ERASER: "Eraser: erase from the selected object's mask; [ and ] change the size",
    Tool.STROKE: "Stroke: paint or click on a part the mask misses (Shift: on a part it wrongly "
    "covers); the edge snaps to the image",
    Tool.POLYGON: "Polygon: click the corners, Enter closes; drag, double-click or Delete "
    "vertices, Enter commits",
}


def build_toolbar(w: MainWindow) -> QToolBar:
    """Add the toolbar to the window; ``w.tool_actions`` and ``w.run_actions`` must exist."""
    bar = QToolBar("Tools", w)
    bar.setObjectName("tools")
    bar.setMovable(False)
    bar.setIconSize(QSize(ICON_PX, ICON_PX))
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for tool, action in w.tool_actions.items():
        action.setIcon(tool_icon(tool))
        bar.addAction(action)
    bar.addSeparator()
    style = w.style()
    for key, icon in (
        ("previous", QStyle.StandardPixmap.SP_MediaSeekBackward),
        ("play", QStyle.StandardPixmap.SP_MediaPlay),
        ("next", QStyle.StandardPixmap.SP_MediaSeekForward),
        ("backward", QStyle.StandardPixmap.SP_ArrowBack),
        ("forward", QStyle.StandardPixmap.SP_ArrowForward),
    ):
        action = w.run_actions[key]
        action.setIcon(style.standardIcon(icon))
        bar.addAction(action)
    w.run_actions["play"].setIconText("Play")
    w.run_actions["backward"].setIconText("Propagate back (B)")
    w.run_actions["forward"].setIconText("Propagate (F)")
    for key in ("previous", "next"):
        button = bar.widgetForAction(w.run_actions[key])
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


def tool_icon(tool: Tool) -> QIcon:
    """A small drawn icon for a tool: a dashed box, a round brush, an eraser block,
    a stroke with a snap point, a polygon."""
    pixmap = QPixmap(ICON_PX, ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QColor(40, 110, 200)
    p.setPen(QPen(ink, 2))
    s = ICON_PX
    if tool is Tool.BOX:
        pen = QPen(ink, 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRect(QRectF(3, 5, s - 6, s - 10))
    elif tool is Tool.BRUSH:
        p.setBrush(ink)
        p.drawEllipse(QPointF(s / 2, s / 2), s / 3, s / 3)
    elif tool is Tool.ERASER:
        p.setBrush(QColor(230, 120, 120))
        p.drawRect(QRectF(4, 7, s - 8, s - 14))
    elif tool is Tool.STROKE:
        path = QPainterPath(QPointF(3, s - 6))
        path.cubicTo(QPointF(s / 3, 2), QPointF(2 * s / 3, s), QPointF(s - 3, 6))
        p.setPen(QPen(ink, 3))
        p.drawPath(path)
    else:
        points = [
            QPointF(4, s - 4),
            QPointF(s / 2, 3),
            QPointF(s - 3, s / 2),
            QPointF(s - 8, s - 3),
        ]
        p.drawPolygon(QPolygonF(points))
        p.setBrush(ink)
        for point in points:
            p.drawEllipse(point, 2, 2)
    p.end()
    return QIcon(pixmap)
