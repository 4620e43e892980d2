"""``annotator bench matte``: the soft-matte refiner's two methods, speed and accuracy.

A soft-edged disc (true alpha known) over a textured background, at 480p and
1080p, object a third of the frame high. Per method: median time per frame and
the mean absolute alpha error in the edge band, against the hard mask and a
plain Gaussian feather measured in the same run. Picks the default: the
guided filter unless closed-form is at least twice as accurate for at most
ten times the time.
"""

from __future__ import annotations

import platform
import statistics
from functools import partial

import cv2
import numpy as np

from annotator.bench.timing import times_ms
from annotator.core.matte_settings import MatteSettings
from annotator.matte.refine import refine_alpha


def soft_disc_scene(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(frame RGB uint8 (H, W, 3), true alpha (H, W) float32): a disc, radius H/6,
    with an edge about 4 px soft, over blurred noise."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur((rng.random((height, width, 3)) * 255).astype(np.uint8), (0, 0), 2)
    yy, xx = np.mgrid[:height, :width]
    r = np.hypot(yy - height / 2, xx - width / 2)
    alpha = np.clip((height / 6 - r) / 4 + 0.5, 0.0, 1.0).astype(np.float32)
    frame = (
        alpha[..., None] * np.array([230, 60, 40], np.float32) + (1 - alpha[..., None]) * texture
    )
    return np.round(frame).astype(np.uint8), alpha


def bench_matte(repeats: int = 5) -> dict[str, object]:
    results: dict[str, dict[str, float]] = {}
    for label, (width, height) in (("480p", (854, 480)), ("1080p", (1920, 1080))):
        frame, truth = soft_disc_scene(width, height)
        mask = truth > 0.5
        # The soft edge itself, and a pixel either side of the mask's edge.
        kernel = np.ones((3, 3), np.uint8)
        grown = cv2.dilate(mask.astype(np.uint8), kernel)
        band = (truth > 0) & (truth < 1) | (grown != cv2.erode(mask.astype(np.uint8), kernel))

        def error(alpha: np.ndarray, band: np.ndarray = band, truth: np.ndarray = truth) -> float:
            return round(float(np.abs(alpha - truth)[band].mean()), 4)

        row: dict[str, float] = {
            "error_hard": error(mask.astype(np.float32)),
            "error_feather_2px": error(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2.0)),
        }
        for method in ("guided", "closed-form"):
            settings = MatteSettings(method=method)
            # The warm-up call lets numba compile pymatting once.
            times, alpha = times_ms(partial(refine_alpha, frame, mask, settings), repeats)
            row[f"{method}_ms"] = round(statistics.median(times), 1)
            row[f"error_{method}"] = error(alpha)
        row["closed_form_time_vs_guided"] = round(row["closed-form_ms"] / row["guided_ms"], 1)
        row["closed_form_error_vs_guided"] = round(
            row["error_closed-form"] / max(row["error_guided"], 1e-6), 2
        )
        results[label] = row
    r480 = results["480p"]
    default = (
        "closed-form"
        if r480["closed_form_error_vs_guided"] <= 0.5 and r480["closed_form_time_vs_guided"] <= 10
        else "guided"
    )
    return {
        "benchmark": "matte",
        "machine": platform.processor() or platform.machine(),
        "repeats": repeats,
        "results": results,
        "default_method": default,
        "default_in_code": MatteSettings().method,
    }
