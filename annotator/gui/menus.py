"""The window's menus: every action, its shortcut, and the table Help shows.

Each shortcut is a ``QAction`` added to the window, so it works wherever the
focus is in the window, and ``Shortcuts.rows`` lists it for Help from the same
place it is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from annotator.gui import object_actions
from annotator.gui.canvas import Tool
from annotator.gui.opening import ask_folder, ask_project, ask_video, fill_recent
from annotator.propagation import Direction

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

Keys = str | QKeySequence.StandardKey | list[str] | None


class Shortcuts:
    """Makes actions with shortcuts on a window and remembers (keys, what) rows for Help,
    each in the group of the menu it sits in."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.rows: list[tuple[str, str]] = []
        self.group_of: dict[tuple[str, str], str] = {}

    def action(
        self,
        menu: QMenu,
        text: str,
        keys: Keys,
        handler: Callable[[], object],
        help_text: str | None = None,
    ) -> QAction:
        action = QAction(text, self.window)
        if keys:
            seqs = [QKeySequence(k) for k in (keys if isinstance(keys, list) else [keys])]
            seqs = [q for q in seqs if not q.isEmpty()]
            action.setShortcuts(seqs)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            shown = ", ".join(q.toString(QKeySequence.SequenceFormat.NativeText) for q in seqs)
            if seqs:
                row = (shown, help_text or text.replace("&", "").rstrip("…"))
                self.rows.append(row)
                self.group_of[row] = menu.title().replace("&", "")
        action.triggered.connect(lambda _checked=False: handler())
        menu.addAction(action)
        self.window.addAction(action)
        return action

    def grouped(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The rows by menu, in the menus' order."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for row in self.rows:
            groups.setdefault(self.group_of.get(row, "Other"), []).append(row)
        return list(groups.items())


def build_menus(w: MainWindow) -> Shortcuts:
    """Fill the window's menu bar; sets ``w.recent_menu``, ``w.tool_actions``,
    ``w.tracker_actions``, ``w.overlay_action`` and ``w.run_actions`` (what the
    toolbar shows besides the tools)."""
    shortcuts = Shortcuts(w)
    m = w.menuBar()
    file = m.addMenu("&File")
    shortcuts.action(file, "&Open video…", QKeySequence.StandardKey.Open, partial(ask_video, w))
    shortcuts.action(file, "Open &folder of frames…", None, partial(ask_folder, w))
    shortcuts.action(file, "Open &project…", "Ctrl+Shift+O", partial(ask_project, w))
    w.recent_menu = file.addMenu("&Recent")
    fill_recent(w)
    file.addSeparator()
    shortcuts.action(file, "&Export…", "Ctrl+E", w.export_dialog)
    importing = file.addMenu("&Import")
    importing.addAction("DAVIS folder…", lambda: w.import_dialog("davis"))
    importing.addAction("YouTube-VOS folder…", lambda: w.import_dialog("youtube-vos"))
    importing.addAction("COCO file…", lambda: w.import_dialog("coco"))
    file.addSeparator()
    shortcuts.action(file, "&Quit", QKeySequence.StandardKey.Quit, w.close)

    edit = m.addMenu("&Edit")
    shortcuts.action(edit, "&Undo", QKeySequence.StandardKey.Undo, w.undo)
    shortcuts.action(edit, "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], w.redo)
    edit.addSeparator()
    shortcuts.action(
        edit, "Delete selected object", None, lambda: object_actions.delete(w, w.selected)
    )
    shortcuts.action(
        edit,
        "Selected object &absent from this frame on",
        "A",
        lambda: object_actions.mark_absent_from_here(w),
        "Selected object left the shot: absent from here on",
    )
    shortcuts.action(
        edit,
        "Selected object &hidden on this frame",
        "Shift+A",
        lambda: object_actions.mark_hidden_here(w),
        "Selected object is hidden on this frame only: absent here, and propagation stops here",
    )
    shortcuts.action(
        edit,
        "&Clear the selected object's frames…",
        None,
        lambda: object_actions.clear_frames_dialog(w),
    )

    tools = m.addMenu("&Tools")
    w.tool_actions = {}
    group = QActionGroup(w)
    for tool, key, text, short in (
        (Tool.BOX, "R", "&Box: new object (Shift+drag: re-initialise selected)", "Box"),
        (Tool.BRUSH, "D", "B&rush", "Brush"),
        (Tool.ERASER, "E", "&Eraser", "Eraser"),
        (
            Tool.STROKE,
            "S",
            "&Snapping stroke: paint or click on a missed part (Shift: on a wrong part)",
            "Stroke",
        ),
        (
            Tool.POLYGON,
            "G",
            "&Polygon (Enter closes, then edit vertices, Enter commits)",
            "Polygon",
        ),
    ):
        a = shortcuts.action(tools, text, key, partial(w.set_tool, tool))
        a.setIconText(short)
        a.setToolTip(f"{text.replace('&', '')} ({key})")
        a.setCheckable(True)
        group.addAction(a)
        w.tool_actions[tool] = a
    w.tool_actions[Tool.BOX].setChecked(True)
    tools.addSeparator()
    shortcuts.action(tools, "Smaller brush", "[", lambda: w.canvas.change_brush(1 / 1.25))
    shortcuts.action(tools, "Larger brush", "]", lambda: w.canvas.change_brush(1.25))
    shortcuts.action(
        tools, "Close polygon, then commit it", ["Return", "Enter"], w.canvas.finish_polygon
    )
    shortcuts.action(
        tools, "Delete the selected polygon vertex", ["Delete", "Backspace"], w.canvas.delete_vertex
    )

    nav = m.addMenu("&Go")
    w.run_actions = {}
    w.run_actions["next"] = shortcuts.action(
        nav, "Next frame", "Right", lambda: w.show_frame(w.current + 1)
    )
    w.run_actions["previous"] = shortcuts.action(
        nav, "Previous frame", "Left", lambda: w.show_frame(w.current - 1)
    )
    shortcuts.action(nav, "Ten frames on", "Shift+Right", lambda: w.show_frame(w.current + 10))
    shortcuts.action(nav, "Ten frames back", "Shift+Left", lambda: w.show_frame(w.current - 10))
    shortcuts.action(nav, "First frame", "Home", lambda: w.show_frame(0))
    shortcuts.action(nav, "Last frame", "End", lambda: w.show_frame(w.frame_count - 1))
    w.run_actions["play"] = shortcuts.action(nav, "Play / pause", "Space", w.playback.toggle)
    shortcuts.action(nav, "Next doubtful frame", "N", lambda: w.goto_doubtful(1))
    shortcuts.action(nav, "Previous doubtful frame", "P", lambda: w.goto_doubtful(-1))
    for k in range(1, 10):
        shortcuts.action(nav, f"Select object {k}", str(k), partial(w.panel.select, k))
    # One help row for the nine number keys.
    shortcuts.rows = [r for r in shortcuts.rows if not r[1].startswith("Select object")]
    shortcuts.rows.append(("1–9", "Select object 1–9"))
    shortcuts.group_of[("1–9", "Select object 1–9")] = "Go"

    prop = m.addMenu("&Propagate")
    w.run_actions["forward"] = shortcuts.action(
        prop, "Propagate &forward", "F", lambda: w.propagate(Direction.FORWARD)
    )
    w.run_actions["backward"] = shortcuts.action(
        prop, "Propagate &backward", "B", lambda: w.propagate(Direction.BACKWARD)
    )
    shortcuts.action(prop, "&Stop", "Esc", w.escape, "Stop propagation; cancel the tool in use")
    prop.addSeparator()
    tracker = prop.addMenu("&Tracker")
    w.tracker_actions = {}
    tgroup = QActionGroup(w)
    for kind, text in (
        ("auto", "Auto (SiamMask when its weights are found)"),
        ("siammask", "SiamMask"),
        ("flow", "Optical flow (no weights needed)"),
    ):
        a = QAction(text, w, checkable=True)
        a.triggered.connect(lambda _c=False, kind=kind: w.choose_tracker(kind))
        tgroup.addAction(a)
        tracker.addAction(a)
        w.tracker_actions[kind] = a
    w.tracker_actions.get(w.controller.tracker_kind, w.tracker_actions["auto"]).setChecked(True)
    prop.addAction("SiamMask &weights…", w.show_weights_dialog)

    view = m.addMenu("&View")
    w.overlay_action = shortcuts.action(view, "Show &overlays", "H", w.toggle_overlays)
    w.overlay_action.setCheckable(True)
    w.overlay_action.setChecked(True)
    shortcuts.action(view, "More opaque", "Ctrl+Up", lambda: w.set_opacity(w.overlay_alpha + 0.1))
    shortcuts.action(
        view,
        "More transparent",
        "Ctrl+Down",
        lambda: w.set_opacity(w.overlay_alpha - 0.1),
    )
    shortcuts.action(view, "Fit to window", "Ctrl+0", w.canvas.fit)
    shortcuts.action(
        view,
        "&Matte view: off, alpha, checkerboard",
        "M",
        w.cycle_matte_view,
        "Matte view of the selected object: off, alpha as grey, over a checkerboard",
    )

    help_menu = m.addMenu("&Help")
    shortcuts.action(help_menu, "&Keyboard shortcuts", ["F1", "?"], w.show_shortcuts)
    for row in (("Mouse wheel, pinch", "Zoom"), ("Right or middle drag", "Pan")):
        shortcuts.rows.append(row)
        shortcuts.group_of[row] = "View"

    return shortcuts
