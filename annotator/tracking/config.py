"""Typed SiamMask hyper-parameters.

The defaults are those of the official ``experiments/siammask_sharp/config_davis.json``
with the refine module enabled. A config is passed explicitly to the tracker;
there is no global configuration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiamMaskConfig:
    """Tracker hyper-parameters (sizes in pixels of the network input)."""

    exemplar_size: int = 127
    instance_size: int = 255
    total_stride: int = 8
    base_size: int = 8
    context_amount: float = 0.5
    ratios: tuple[float, ...] = (0.33, 0.5, 1.0, 2.0, 3.0)
    scales: tuple[float, ...] = (8.0,)
    penalty_k: float = 0.04
    window_influence: float = 0.4
    lr: float = 1.0
    seg_thr: float = 0.35
    out_size: int = 127
    min_size: float = 10.0
    rbox_min_area: float = 100.0

    @property
    def score_size(self) -> int:
        """Side of the score map: 25 for the defaults."""
        return (self.instance_size - self.exemplar_size) // self.total_stride + 1 + self.base_size

    @property
    def anchor_num(self) -> int:
        return len(self.ratios) * len(self.scales)
