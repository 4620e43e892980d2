"""Timing a call the same way in every benchmark: one untimed warm-up, then repeats."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def times_ms(call: Callable[[], T], repeats: int) -> tuple[list[float], T]:
    """Each of ``repeats`` timed calls of ``call`` in ms, after one untimed call (numba
    compiles, caches fill), and what the last call returned."""
    result = call()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        out.append(1000 * (time.perf_counter() - start))
    return out, result
