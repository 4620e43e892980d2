"""The objects panel: the list of objects, their visibility, and the buttons that edit them.

It shows the model and emits the user's wishes; the main window turns them
into controller calls, so the panel never writes to the project itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import AnnotationModel, ObjectInfo


def colour_icon(rgb: tuple[int, int, int]) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*rgb))
    return QIcon(pixmap)


class ObjectsPanel(QWidget):
    """Signals: ``selected(int)`` (0: none), ``visibility_toggled(int, bool)``, and the
    button requests ``add_requested()``, ``rename_requested(int)``,
    ``recolour_requested(int)``, ``category_requested(int)``, ``delete_requested(int)``."""

    selected = Signal(int)
    visibility_toggled = Signal(int, bool)
    add_requested = Signal()
    rename_requested = Signal(int)
    recolour_requested = Signal(int)
    category_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.currentItemChanged.connect(self._on_current)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemDoubleClicked.connect(lambda item: self.rename_requested.emit(self._id(item)))
        # Two rows of three: five buttons in one row clip their text in a narrow panel.
        buttons = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip in (
            ("add", "Add", "Draw a box to add an object (R)"),
            ("rename", "Rename", "Rename the selected object"),
            ("colour", "Colour", "Recolour the selected object"),
            ("category", "Category", "Set the selected object's category"),
            ("delete", "Delete", "Delete the selected object and all its masks"),
        ):
            b = QPushButton(text)
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(text) + 24)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b, len(self.buttons) // 3, len(self.buttons) % 3)
            self.buttons[key] = b
        self.buttons["add"].clicked.connect(self.add_requested.emit)
        self.buttons["rename"].clicked.connect(lambda: self._emit_for(self.rename_requested))
        self.buttons["colour"].clicked.connect(lambda: self._emit_for(self.recolour_requested))
        self.buttons["category"].clicked.connect(lambda: self._emit_for(self.category_requested))
        self.buttons["delete"].clicked.connect(lambda: self._emit_for(self.delete_requested))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._filling = False

    @staticmethod
    def _id(item: QListWidgetItem | None) -> int:
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else 0

    @property
    def current_id(self) -> int:
        return self._id(self.list.currentItem())

    def _emit_for(self, signal: SignalInstance) -> None:
        if self.current_id:
            signal.emit(self.current_id)

    def show_objects(self, model: AnnotationModel | None) -> None:
        """Refill the list from the model, keeping the selection where it can."""
        keep = self.current_id
        self._filling = True
        self.list.clear()
        objects: list[ObjectInfo] = (
            [] if model is None else [model.objects[k] for k in sorted(model.objects)]
        )
        for info in objects:
            text = f"{info.id}  {info.name}" + (f"  [{info.category}]" if info.category else "")
            item = QListWidgetItem(colour_icon(info.color), text)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if info.visible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._filling = False
        self.select(keep if keep and model is not None and keep in model.objects else 0)

    def select(self, object_id: int) -> None:
        for row in range(self.list.count()):
            if self._id(self.list.item(row)) == object_id:
                self.list.setCurrentRow(row)
                return
        self.list.setCurrentRow(-1)
        self.selected.emit(0)

    def _on_current(self, current: QListWidgetItem | None, _previous: object) -> None:
        if not self._filling:
            self.selected.emit(self._id(current))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if not self._filling:
            self.visibility_toggled.emit(self._id(item), item.checkState() == Qt.CheckState.Checked)
