"""Command-line options shared by several commands, and what they report about them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.tracking.base import Tracker


def add_tracker_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", type=Path, help="SiamMask checkpoint (.pth)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument(
        "--tracker",
        default="auto",
        choices=["auto", "siammask", "flow"],
        help="auto: SiamMask when its weights are found, else the optical-flow tracker",
    )
    p.add_argument(
        "--half", action="store_true", help="SiamMask on CUDA: the network in float16 (faster)"
    )


def say_tracker(tracker: Tracker) -> None:
    sys.stderr.write(f"tracker: {tracker.name} on {tracker.device_label}\n")
