"""Render the README's screenshots: the window on a real clip, in three states.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot.py [FRAMES_DIR] [OUT.png]

FRAMES_DIR defaults to ../shared/data/tennis. OUT.png (default
resources/screenshot.png) shows two objects started from boxes on frame 0 and
propagated with the flow backend through the window itself (the F key), as a
user would; beside it, OUT-empty.png is the window before any object, and
OUT-export.png the export dialog.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOXES = {"player": (300, 108, 176, 256), "banner": (0, 0, 278, 198)}
SHOWN_FRAME = 10


def main(frames: Path, out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from annotator.gui.controller import Controller
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import Settings

    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        controller = Controller("flow", projects=Path(tmp))
        window = MainWindow(controller, Settings(Path(tmp) / "shot.ini"))
        window.resize(1280, 800)
        window.show()
        if not window.open_path(frames):
            raise SystemExit(f"cannot open {frames}")
        app.processEvents()
        window.grab().save(str(out.with_name(f"{out.stem}-empty{out.suffix}")))
        for name, box in BOXES.items():
            object_id = window.controller.add_box_object(0, box)
            info = window.controller.model.objects[object_id]
            window.controller.update_object(info.__class__(**{**info.__dict__, "name": name}))
        done: list[str] = []
        window.controller.propagation_finished.connect(done.append)
        QTest.keyClick(window, Qt.Key.Key_F)
        while not done:
            app.processEvents()
        window.panel.select(1)
        window.show_frame(SHOWN_FRAME)
        window.canvas.fit()
        app.processEvents()
        window.grab().save(str(out))
        for mode in ("alpha", "checkerboard"):
            window.cycle_matte_view()
            app.processEvents()
            window.grab().save(str(out.with_name(f"{out.stem}-matte-{mode}{out.suffix}")))
        window.cycle_matte_view()
        from annotator.gui.export_dialog import ExportDialog

        c = window.controller
        dialog = ExportDialog(c.model, c.video, window.frame_count, window)
        dialog.format.setCurrentText("davis")
        dialog.show()
        app.processEvents()
        dialog.grab().save(str(out.with_name(f"{out.stem}-export{out.suffix}")))
        dialog.close()
        logging.getLogger(__name__).info("%s: %s", out, done[0])
        window.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    default = ROOT.parent / "shared" / "data" / "tennis"
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else default,
        Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "resources" / "screenshot.png",
    )
