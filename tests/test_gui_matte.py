"""The window's matte panel and matte view: settings are undoable edits; M shows the matte."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from annotator.core.matte_settings import MatteSettings
from annotator.formats.registry import EXPORT_FORMATS
from annotator.gui.app import sample_clip
from annotator.gui.main_window import MainWindow
from tests.test_gui_window import DISC_BOX, env, errors, make_window  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture()
def boxed(qtbot, env: Path, errors: list[str]) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]  # noqa: F811
    win = make_window(qtbot)
    assert win.open_path(sample_clip())
    object_id = win.controller.add_box_object(0, DISC_BOX)
    win.panel.select(object_id)
    yield win
    win.close()


def shown_rgb(win: MainWindow) -> np.ndarray:
    image = win.canvas.frame_item.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w = image.height(), image.width()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def test_panel_edits_the_selected_objects_settings_with_undo(boxed: MainWindow) -> None:
    panel = boxed.matte_panel
    assert panel.isEnabled() and panel.settings() == MatteSettings()
    panel.numbers["band_px"].setValue(14)
    panel.method.setCurrentText("closed-form")
    model = boxed.controller.model
    assert model is not None
    assert model.objects[1].matte == MatteSettings(band_px=14, method="closed-form")
    boxed.undo()
    assert model.objects[1].matte == MatteSettings(band_px=14)
    assert panel.method.currentText() == "guided"  # the panel follows the undo
    boxed.panel.select(0)
    assert not panel.isEnabled()


def test_m_cycles_the_matte_view_through_alpha_and_checkerboard(boxed: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    normal = shown_rgb(boxed)
    qtbot.keyClick(boxed, Qt.Key.Key_M)
    assert boxed.matte_panel.mode == "alpha"
    alpha = shown_rgb(boxed)
    assert np.array_equal(alpha[..., 0], alpha[..., 1])  # grey
    x, y, w, h = DISC_BOX
    assert alpha[y + h // 2, x + w // 2, 0] == 255 and alpha[5, 5, 0] == 0
    assert ((alpha[..., 0] > 0) & (alpha[..., 0] < 255)).any()  # a soft edge
    qtbot.keyClick(boxed, Qt.Key.Key_M)
    board = shown_rgb(boxed)
    assert boxed.matte_panel.mode == "checkerboard"
    assert np.array_equal(board[y + h // 2, x + w // 2], normal[y + h // 2, x + w // 2])
    assert set(np.unique(board[:32, :32, 0]).tolist()) == {102, 153}
    qtbot.keyClick(boxed, Qt.Key.Key_M)
    assert boxed.matte_panel.mode == "off" and np.array_equal(shown_rgb(boxed), normal)


def test_export_dialog_offers_the_matte_formats_and_their_options(boxed: MainWindow) -> None:
    from annotator.gui.export_dialog import ExportDialog

    c = boxed.controller
    assert c.model is not None and c.video is not None
    dialog = ExportDialog(c.model, c.video, boxed.frame_count, boxed)
    # Every option a format has is a widget of the dialog.
    offered = set().union(*(f.options for f in EXPORT_FORMATS.values()))
    assert offered == set(dialog.option_widgets)
    dialog.format.setCurrentText("exr")
    assert dialog.exr_compression.isEnabled() and not dialog.premultiply.isEnabled()
    dialog.exr_compression.setCurrentText("dwaa")
    dialog.format.setCurrentText("rgba")
    assert dialog.premultiply.isEnabled() and not dialog.exr_compression.isEnabled()
    dialog.bit_depth.setCurrentText("16")
    dialog.premultiply.setChecked(True)
    options = dialog.options()
    assert options.fmt == "rgba" and options.out.name.endswith("-rgba")
    assert (options.settings.bit_depth, options.settings.premultiply) == (16, True)
    assert options.settings.exr_compression == "dwaa"
    dialog.close()
