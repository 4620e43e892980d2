"""Where a tracker's time goes: wall time per stage, summed, for ``annotator bench``.

Off by default (a disabled timer costs one attribute check per stage). When
on, a CUDA device is synchronised at the end of each stage, so a stage's time
is its own and not the queue's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch


class StageTimer:
    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.enabled = False
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

    def reset(self) -> None:
        self.seconds = {}
