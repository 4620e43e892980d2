"""Which tracker the window uses: the status bar's description, the menu, the weights dialog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from annotator.errors import AnnotatorError
from annotator.gui.dialogs import WeightsDialog
from annotator.tracking.weights import find_weights

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def describe_tracker(w: MainWindow) -> None:
    """Build the tracker now so the status bar can say which it is; offer weights if none."""
    try:
        _ = w.controller.tracker
    except AnnotatorError as exc:
        w.tracker_label.setText("tracker: none")
        w.show_error("Tracker", str(exc))
        return
    if w.controller.tracker.name == "flow" and w.controller.tracker_kind == "auto":
        w.tracker_label.setText(
            f"tracker: {w.controller.tracker_description} (no SiamMask weights)"
        )
        if not w.settings.get("weights_dialog_seen", False):
            w.settings.set("weights_dialog_seen", True)
            show_weights_dialog(w)


def choose_tracker(w: MainWindow, kind: str, weights: Path | None = None) -> None:
    """Switch the backend; SiamMask without weights opens the weights dialog instead."""
    if kind == "siammask" and weights is None and no_weights():
        show_weights_dialog(w)
    else:
        try:
            w.controller.set_tracker(kind, weights)
            w.settings.set("tracker", kind)
        except AnnotatorError as exc:
            w.show_error("Tracker", str(exc))
    w.tracker_actions[w.controller.tracker_kind].setChecked(True)


def no_weights() -> bool:
    """Whether no SiamMask weights are found where ``find_weights`` looks."""
    try:
        return find_weights() is None
    except AnnotatorError:
        return True


def show_weights_dialog(w: MainWindow) -> WeightsDialog:
    """The weights dialog (one per window, shown again if closed)."""
    if w._weights_dialog is None:
        dialog = WeightsDialog(w)
        dialog.weights_chosen.connect(lambda p: choose_tracker(w, "siammask", p))
        w._weights_dialog = dialog
    w._weights_dialog.show()
    return w._weights_dialog
