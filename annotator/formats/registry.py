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
    options: which of ``ExportSettings``' fields (besides ``overwrite``) apply."""

    suffix: str | None
    options: frozenset[str] = frozenset()


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "coco": ExportFormat(".json"),
    "davis": ExportFormat(None, frozenset({"with_frames", "resize_480p"})),
    "youtube-vos": ExportFormat(None, frozenset({"with_frames"})),
    "mattes": ExportFormat(None, frozenset({"feather", "refine"})),
    "exr": ExportFormat(None, frozenset({"with_frames", "exr_compression", "exr_type"})),
    "rgba": ExportFormat(None, frozenset({"bit_depth", "premultiply"})),
    "prores": ExportFormat(None),
    "overlay": ExportFormat(".mp4"),
}
FORMATS = tuple(EXPORT_FORMATS)


@dataclass(frozen=True)
class ExportSettings:
    """How to write an export, whatever its format; each exporter reads the fields in its
    ``ExportFormat.options`` (and ``overwrite``, which all read).

    with_frames: also write the video's frames (JPEGs; EXR: the beauty R, G, B).
    resize_480p: scale to 480 px high, as DAVIS's 480p folders are.
    feather: Gaussian blur of a hard matte's edge, in px (0: hard).
    refine: mattes: soft mattes from each object's matte settings instead of hard masks.
    exr_compression: zip, piz, dwaa or none. exr_type: half or float.
    bit_depth: RGBA PNGs, 8 or 16. premultiply: RGBA PNGs, colour times alpha.
    """

    overwrite: bool = False
    with_frames: bool = True
    feather: float = 0.0
    resize_480p: bool = False
    refine: bool = False
    exr_compression: str = "zip"
    exr_type: str = "half"
    bit_depth: int = 8
    premultiply: bool = False


IMPORT_FORMATS = ("davis", "coco", "youtube-vos")
