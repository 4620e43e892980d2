"""Start the Qt application: ``annotator [PATH]`` opens PATH, else the last project or sample."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from annotator.gui.main_window import MainWindow
from annotator.gui.settings import Settings, data_dir

log = logging.getLogger(__name__)

SAMPLE_CLIP = Path(__file__).resolve().parents[2] / "resources" / "sample.mp4"


def sample_clip() -> Path:
    """The bundled sample clip; regenerated into the user cache if it is missing."""
    if SAMPLE_CLIP.is_file():
        return SAMPLE_CLIP
    from annotator.video.synthetic import write_sample_clip

    cached = Path.home() / ".cache" / "annotator" / "sample.mp4"
    return cached if cached.is_file() else write_sample_clip(cached)


def setup_logging() -> Path:
    """Log to stderr and to the log file, so a user can send it with a bug report."""
    path = data_dir() / "annotator.log"
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
    except OSError as exc:
        sys.stderr.write(f"cannot write the log file {path}: {exc}\n")
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    return path


def start_path(argv: Sequence[str], settings: Settings) -> Path:
    """What to open: the argument, else the last project or video, else the sample clip."""
    if argv:
        return Path(argv[0])
    last = settings.last
    if last and Path(last).exists():
        return Path(last)
    return sample_clip()


def main(argv: Sequence[str] = ()) -> int:
    path = setup_logging()
    log.info("log file: %s", path)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = Settings()
    window = MainWindow(settings=settings)
    window.show()
    first = start_path(argv, settings)
    if not window.open_path(first) and first != sample_clip():
        window.open_path(sample_clip())  # the message said why; show something usable
    return app.exec()
