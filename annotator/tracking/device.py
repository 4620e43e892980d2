"""Choosing the torch device a tracker runs on, and naming it for status lines."""

from __future__ import annotations

import torch

from annotator.errors import AnnotatorError

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
