"""The real window, driven offscreen with the mouse and keyboard, on the sample clip.

The tracker is the flow backend (no weights needed); the weights test builds
SiamMask with seeded random weights.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from annotator.core.model import Provenance
from annotator.formats.common import ExportJob
from annotator.formats.registry import ExportSettings
from annotator.gui.app import sample_clip, start_path
from annotator.gui.controller import Controller
from annotator.gui.main_window import MainWindow
from annotator.gui.settings import Settings
from annotator.gui.timeline import LOW, lane_pixels
from annotator.video.synthetic import render_frames, write_video

pytestmark = pytest.mark.gui

DISC_BOX = (38, 84, 84, 84)  # xywh around the sample clip's disc on frame 0


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ANNOTATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ANNOTATOR_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("ANNOTATOR_WEIGHTS", raising=False)
    return tmp_path


@pytest.fixture()
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    return shown


def make_window(qtbot, tracker: str = "flow") -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(Controller(tracker))
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture()
def window(qtbot, env: Path, errors: list[str]) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = make_window(qtbot)
    assert win.open_path(sample_clip())
    yield win
    win.close()
    assert not win.controller.is_running  # no thread is left behind


def drag(
    qtbot,
    win: MainWindow,
    start: tuple[float, float],
    end: tuple[float, float],
    modifier=Qt.KeyboardModifier.NoModifier,
) -> None:  # type: ignore[no-untyped-def]
    """A left-button drag on the canvas between two points in image pixels."""
    viewport = win.canvas.viewport()
    a = win.canvas.mapFromScene(QPointF(*start))
    b = win.canvas.mapFromScene(QPointF(*end))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, a)
    mid = QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2)
    qtbot.mouseMove(viewport, mid)
    qtbot.mouseMove(viewport, b)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, b)


def draw_box(
    qtbot,
    win: MainWindow,
    box: tuple[float, float, float, float],
    modifier=Qt.KeyboardModifier.NoModifier,
) -> None:  # type: ignore[no-untyped-def]
    x, y, w, h = box
    drag(qtbot, win, (x, y), (x + w, y + h), modifier)


def run_to_end(qtbot, win: MainWindow, key: Qt.Key) -> str:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.controller.propagation_finished, timeout=120_000) as done:
        qtbot.keyClick(win, key)
    return str(done.args[0])


def test_opens_the_sample_clip_and_steps_with_keys(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.windowTitle() == "sample.mp4 — annotator"
    assert ".annot" in window.frame_label.toolTip()
    assert window.pixmap_item.pixmap().width() == 640
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.current == 1
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.current == 11
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.current == 89 and window.slider.value() == 89
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.current == 0
    window.slider.setValue(42)
    assert window.current == 42 and window.frame_label.text() == "frame 42 (of 0–89)"
    window.timeline.frame_requested.emit(10)
    assert window.current == 10 and window.timeline.current == 10
    assert window.tracker_label.text() == "tracker: flow on CPU"


def test_box_creates_an_object_and_f_propagates_with_progress(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    model = window.controller.model
    assert list(model.objects) == [1]
    init = model.mask(1, 0)
    assert init.provenance is Provenance.INIT and init.rle is not None
    assert window.selected == 1 and window.panel.list.count() == 1
    steps: list[tuple[int, int, float]] = []
    window.controller.propagation_step.connect(lambda f, d, fps: steps.append((f, d, fps)))
    message = run_to_end(qtbot, window, Qt.Key.Key_F)
    assert "propagated 89 frames" in message
    assert [s[0] for s in steps] == list(range(1, 90)) and steps[-1][2] > 0
    assert model.provenance_counts(1)["propagated"] == 89
    assert window.current == 89  # the canvas followed the run
    assert "fps" in window.fps_label.text()
    # The whole run is one undo step.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.provenance_counts(1)["propagated"] == 0 and model.mask(1, 0) is not None
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert model.provenance_counts(1)["propagated"] == 89


def test_a_box_finds_its_object_off_the_window_thread(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The box init takes about a second on a real frame: it runs on a worker thread while
    the window keeps handling its events (a timer ticks meanwhile), under a busy cursor
    and a status message, with the box still drawn; all three are gone afterwards."""
    import threading
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    tracker = window.controller.session.tracker
    init = tracker.init
    ticks = [0]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    seen: list[tuple[bool, Qt.CursorShape | None, str, bool, bool]] = []
    box_shown = window.canvas._rubber.isVisible

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        cursor = QApplication.overrideCursor()
        message = window.statusBar().currentMessage()
        before, deadline = ticks[0], time.monotonic() + 10
        while ticks[0] == before and time.monotonic() < deadline:
            time.sleep(0.01)
        off_thread = threading.current_thread() is not threading.main_thread()
        shape = cursor.shape() if cursor else None
        seen.append((off_thread, shape, message, ticks[0] > before, box_shown()))
        return init(*args, **kwargs)

    tracker.init = watched  # type: ignore[method-assign]
    timer.start(0)
    try:
        draw_box(qtbot, window, DISC_BOX)
    finally:
        timer.stop()
    finding = "finding the object in the box…"
    assert seen == [(True, Qt.CursorShape.BusyCursor, finding, True, True)]
    assert QApplication.overrideCursor() is None and not box_shown()
    assert window.statusBar().currentMessage() != "finding the object in the box…"
    assert list(window.controller.model.objects) == [1]
    assert window.controller.model.provenance_counts(1)["init"] == 1


