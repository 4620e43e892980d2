"""Running one job per sequence, in this process or in a pool of worker processes."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")


def run_each(
    work: Callable[[Item], dict[str, Any]],
    items: Iterable[tuple[str, Item]],
    jobs: int,
    done: Callable[[str, dict[str, Any]], None],
    failed: Callable[[str, str], None] | None = None,
) -> None:
    """Call ``work(item)`` for each ``(name, item)``; ``done(name, result)`` as each ends.

    With ``jobs`` > 1 the calls run in spawned worker processes, so ``work``
    and the items must be picklable (a module-level function or a partial).
    Without ``failed`` an exception stops everything; with it,
    ``failed(name, message)`` is called and the others go on.
    """
    pending = list(items)

    def fail(name: str, exc: Exception) -> None:
        if failed is None:
            raise exc
        failed(name, str(exc) or type(exc).__name__)

    if jobs <= 1 or len(pending) <= 1:
        for name, item in pending:
            try:
                result = work(item)
            except Exception as exc:  # reported per item; the rest go on
                fail(name, exc)
            else:
                done(name, result)
        return
    # Spawned workers: a fork would copy the parent's OpenCV and torch thread pools.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {pool.submit(work, item): name for name, item in pending}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # reported per item; the rest go on
                fail(futures[future], exc)
            else:
                done(futures[future], result)
