"""Start the Qt application: ``annotator [PATH]`` opens PATH, or the sample clip."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from annotator.gui.main_window import MainWindow

log = logging.getLogger(__name__)

SAMPLE_CLIP = Path(__file__).resolve().parents[2] / "resources" / "sample.mp4"


def sample_clip() -> Path:
    """The bundled sample clip; regenerated into the user cache if it is missing."""
    if SAMPLE_CLIP.is_file():
        return SAMPLE_CLIP
    from annotator.video.synthetic import write_sample_clip

    cached = Path.home() / ".cache" / "annotator" / "sample.mp4"
    return cached if cached.is_file() else write_sample_clip(cached)


def main(argv: Sequence[str] = ()) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow()
    path = Path(argv[0]) if argv else sample_clip()
    window.open_path(path)
    window.show()
    return app.exec()
