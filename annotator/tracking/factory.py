"""Choosing a device and building a tracker backend from command-line style options."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from annotator.errors import AnnotatorError, WeightsError
from annotator.tracking.config import SiamMaskConfig
from annotator.tracking.siammask import SiamMaskTracker
from annotator.tracking.weights import find_weights, load_network, missing_weights_message

log = logging.getLogger(__name__)

TRACKER_CHOICES = ("auto", "siammask")
DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(choice: str) -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' without CUDA is an error."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise AnnotatorError("--device cuda was asked for, but no CUDA GPU is available")
    if choice not in DEVICE_CHOICES:
        raise AnnotatorError(
            f"unknown device {choice!r}; choose one of {', '.join(DEVICE_CHOICES)}"
        )
    return torch.device(choice)


def device_label(device: torch.device) -> str:
    """'CPU' or the GPU's name, for status lines."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "CPU"


def create_tracker(
    kind: str = "auto",
    weights: str | Path | None = None,
    device: str = "auto",
    config: SiamMaskConfig | None = None,
) -> SiamMaskTracker:
    """Build the tracker named by ``kind``.

    Raises ``WeightsError`` saying where it looked and what to do when weights are missing.
    """
    if kind not in TRACKER_CHOICES:
        raise AnnotatorError(
            f"unknown tracker {kind!r}; choose one of {', '.join(TRACKER_CHOICES)}"
        )
    path = find_weights(weights)
    if path is None:
        raise WeightsError(missing_weights_message())
    dev = resolve_device(device)
    tracker = SiamMaskTracker(load_network(path), config, dev)
    log.info("tracker: siammask on %s (%s)", device_label(dev), path)
    return tracker
