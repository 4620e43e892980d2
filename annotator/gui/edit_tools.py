"""What the canvas's tools do to the project: box, brush, eraser, snapping strokes, polygon.

Functions of the window rather than methods, to keep the window's module to
its layout. Each gesture becomes one controller (session) call, so it is one
undo step; errors become a message (``w._guard``). Points are (x, y) in image
pixels; boxes are xywh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.gui.canvas import Tool
from annotator.gui.raster import paint_stroke
from annotator.session import Runner
from annotator.tracking.geometry import fill_polygon
from annotator.tracking.strokes import Stroke

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

Points = list[tuple[float, float]]
T = TypeVar("T")
U = TypeVar("U")


def while_busy(w: MainWindow, message: str, action: Callable[[Runner], T]) -> T:
    """``action(run)`` under a busy cursor, with ``message`` in the status bar, where
    ``run`` runs a piece of work on a worker thread while the window keeps painting (a
    box's init takes one to two seconds at 854 x 480); past 0.3 s a dialog with
    ``message`` shows that the window waits. The cursor and the message are gone again
    before an error from ``action`` reaches the user."""
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    bar = w.statusBar()
    bar.showMessage(message)

    def run(work: Callable[[], U], /) -> U:
        return w.off_thread(message, work)

    try:
        return action(run)
    finally:
        QApplication.restoreOverrideCursor()
        if bar.currentMessage() == message:
            bar.clearMessage()


def arm_new_object(w: MainWindow) -> None:
    """The next box starts a new object."""
    w.panel.select(0)
    w.set_tool(Tool.BOX)
    w.statusBar().showMessage("draw a box around the new object", 4000)


def on_box(w: MainWindow, x: float, y: float, width: float, height: float, reinit: bool) -> None:
    """A box drawn: a new object, or (``reinit``) the selected one started again from it."""
    box = (x, y, width, height)
    finding = "finding the object in the box…"
    if reinit and w.selected:
        selected = w.selected
        w._guard(
            "Re-initialise",
            lambda: while_busy(
                w, finding, lambda run: w.controller.reinit_object(selected, w.current, box, run)
            ),
        )
        return
    new = w._guard(
        "New object",
        lambda: while_busy(
            w, finding, lambda run: w.controller.add_box_object(w.current, box, run)
        ),
    )
    if new:
        w.panel.select(int(new))


def target(w: MainWindow) -> int:
    """The object a brush or polygon edits: the selected one, or a new one (0: none)."""
    if not w.selected:
        new = w._guard("New object", w.controller.add_empty_object)
        if new:
            w.panel.select(int(new))
    return w.selected


def on_stroke(w: MainWindow, points: Points, radius: float, erase: bool) -> None:
    """A brush or eraser stroke, painted pixel by pixel."""
    if erase and not w.selected:
        w.statusBar().showMessage("select an object to erase from", 3000)
        return
    label = "eraser" if erase else "brush"
    edit_mask(w, label, lambda mask: paint_stroke(mask, points, radius, 0 if erase else 1))


def on_snap_stroke(w: MainWindow, points: Points, radius: float, foreground: bool) -> None:
    """A stroke of the snapping tool: the mask is recomputed near it (see strokes.py)."""
    if w.controller.source is None:
        return
    if not foreground and not w.selected:
        w.statusBar().showMessage("select an object to correct", 3000)
        return
    object_id = target(w)
    if not object_id:
        return
    stroke = Stroke(tuple((float(x), float(y)) for x, y in points), radius, foreground)
    w._guard("Stroke", lambda: w.controller.apply_strokes(object_id, w.current, [stroke]))


def on_polygon(w: MainWindow, points: Points) -> None:
    """A committed polygon is added to the target object's mask."""
    edit_mask(w, "polygon", lambda mask: np.maximum(mask, fill_polygon(mask.shape, points)))


def edit_mask(w: MainWindow, label: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    """Set the target object's mask on this frame to ``change(mask)``, a user keyframe."""
    if w.controller.source is None:
        return
    object_id = target(w)
    if not object_id:
        return
    new = change(w.controller.mask_array(object_id, w.current))
    w._guard("Edit", lambda: w.controller.set_user_mask(object_id, w.current, new, label))
