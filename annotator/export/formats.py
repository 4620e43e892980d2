"""The export formats, in one table: what each writes and which options apply to it.

The CLI's ``--format`` choices and option checks, the window's export dialog
and the exporter dispatch all read this table, so a format is added in one place.
This module imports nothing heavy, so the CLI can build its parser from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    """suffix: the one file it writes (".json"), or None when it fills a folder.
    options: which of ``with_frames``, ``resize_480p`` and ``feather`` apply."""

    suffix: str | None
    options: frozenset[str] = frozenset()


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "coco": ExportFormat(".json"),
    "davis": ExportFormat(None, frozenset({"with_frames", "resize_480p"})),
    "youtube-vos": ExportFormat(None, frozenset({"with_frames"})),
    "mattes": ExportFormat(None, frozenset({"feather"})),
    "overlay": ExportFormat(".mp4"),
}
FORMATS = tuple(EXPORT_FORMATS)


@dataclass(frozen=True)
class ExportSettings:
    """How to write an export, whatever its format; each exporter reads the fields in its
    ``ExportFormat.options`` (and ``overwrite``, which all read).

    with_frames: also write the video's frames (JPEGs) beside the masks.
    resize_480p: scale to 480 px high, as DAVIS's 480p folders are.
    feather: Gaussian blur of a matte's edge, in px (0: hard).
    """

    overwrite: bool = False
    with_frames: bool = True
    feather: float = 0.0
    resize_480p: bool = False


IMPORT_FORMATS = ("davis", "coco", "youtube-vos")
