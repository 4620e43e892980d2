"""The window's remembered settings: recent files, the last project, tracker and view choices.

Stored with ``QSettings`` in an ini file: ``$ANNOTATOR_CONFIG_DIR/annotator.ini``
when that is set, else ``$ANNOTATOR_DATA_DIR/annotator.ini`` when that is set
(so one variable keeps tests, benches and a trial run away from the user's real
settings), else Qt's usual per-user place.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10


def data_dir() -> Path:
    """Where the window keeps projects and its log: ``$ANNOTATOR_DATA_DIR``, else
    ``~/.local/share/annotator``."""
    base = os.environ.get("ANNOTATOR_DATA_DIR")
    return Path(base) if base else Path.home() / ".local" / "share" / "annotator"


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        folder = os.environ.get("ANNOTATOR_CONFIG_DIR") or os.environ.get("ANNOTATOR_DATA_DIR")
        if path is None and folder:
            path = Path(folder) / "annotator.ini"
        if path is not None:
            self.qt = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qt = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, "annotator", "annotator"
            )

    def recent(self) -> list[str]:
        value = self.qt.value("recent", [])
        if isinstance(value, str):
            items = [value]
        elif isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:  # QSettings' INI reader gives None for an empty list
            items = []
        return [p for p in items if p]

    def add_recent(self, path: Path) -> None:
        text = str(Path(path).expanduser().resolve())
        items = [text] + [p for p in self.recent() if p != text]
        self.qt.setValue("recent", items[:MAX_RECENT])
        self.qt.setValue("last", text)

    @property
    def last(self) -> str | None:
        value = self.qt.value("last", None)
        return str(value) if value else None

    def get_float(self, key: str, default: float) -> float:
        """A number, or ``default`` where the stored value is missing or not a number."""
        value = self.get(key, default)
        if isinstance(value, int | float | str):
            try:
                return float(value)
            except ValueError:
                pass
        return default

    def get(self, key: str, default: object) -> object:
        value = self.qt.value(key, default)
        if isinstance(default, bool) and isinstance(value, str):
            return value.lower() == "true"
        if isinstance(default, float) and isinstance(value, str):
            return float(value)
        return value

    def set(self, key: str, value: object) -> None:
        self.qt.setValue(key, value)
