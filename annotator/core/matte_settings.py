"""An object's matte settings: how its hard mask becomes a soft alpha matte.

Stored in the project per object (``ObjectInfo.matte``), so a change is an
edit like any other, with undo. The refiner that reads them is
``annotator.matte``. Distances are in frame pixels.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from annotator.errors import AnnotatorError

METHODS = ("guided", "closed-form")


@dataclass(frozen=True)
class MatteSettings:
    """band_px: width of the unknown band around the mask's edge, where alpha is solved
        from the image; outside it alpha is 0 or 1.
    feather_px: Gaussian softening of the finished alpha (sigma, px; 0: none).
    shift_px: moves the edge before anything else: positive chokes (shrinks), negative grows.
    smooth_px: smooths the mask's outline first (Gaussian sigma, px), which removes jaggies.
    chatter: reduce chatter, 0..1: alpha in the band is averaged with its neighbouring
        frames' alpha, moved onto this frame by optical flow, with this weight each.
    method: "guided" (a guided filter: fast) or "closed-form" (Levin et al.'s closed-form
        matting through pymatting: slower, finer on hair and fur).
    decontaminate: estimate the object's own colour in the band (pymatting's
        multi-level foreground estimation), so RGBA output has no fringe of the background.
    """

    band_px: float = 8.0
    feather_px: float = 0.0
    shift_px: float = 0.0
    smooth_px: float = 0.0
    chatter: float = 0.0
    method: str = "guided"
    decontaminate: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise AnnotatorError(
                f"matte method {self.method!r}: choose one of {', '.join(METHODS)}"
            )
        for name in ("band_px", "feather_px", "smooth_px"):
            if not 0 <= getattr(self, name) <= 200:
                raise AnnotatorError(f"matte {name} must be within 0..200 px")
        if not -200 <= self.shift_px <= 200:
            raise AnnotatorError("matte shift_px must be within -200..200 px")
        if not 0 <= self.chatter <= 1:
            raise AnnotatorError("matte chatter must be within 0..1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> MatteSettings:
        """Settings stored by ``to_json``; None (a project from before mattes) is the default.
        Unknown keys, from a newer version, are ignored."""
        if not text:
            return cls()
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in data.items() if k in known})
