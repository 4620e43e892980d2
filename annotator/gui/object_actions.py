"""What the window does to objects: rename, recolour, categorise, delete, mark absent, clear.

Functions of the window rather than methods, to keep the window's module to
its layout and gestures. Each change goes through the controller (the
session), so it is one undo step; errors become a message (``w._guard``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog

from annotator.core.model import ObjectInfo

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def update_object(w: MainWindow, info: ObjectInfo, what: str, **changes: Any) -> None:
    w._guard(what, lambda: w.controller.update_object(replace(info, **changes)))


def ask_text(w: MainWindow, object_id: int, what: str, field: str) -> None:
    """Ask for a new name or category of an object; blank answers change nothing."""
    info = w._object(object_id)
    if info is None:
        return
    text, ok = QInputDialog.getText(w, what, f"{what}:", text=getattr(info, field))
    if ok and text.strip():
        update_object(w, info, what, **{field: text.strip()})


def rename(w: MainWindow, object_id: int) -> None:
    ask_text(w, object_id, "Name", "name")


def set_category(w: MainWindow, object_id: int) -> None:
    ask_text(w, object_id, "Category", "category")


def recolour(w: MainWindow, object_id: int) -> None:
    info = w._object(object_id)
    if info is None:
        return
    colour = QColorDialog.getColor(QColor(*info.color), w, "Colour")
    if colour.isValid():
        update_object(w, info, "Colour", color=(colour.red(), colour.green(), colour.blue()))


def delete(w: MainWindow, object_id: int) -> None:
    """Delete an object; the status bar says how to bring it back."""
    if object_id:
        info = w._object(object_id)

        def remove() -> bool:
            w.controller.delete_object(object_id)
            return True

        if w._guard("Delete", remove) and info is not None:
            w.statusBar().showMessage(f"deleted {info.name} (Ctrl+Z brings it back)", 8000)


def mark_absent_from_here(w: MainWindow) -> None:
    """The selected object has left the shot: absent from this frame to the end."""
    _mark_absent(w, "Absent", w.frame_count, f"absent from frame {w.current} on")


def mark_hidden_here(w: MainWindow) -> None:
    """The selected object is hidden (or out of the shot) on this frame only."""
    _mark_absent(w, "Hidden", w.current + 1, f"hidden on frame {w.current}")


def _mark_absent(w: MainWindow, title: str, stop: int, said: str) -> None:
    """Mark the selected object absent from the current frame to ``stop`` (exclusive)."""
    target = w.selected
    n = w._guard(title, lambda: w.controller.mark_absent(target, w.current, stop))
    if n is not None:
        w.statusBar().showMessage(f"object {target} {said} (Ctrl+Z undoes)", 8000)


def clear_frames_dialog(w: MainWindow) -> None:
    """Ask for a frame range (``first-last``, 0-based) and clear the selected object there."""
    if w.controller.model is None:
        return
    target = w.selected
    last = w.frame_count - 1
    text, ok = QInputDialog.getText(
        w, "Clear frames", f"Frames of object {target} to clear (first-last, 0–{last}):",
        text=f"{w.current}-{last}",
    )  # fmt: skip
    if not ok:
        return
    try:
        first, _, end = text.replace(" ", "").partition("-")
        start, stop = int(first), int(end or first) + 1
    except ValueError:
        w.show_error("Clear frames", f"{text!r} is not a range like 10-20")
        return
    n = w._guard("Clear frames", lambda: w.controller.clear_range(target, start, stop))
    if n is not None:
        w.statusBar().showMessage(f"cleared {n} masks (Ctrl+Z undoes)", 8000)
