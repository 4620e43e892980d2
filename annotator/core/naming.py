"""File names in the order a person reads them."""

from __future__ import annotations

import re
from pathlib import Path

_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path | str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders digit runs by value: ``frame2`` before ``frame10``.

    Each part is (0, number) or (1, text), so numbers and text never compare.
    """
    name = path.name if isinstance(path, Path) else path
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _DIGITS.split(name)
        if part
    )