def test_closing_while_a_box_is_found_waits_and_keeps_the_object(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The window paints during the box init, so its close button still works: the close
    waits until the object is saved, then happens."""
    import time

    from PySide6.QtCore import QTimer

    from annotator.store.project import ProjectStore

    store = window.controller.session.store
    assert store is not None
    path = store.path
    tracker = window.controller.session.tracker
    init = tracker.init
    closed: list[bool] = []

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 10
        while not closed and time.monotonic() < deadline:
            time.sleep(0.01)
        return init(*args, **kwargs)

    tracker.init = slow  # type: ignore[method-assign]
    QTimer.singleShot(50, lambda: closed.append(window.close()))
    draw_box(qtbot, window, DISC_BOX)
    assert closed == [False]  # deferred, not refused or done at once
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert window.controller.session.store is None
    with ProjectStore.open(path) as reopened:
        assert list(reopened.model.objects) == [1]
        assert reopened.model.provenance_counts(1)["init"] == 1


def test_a_box_init_that_crashes_is_a_message_and_adds_nothing(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, errors: list[str]
) -> None:
    from PySide6.QtWidgets import QApplication

    from annotator.errors import InvalidBoxError

    tracker = window.controller.session.tracker

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("a bug")

    tracker.init = broken  # type: ignore[method-assign]
    draw_box(qtbot, window, DISC_BOX)
    assert errors == ["finding the object in the box failed: ValueError: a bug"]

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise InvalidBoxError("box is 0 x 0 px")

    tracker.init = refused  # type: ignore[method-assign]
    draw_box(qtbot, window, DISC_BOX)
    assert errors[1:] == ["box is 0 x 0 px"]
    assert not window.controller.model.objects
    assert QApplication.overrideCursor() is None


def test_a_long_call_off_the_window_thread_shows_a_busy_dialog(window: MainWindow) -> None:
    """Past 0.3 s the dialog says what the window waits for, and it is gone when the call
    returns. Unless its value is set, the dialog keeps Qt's default 4 s before it shows,
    and a box's one-second wait showed nothing."""
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    from annotator.gui.worker import run_off_thread

    shown = threading.Event()

    def dialogs() -> list[tuple[bool, str]]:
        return [(d.isVisible(), d.labelText()) for d in window.findChildren(QProgressDialog)]

    def look() -> None:
        if (True, "working…") in dialogs():
            shown.set()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(20)
    try:
        result = run_off_thread(window, "working…", lambda: 42 if shown.wait(2.5) else 0)
    finally:
        timer.stop()
    assert result == 42
    assert (True, "working…") not in dialogs()


def test_escape_stops_a_run_and_keeps_what_was_done(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    with qtbot.waitSignal(window.controller.propagation_finished, timeout=60_000) as done:
        with qtbot.waitSignal(window.controller.propagation_step, timeout=30_000):
            qtbot.keyClick(window, Qt.Key.Key_F)
        assert window.controller.is_running and window.stop_button.isVisible()
        window.show_frame(0)  # the window stays usable while the worker runs
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert "stopped after" in done.args[0]
    kept = window.controller.model.provenance_counts(1)["propagated"]
    assert 1 <= kept < 89
    assert not window.stop_button.isVisible()


def test_brush_changes_a_mask_and_undo_restores_it(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    model = window.controller.model
    before = window.controller.mask_array(1, 0).copy()
    qtbot.keyClick(window, Qt.Key.Key_D)  # brush
    drag(qtbot, window, (300, 300), (340, 300))
    after = window.controller.mask_array(1, 0)
    assert after[300, 320] == 1 and after.sum() > before.sum()
    assert model.mask(1, 0).provenance is Provenance.USER  # an edit makes a locked keyframe
    qtbot.keyClick(window, Qt.Key.Key_E)  # eraser
    drag(qtbot, window, (300, 300), (340, 300))
    assert window.controller.mask_array(1, 0)[300, 320] == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(window.controller.mask_array(1, 0), before)
    assert model.mask(1, 0).provenance is Provenance.INIT
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier,
    )
    assert window.controller.mask_array(1, 0)[300, 320] == 1


def test_polygon_adds_to_the_selected_object(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_G)
    viewport = window.canvas.viewport()
    for x, y in ((400, 40), (460, 40), (460, 100), (400, 100)):
        qtbot.mouseClick(
            viewport, Qt.MouseButton.LeftButton, pos=window.canvas.mapFromScene(QPointF(x, y))
        )
    qtbot.keyClick(window, Qt.Key.Key_Return)  # closes it for editing: no mask yet
    assert window.canvas.polygon_editing and window.controller.model.objects == {}
    qtbot.keyClick(window, Qt.Key.Key_Return)  # commits
    mask = window.controller.mask_array(1, 0)
    assert mask[70, 430] == 1 and mask[20, 430] == 0
    assert 3000 < mask.sum() < 4200  # about 60 x 60


def test_polygon_vertices_move_insert_and_delete_before_enter(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_G)
    viewport = window.canvas.viewport()

    def at(x: float, y: float) -> QPoint:
        return window.canvas.mapFromScene(QPointF(x, y))

    for x, y in ((400, 40), (460, 40), (460, 100), (400, 100)):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=at(x, y))
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=at(400, 100))  # closes
    assert window.canvas.polygon_editing
    corners = window.canvas.polygon
    # the double click's first press added a vertex on top of the last: delete it
    if len(corners) == 5:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=at(400, 100))
        qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert len(window.canvas.polygon) == 4
    # drag the bottom-right corner 40 px down
    drag(qtbot, window, (460, 100), (460, 140))
    assert (460.0, 140.0) in [(round(x), round(y)) for x, y in window.canvas.polygon]
    # double click on the top edge inserts a vertex; drag it up to make a peak
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=at(430, 40))
    assert len(window.canvas.polygon) == 5
    drag(qtbot, window, (430, 40), (430, 10))
    # Delete removes the selected vertex (the peak), and a triangle cannot lose more
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert len(window.canvas.polygon) == 4
    drag(qtbot, window, (430, 10), (430, 10))  # nothing there any more
    qtbot.keyClick(window, Qt.Key.Key_Return)
    mask = window.controller.mask_array(1, 0)
    assert mask[130, 455] == 1  # inside the moved corner's part
    assert mask[20, 430] == 0  # the deleted peak is not part of it
    assert not window.canvas.polygon_editing


