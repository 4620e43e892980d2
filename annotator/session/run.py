"""How the session's slow work runs: a propagation run as the session hands it out
(plan, tracker, cancel flag and tally), and the ``Runner`` other slow calls take.

A run's ``steps()`` generator runs on any thread (a worker's) and opens its own
``FrameSource`` (a twin of the open one, which reuses its packet index), so the
user's scrubbing does not move its decoder; it never touches the project.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np

from annotator.propagation import ExistingCells, PropagationPlan, PropagationStep, propagate
from annotator.tracking.base import Tracker
from annotator.video.frame_source import FrameSource

T = TypeVar("T")


class Runner(Protocol):
    """Runs a piece of work that touches no project and returns its result, or raises
    what it raised: on this thread (``run_here``), or on a worker while a window paints."""

    def __call__(self, work: Callable[[], T], /) -> T: ...


def run_here(work: Callable[[], T], /) -> T:
    """The ``Runner`` that runs ``work`` on the calling thread."""
    return work()


@dataclass
class PropagationRun:
    """One propagation run: the plan, the tracker, a cancel flag and its tally.

    ``frames()`` opens the run's own frame source. ``done`` and ``error`` are
    written by the session's thread only (in ``apply_step``); the worker thread
    reads ``cancel`` and runs ``steps``.
    """

    plan: PropagationPlan
    frames: Callable[[], FrameSource]
    tracker: Tracker
    existing: ExistingCells | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_below: float | None = None
    done: int = 0
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)

    def steps(self) -> Generator[tuple[PropagationStep, np.ndarray], None, None]:
        """(step, RGB image of ``step.frame``) per frame, on whatever thread calls it.

        The image is decoded already, so a window can show it without decoding
        it again. Raises ``AnnotatorError`` for a frame that cannot be read.
        """
        with self.frames() as source:
            steps = propagate(
                self.plan,
                source,
                self.tracker,
                self.cancel,
                self.stop_below,
                existing=self.existing,
            )
            for step in steps:
                yield step, source[step.frame]

    @property
    def fps(self) -> float:
        """Frames applied per second since the run started."""
        return self.done / max(time.perf_counter() - self.started, 1e-6)

    def summary(self) -> str:
        """One line on how the run ended."""
        if self.error:
            return f"propagation failed after {self.done} frames"
        if self.cancel.is_set():
            return f"propagation stopped after {self.done} frames"
        return f"propagated {self.done} frames in {time.perf_counter() - self.started:.1f} s"
