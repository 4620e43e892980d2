"""The window, driven offscreen: open the sample clip, step with the keyboard, refuse bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.gui.app import sample_clip
from annotator.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture()
def window(qtbot):  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_opens_the_sample_clip_and_steps_with_keys(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.open_path(sample_clip())
    assert "sample.mp4" in window.windowTitle()
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
    assert window.current == 42 and window.frame_label.text() == "frame 43 / 90"


def test_a_bad_file_shows_a_message_and_keeps_the_open_clip(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_path(sample_clip())
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 1000)
    assert not window.open_path(bad)
    assert shown and "broken.mp4" in shown[0]
    assert "sample.mp4" in window.windowTitle()