def test_a_snapping_stroke_fills_the_missed_part_and_undo_restores(
    window: MainWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    controller = window.controller
    # the disc (centre 80, 126; radius 38) loses its right half to the eraser
    qtbot.keyClick(window, Qt.Key.Key_E)
    window.canvas.brush_radius = 22.0
    drag(qtbot, window, (100, 90), (100, 165))
    missed = controller.mask_array(1, 0).copy()
    yy, xx = np.mgrid[0 : missed.shape[0], 0 : missed.shape[1]]
    disc = (xx - 80) ** 2 + (yy - 126) ** 2 <= 36**2
    hole = disc & (missed == 0)
    assert hole.sum() > 1000
    # a thin foreground stroke down the middle of the missing part
    qtbot.keyClick(window, Qt.Key.Key_S)
    window.canvas.brush_radius = 3.0
    drag(qtbot, window, (102, 110), (102, 142))
    after = controller.mask_array(1, 0)
    assert after[hole].mean() > 0.9  # it grew into the missing part
    outside = (xx - 80) ** 2 + (yy - 126) ** 2 > 44**2
    assert after[outside].sum() < 0.02 * disc.sum()  # and stopped at the disc's edge
    assert controller.model.mask(1, 0).provenance is Provenance.USER
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(controller.mask_array(1, 0), missed)


def test_reinit_then_propagate_again_stops_at_the_keyframe(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    model = window.controller.model
    old_tail = model.mask(1, 70)
    # A corrected frame: Shift+box re-initialises the selected object on frame 40.
    window.show_frame(40)
    truth_x = 80 + 40 / 89 * 480  # the disc's centre on frame 40
    draw_box(qtbot, window, (truth_x - 42, 84, 84, 84), Qt.KeyboardModifier.ShiftModifier)
    assert model.mask(1, 40).provenance is Provenance.INIT
    assert model.keyframes(1) == [0, 40]
    window.show_frame(0)
    message = run_to_end(qtbot, window, Qt.Key.Key_F)
    assert "propagated 39 frames" in message  # frames 1..39, then the keyframe
    assert model.mask(1, 40).provenance is Provenance.INIT
    assert model.mask(1, 70) == old_tail  # beyond the keyframe nothing changed
    window.show_frame(40)
    assert "propagated 49 frames" in run_to_end(qtbot, window, Qt.Key.Key_F)
    lane = lane_pixels(model, 1, 90)
    assert tuple(lane[5, 40]) == model.objects[1].color  # keyframes in full colour


def test_next_doubtful_frame_and_timeline_marks(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    model = window.controller.model
    m = model.mask(1, 50)
    from dataclasses import replace

    model.apply(model.set_masks("test", [(1, 50, replace(m, score=0.1))]))
    window.show_frame(0)
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.current == 50
    # nothing doubtful before frame 50: P wraps round to the last doubtful frame
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.current > 50 and "wrapped" in window.statusBar().currentMessage()
    # and past the last one (where a run that followed its frames ends), N wraps to 50
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.current == 50 and "wrapped" in window.statusBar().currentMessage()
    assert tuple(window.timeline._strips[1][0, 50]) == LOW


def test_objects_panel_edits_and_number_keys(
    window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    draw_box(qtbot, window, DISC_BOX)
    qtbot.keyClick(window.panel, Qt.Key.Key_Escape)
    window.panel.select(0)
    draw_box(qtbot, window, (428, 60, 90, 90))  # the square
    assert sorted(window.controller.model.objects) == [1, 2]
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert window.selected == 1
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("disc", True))
    window.panel.buttons["rename"].click()
    assert window.controller.model.objects[1].name == "disc"
    window.panel.list.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert window.controller.model.objects[2].visible is False
    qtbot.keyClick(window, Qt.Key.Key_2)
    window.panel.buttons["delete"].click()
    assert list(window.controller.model.objects) == [1]
    qtbot.keyClick(window, Qt.Key.Key_H)
    assert not window.canvas.overlay_item.isVisible()


def test_every_shortcut_is_listed_under_help(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    rows = dict((what, keys) for keys, what in window.shortcut_rows)
    for what in (
        "Propagate forward",
        "Propagate backward",
        "Next doubtful frame",
        "Undo",
        "Play / pause",
        "Select object 1–9",
        "Smaller brush",
    ):
        assert what in rows, what
    listed = {k for keys, _ in window.shortcut_rows for k in keys.split(", ")}
    listed |= {str(k) for k in range(1, 10)} if "1–9" in listed else set()
    for action in window.actions():
        for seq in action.shortcuts():
            assert seq.toString(seq.SequenceFormat.NativeText) in listed, seq.toString()
    dialog = window.show_shortcuts()
    assert dialog.shortcut_count == len(window.shortcut_rows)
    table = dialog.table
    assert table.item(0, 0).text() == "File" and table.columnSpan(0, 0) == 2  # grouped
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers  # read-only
    dialog.close()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window._shortcuts_dialog is not None and window._shortcuts_dialog.isVisible()


def test_bad_file_shows_a_message_and_keeps_the_project(
    window: MainWindow, qtbot, tmp_path: Path, errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    draw_box(qtbot, window, DISC_BOX)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 1000)
    assert not window.open_path(bad)
    assert errors and "broken.mp4" in errors[0]
    assert "sample.mp4" in window.windowTitle() and list(window.controller.model.objects) == [1]
    draw_box(qtbot, window, (5, 5, 0.5, 0.5))  # too small to be a box: ignored
    assert list(window.controller.model.objects) == [1]  # nothing new
    window.choose_tracker("siammask")  # no weights: the dialog explains, flow stays
    assert window._weights_dialog is not None and window._weights_dialog.isVisible()
    assert window.controller.tracker_kind == "flow"


def test_project_reopens_with_its_objects_and_is_remembered(
    qtbot, env: Path, errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot)
    assert win.open_path(sample_clip())
    draw_box(qtbot, win, DISC_BOX)
    project = win.controller.store.path
    win.close()
    settings = Settings()
    assert Path(settings.last) == sample_clip().resolve()
    again = make_window(qtbot)
    assert again.open_path(project)
    assert list(again.controller.model.objects) == [1]
    assert again.controller.model.mask(1, 0).provenance is Provenance.INIT
    assert start_path([], Settings()) == project.resolve()
    again.close()


def test_auto_without_weights_says_flow_and_offers_the_dialog(
    qtbot, env: Path, errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, "auto")
    assert win.open_path(sample_clip())
    assert win.tracker_label.text().startswith("tracker: flow on CPU")
    assert win._weights_dialog is not None and win._weights_dialog.isVisible()
    win.close()


def test_choosing_weights_switches_to_siammask(
    qtbot, env: Path, errors: list[str], seeded_weights_file: Path
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, "auto")
    assert win.open_path(sample_clip())
    win.show_weights_dialog().weights_chosen.emit(seeded_weights_file)
    assert win.controller.tracker.name == "siammask"
    assert win.tracker_label.text() == "tracker: siammask on CPU"
    assert win.tracker_actions["siammask"].isChecked()
    win.close()


def test_gui_bench_reports_latency_and_the_window_against_headless(qtbot, env: Path) -> None:  # type: ignore[no-untyped-def]
    from annotator.gui.bench import run

    report = run(frames=12, width=320, height=180)
    assert report["key_to_frame_ms_step_median"] > 0
    assert report["window_vs_headless"] == pytest.approx(
        report["propagation_fps_window"] / report["propagation_fps_headless"], rel=0.01
    )
    assert not (env / "data" / "projects").exists()  # its projects went to its own folder


def test_qt_calls_do_not_leak_references_to_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    # PySide6 6.12.0 on Python 3.11 drops a reference to None on every void call,
    # which crashes a long session; pyproject.toml excludes it. This guards the pin.
    import sys

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(300):
        label.setText("x")
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) >= before - 50


def test_export_and_import_from_the_window(window: MainWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pycocotools.coco import COCO

    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    out = tmp_path / "coco.json"
    assert window.export("coco", out)
    coco = COCO(str(out))
    assert len(coco.getAnnIds()) == 90
    davis = tmp_path / "davis"
    assert window.export("davis", davis)
    assert len(list((davis / "Annotations" / "480p" / "sample").glob("*.png"))) == 90
    # Importing the same masks back makes every frame a user keyframe, in one undo step.
    assert window.import_dataset("coco", out)
    model = window.controller.model
    assert model.provenance_counts(1)["user"] == 90
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.provenance_counts(1)["propagated"] == 89


def test_dropping_a_file_opens_it(window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    frames, _ = render_frames(6, 160, 96)
    clip = tmp_path / "dropped.mp4"
    write_video(clip, frames)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(clip))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert "dropped.mp4" in window.windowTitle() and window.frame_count == 6
    assert str(clip.resolve()) in Settings().recent()


def test_a_project_another_annotator_writes_opens_read_only(
    window: MainWindow, qtbot, errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    from tests.test_project_lock import hold

    draw_box(qtbot, window, DISC_BOX)
    project = window.controller.store.path
    window.controller.close()
    holder = hold(project)
    try:
        assert window.open_path(project)
        assert window.controller.store.read_only
        assert any(f"pid {holder.pid}" in e for e in errors)
        # an edit is refused with a message, and nothing is lost
        qtbot.keyClick(window, Qt.Key.Key_D)
        drag(qtbot, window, (300, 300), (340, 300))
        assert any("read-only" in e for e in errors)
        assert list(window.controller.model.objects) == [1]
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()


def test_wheel_zoom_keeps_the_point_under_the_pointer(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    canvas = window.canvas
    window.resize(900, 700)
    canvas.fit()
    centre = QPointF(canvas.viewport().width() / 2, canvas.viewport().height() / 2)
    canvas.zoom_at(3.0, centre)  # the frame now overflows the view both ways
    pointer = QPointF(canvas.viewport().width() * 0.8, canvas.viewport().height() * 0.3)
    before = canvas.mapToScene(pointer.toPoint())
    for _ in range(3):
        canvas.zoom_at(1.5, pointer)
    after = canvas.mapToScene(pointer.toPoint())
    assert canvas.transform().m11() > 5
    # The image point under the pointer stayed under it (not drifted to the top-left).
    assert abs(after.x() - before.x()) < 2 and abs(after.y() - before.y()) < 2


def test_f_with_no_objects_is_a_hint_not_an_error(window: MainWindow, errors: list[str]) -> None:
    assert not window.controller.model.objects
    from annotator.propagation import Direction

    window.propagate(Direction.FORWARD)
    assert errors == []
    assert "draw a box" in window.statusBar().currentMessage()
    assert not window.controller.is_running


def test_settings_stay_under_annotator_data_dir_without_a_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANNOTATOR_CONFIG_DIR", raising=False)
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    settings.add_recent(tmp_path / "clip.mp4")
    settings.qt.sync()
    assert Path(settings.qt.fileName()) == tmp_path / "data" / "annotator.ini"
    assert (tmp_path / "data" / "annotator.ini").is_file()


def test_toolbar_follows_shortcuts_and_says_what_the_tool_does(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QToolButton

    from annotator.gui.canvas import Tool
    from annotator.gui.toolbar import TOOL_HINTS

    # An empty video says how to start, on the canvas and in the status bar.
    assert "drag a box" in window.statusBar().currentMessage()
    assert window.canvas.hint.isVisible() and "Drag a box" in window.canvas.hint.text()
    buttons = {
        tool: window.toolbar.widgetForAction(action) for tool, action in window.tool_actions.items()
    }
    assert all(isinstance(b, QToolButton) and b.isVisible() for b in buttons.values())
    qtbot.keyClick(window, Qt.Key.Key_E)
    assert window.canvas.tool is Tool.ERASER and buttons[Tool.ERASER].isChecked()
    assert not buttons[Tool.BOX].isChecked()
    assert window.statusBar().currentMessage() == TOOL_HINTS[Tool.ERASER]
    qtbot.mouseClick(buttons[Tool.STROKE], Qt.MouseButton.LeftButton)
    assert window.canvas.tool is Tool.STROKE and window.tool_actions[Tool.STROKE].isChecked()
    assert window.statusBar().currentMessage() == TOOL_HINTS[Tool.STROKE]


def test_toolbar_steps_and_propagates(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = window.toolbar
    qtbot.mouseClick(bar.widgetForAction(window.run_actions["next"]), Qt.MouseButton.LeftButton)
    assert window.current == 1
    qtbot.mouseClick(bar.widgetForAction(window.run_actions["previous"]), Qt.MouseButton.LeftButton)
    assert window.current == 0
    draw_box(qtbot, window, DISC_BOX)
    done: list[str] = []
    window.controller.propagation_finished.connect(done.append)
    qtbot.mouseClick(bar.widgetForAction(window.run_actions["forward"]), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=120_000)
    assert "propagated 89 frames" in done[0]


def test_timeline_ruler_tooltips_and_fixed_height(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    from annotator.gui.timeline import RULER_HEIGHT, tick_step

    assert tick_step(90, 900) == 10 and tick_step(10_000, 1000) == 1000 and tick_step(5, 900) == 1
    timeline = window.timeline
    height = timeline.height()
    canvas_height = window.canvas.height()
    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    window.panel.select(0)
    draw_box(qtbot, window, (200, 20, 40, 40))
    qtbot.wait(50)
    # Two lanes now: neither the timeline nor the canvas changed height.
    assert timeline.height() == height and window.canvas.height() == canvas_height
    assert timeline.lane_at(RULER_HEIGHT + 1) == 1
    x = timeline.x_of(30)
    text = timeline.tooltip_at(x, RULER_HEIGHT + 1)
    assert text.startswith("object 1 · frame 30 · propagated, score ")
    assert timeline.tooltip_at(x, 1) == "frame 30"
    assert "init" in timeline.tooltip_at(timeline.x_of(0), RULER_HEIGHT + 1)


def test_absent_from_here_clear_range_and_delete_are_undoable(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from annotator.gui import object_actions
    from annotator.gui.timeline import ABSENT

    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    model = window.controller.model
    window.show_frame(60)
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert all(model.mask(1, f).absent and model.mask(1, f).locked for f in range(60, 90))
    assert model.mask(1, 59).rle is not None
    assert tuple(window.timeline._strips[1][8, 70]) == ABSENT
    assert "absent from frame 60 on" in window.statusBar().currentMessage()
    # Propagating again from frame 0 stops at the absent frames.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.mask(1, 70).provenance is Provenance.PROPAGATED
    # Shift+A: hidden on this one frame only.
    window.show_frame(40)
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert model.mask(1, 40).absent and model.mask(1, 40).locked
    assert model.mask(1, 39).rle is not None and model.mask(1, 41).rle is not None
    assert "hidden on frame 40" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.mask(1, 40).provenance is Provenance.PROPAGATED
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("10-19", True))
    object_actions.clear_frames_dialog(window)
    assert [f for f in range(90) if model.mask(1, f) is None] == list(range(10, 20))
    assert "cleared 10 masks" in window.statusBar().currentMessage()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("ten", True))
    object_actions.clear_frames_dialog(window)  # a clear message, nothing changed
    assert model.mask(1, 25) is not None
    object_actions.delete(window, 1)
    assert 1 not in model.objects and "Ctrl+Z brings it back" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert 1 in model.objects and model.mask(1, 25) is not None


def test_weights_download_runs_off_the_gui_thread_with_progress(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import threading

    from annotator.errors import WeightsError
    from annotator.gui import dialogs

    release = threading.Event()
    threads: list[bool] = []

    def fake_download(entry, dest, progress=None, timeout=30.0):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        progress(10_000_000, 20_000_000)
        assert release.wait(10)  # the GUI thread is free meanwhile: the test sets it
        path = tmp_path / entry.name
        path.write_bytes(b"weights")
        return path

    monkeypatch.setattr(dialogs, "download", fake_download)
    dialog = window.show_weights_dialog()
    chosen: list[Path] = []
    dialog.weights_chosen.disconnect()  # the window would switch to SiamMask
    dialog.weights_chosen.connect(chosen.append)
    dialog.download()
    assert dialog.downloading and not dialog.fetch.isEnabled()
    qtbot.waitUntil(lambda: "10.0 MB" in dialog.status.text(), timeout=5000)
    assert dialog.bar.value() == 500
    release.set()
    qtbot.waitUntil(lambda: not dialog.downloading, timeout=5000)
    assert threads == [False] and chosen and chosen[0].read_bytes() == b"weights"
    assert dialog.status.text().startswith("Saved")

    def offline(entry, dest, progress=None, timeout=30.0):  # type: ignore[no-untyped-def]
        raise WeightsError("cannot download: no network")

    monkeypatch.setattr(dialogs, "download", offline)
    dialog.download()
    qtbot.waitUntil(lambda: not dialog.downloading, timeout=5000)
    assert dialog.status.text() == "cannot download: no network" and dialog.fetch.isEnabled()
    dialog.close()


def test_start_hint_goes_with_the_first_object_and_comes_back(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.canvas.hint.isVisible()
    draw_box(qtbot, window, DISC_BOX)
    assert not window.canvas.hint.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.hint.isVisible()


def test_export_dialog_options_reach_the_exporter(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.gui import transfer
    from annotator.gui.export_dialog import ExportDialog, suggested_output

    draw_box(qtbot, window, DISC_BOX)
    window.panel.select(0)
    draw_box(qtbot, window, (200, 20, 40, 40))
    run_to_end(qtbot, window, Qt.Key.Key_F)
    c = window.controller
    dialog = ExportDialog(c.model, c.video, window.frame_count, window)
    qtbot.addWidget(dialog)
    # A suggested name with the right extension, or a new folder, beside the video.
    assert dialog.out.text() == str(suggested_output("coco", c.video))
    assert dialog.out.text().endswith(".json")
    dialog.format.setCurrentText("davis")
    assert dialog.out.text().endswith("-davis") and dialog.with_frames.isEnabled()
    assert not dialog.feather.isEnabled()
    new_folder = tmp_path / "new" / "davis-out"  # typed: does not exist yet
    dialog.out.setText(str(new_folder))
    dialog.objects.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.first.setValue(10)
    dialog.last.setValue(19)
    dialog.with_frames.setChecked(False)
    dialog.overwrite.setChecked(True)
    options = dialog.options()
    assert (options.objects, options.frames, options.settings.with_frames) == ([1], "10:20", False)

    seen: dict = {}
    real = transfer.run_export

    def spy(job: ExportJob, fmt: str, out: Path, settings: ExportSettings) -> Iterator[int]:
        seen.update(fmt=fmt, out=out, frames=job.frames, objects=list(job.objects))
        seen.update(with_frames=settings.with_frames, overwrite=settings.overwrite)
        return real(job, fmt, out, settings)

    monkeypatch.setattr(transfer, "run_export", spy)
    assert transfer.export_with(window, options)
    assert seen["fmt"] == "davis" and seen["out"] == new_folder
    assert seen["frames"] == tuple(range(10, 20)) and seen["objects"] == [1]
    assert seen["with_frames"] is False and seen["overwrite"] is True
    pngs = sorted(p.name for p in new_folder.rglob("*.png"))
    assert len(pngs) == 10 and not list(new_folder.rglob("*.jpg"))
    dialog.objects.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not transfer.export_with(window, dialog.options())  # nothing ticked: a message


def test_import_reads_off_the_gui_thread_and_reports_errors(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[str]
) -> None:
    import threading

    from annotator import session as session_module

    draw_box(qtbot, window, DISC_BOX)
    out = tmp_path / "coco.json"
    assert window.export("coco", out)
    threads: list[bool] = []
    real = session_module.read_dataset

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "read_dataset", spy)
    assert window.import_dataset("coco", out)
    assert threads == [False]
    assert window.controller.model.provenance_counts(1)["user"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    objects_before = dict(window.controller.model.objects)
    assert not window.import_dataset("coco", bad)
    assert errors and "bad.json" in errors[-1]
    assert window.controller.model.objects == objects_before


def test_import_dialog_chooses_the_sequence_and_keyframes_or_not(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    import shutil

    from annotator.gui import transfer
    from annotator.gui.import_dialog import ImportDialog

    draw_box(qtbot, window, DISC_BOX)
    run_to_end(qtbot, window, Qt.Key.Key_F)
    root = tmp_path / "davis"
    assert window.export("davis", root)
    annotations = root / "Annotations" / "480p"
    shutil.copytree(annotations / "sample", annotations / "another")
    dialog = ImportDialog("davis", root, window.controller.video, window)
    qtbot.addWidget(dialog)
    # Two sequences: the one named after the open video is proposed.
    assert dialog.sequences == ["another", "sample"] and dialog.sequence() == "sample"
    dialog.as_propagated.setChecked(True)
    assert not dialog.keyframes()
    model = window.controller.model
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the run
    assert model.provenance_counts(1)["propagated"] == 0
    assert transfer.import_dataset(window, "davis", root, dialog.sequence(), dialog.keyframes())
    # The imported masks are a new object, stored as propagated frames, not keyframes.
    new = max(model.objects)
    counts = model.provenance_counts(new)
    assert counts["propagated"] == 90 and counts["user"] == 0


def test_space_plays_to_the_last_frame_and_stops_there(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    last = window.frame_count - 1
    window.show_frame(last - 5)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.playback.playing
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=5000)
    assert window.current == last
    # Space again pauses a run under way.
    window.show_frame(0)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.current >= 2, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    stopped_at = window.current
    qtbot.wait(200)
    assert not window.playback.playing and window.current == stopped_at
