"""The matte panel: the selected object's refiner settings, and the matte view.

The settings are the object's ``MatteSettings``, stored in the project: each
change is one undo step (through the controller, like a rename). The matte
view (M cycles off, alpha as grey, the object over a checkerboard) shows the
selected object's refined matte on the current frame, recomputed live as the
settings change. Reduce chatter needs the neighbouring frames' mattes, so the
live view leaves it out; exports apply it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from annotator.core import rle
from annotator.core.matte_settings import METHODS, MatteSettings
from annotator.gui import object_actions
from annotator.gui.raster import MATTE_MODES, matte_view
from annotator.matte.refine import refine_alpha

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

# Spin boxes: (field, label, low, high, step, suffix).
NUMBERS = (
    ("band_px", "Edge band", 0.0, 200.0, 1.0, " px"),
    ("feather_px", "Feather", 0.0, 200.0, 0.5, " px"),
    ("shift_px", "Choke (−: grow)", -200.0, 200.0, 0.5, " px"),
    ("smooth_px", "Smooth", 0.0, 200.0, 0.5, " px"),
    ("chatter", "Reduce chatter", 0.0, 1.0, 0.1, ""),
)


class MattePanel(QWidget):
    """Controls for the selected object's matte; ``settings()`` reads them."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.main = window
        self.mode = "off"
        self._loading = False
        form = QFormLayout(self)
        self.title = QLabel("Matte: select an object")
        form.addRow(self.title)
        self.numbers: dict[str, QDoubleSpinBox] = {}
        for name, label, low, high, step, suffix in NUMBERS:
            spin = QDoubleSpinBox()
            spin.setRange(low, high)
            spin.setSingleStep(step)
            spin.setSuffix(suffix)
            spin.setKeyboardTracking(False)  # one edit per value, not per digit typed
            spin.valueChanged.connect(self._changed)
            self.numbers[name] = spin
            form.addRow(label, spin)
        self.method = QComboBox()
        self.method.addItems(list(METHODS))
        self.method.currentTextChanged.connect(self._changed)
        form.addRow("Method", self.method)
        self.decontaminate = QCheckBox("Decontaminate colour")
        self.decontaminate.toggled.connect(self._changed)
        form.addRow(self.decontaminate)
        self.show_settings(None)

    def settings(self) -> MatteSettings:
        values = {name: spin.value() for name, spin in self.numbers.items()}
        return MatteSettings(
            **values, method=self.method.currentText(), decontaminate=self.decontaminate.isChecked()
        )

    def show_settings(self, object_id: int | None) -> None:
        """Load the controls from an object's settings (None: disabled)."""
        info = self.main._object(object_id) if object_id else None
        self._loading = True
        try:
            settings = info.matte if info is not None else MatteSettings()
            for name, spin in self.numbers.items():
                spin.setValue(float(getattr(settings, name)))
            self.method.setCurrentText(settings.method)
            self.decontaminate.setChecked(settings.decontaminate)
        finally:
            self._loading = False
        self.setEnabled(info is not None)
        self.title.setText(f"Matte: {info.name}" if info is not None else "Matte: select an object")

    def _changed(self) -> None:
        if self._loading:
            return
        info = self.main._object(self.main.selected)
        if info is None:
            return
        settings = self.settings()
        if settings != info.matte:
            object_actions.update_object(self.main, info, "Matte", matte=settings)

    def cycle_mode(self) -> str:
        """M: off, alpha as grey, checkerboard, off again. Returns the new mode."""
        self.mode = MATTE_MODES[(MATTE_MODES.index(self.mode) + 1) % len(MATTE_MODES)]
        return self.mode

    def matte_image(self, frame: np.ndarray, index: int) -> np.ndarray | None:
        """What the canvas shows in the matte view for frame ``index``: None when the view
        is off or no object is selected (the canvas then shows the frame and overlays)."""
        model = self.main.controller.model
        info = self.main._object(self.main.selected)
        if self.mode == "off" or model is None or info is None:
            return None
        cell = model.mask(info.id, index)
        if cell is None or cell.rle is None:
            alpha = np.zeros(frame.shape[:2], np.float32)
        else:
            # refine_alpha is one frame's matte: no chatter reduction, which needs neighbours.
            alpha = refine_alpha(frame, rle.decode(cell.rle), info.matte)
        return matte_view(frame, alpha, self.mode)
