"""Choosing a device and building a tracker backend from command-line style options."""

from __future__ import annotations

import logging
from pathlib import Path

from annotator.errors import AnnotatorError, WeightsError
from annotator.tracking.base import Tracker
from annotator.tracking.config import SiamMaskConfig
from annotator.tracking.device import device_label, resolve_device
from annotator.tracking.flow import FlowTracker
from annotator.tracking.siammask import SiamMaskTracker
from annotator.tracking.weights import find_weights, load_network, missing_weights_message

log = logging.getLogger(__name__)

TRACKER_CHOICES = ("auto", "siammask", "flow")


def create_tracker(
    kind: str = "auto",
    weights: str | Path | None = None,
    device: str = "auto",
    config: SiamMaskConfig | None = None,
    half: bool = False,
) -> Tracker:
    """Build the tracker named by ``kind``: 'siammask', 'flow', or 'auto'.

    'auto' is SiamMask when its weights are found and the flow backend
    otherwise; 'siammask' without weights raises ``WeightsError`` saying where
    it looked and what to do. ``half``: SiamMask's network in float16 (CUDA only).
    """
    if kind not in TRACKER_CHOICES:
        raise AnnotatorError(
            f"unknown tracker {kind!r}; choose one of {', '.join(TRACKER_CHOICES)}"
        )
    if kind == "flow":
        return FlowTracker()
    path = find_weights(weights)
    if path is None:
        if kind == "auto" and weights is None:
            log.info("no SiamMask weights found; using the optical-flow tracker")
            return FlowTracker()
        raise WeightsError(missing_weights_message())
    dev = resolve_device(device)
    tracker = SiamMaskTracker(load_network(path), config, dev, half=half)
    log.info("tracker: siammask on %s (%s)", device_label(dev), path)
    return tracker
