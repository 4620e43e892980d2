"""``annotator bench stroke``: how long the snapping stroke tool takes on an 854 x 480 frame.

The tool should answer within 150 ms, so that it feels live. Each case times
``apply_strokes`` against the plain brush (``paint_stroke``) on the same
stroke, measured in the same run.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np

from annotator.commands.scribble import correction_strokes
from annotator.tracking.strokes import Stroke, apply_strokes, paint_stroke
from annotator.video.synthetic import render_frames

GOAL_MS = 150.0


def _times_ms(call: Callable[[], object], repeats: int) -> list[float]:
    call()  # warm up
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        out.append(1000 * (time.perf_counter() - start))
    return out


def _cases(
    width: int, height: int
) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, list[Stroke]]]]:
    """A frame with a large disc (radius height/4), and per case the mask and the strokes."""
    frames, _ = render_frames(2, width, height)
    frame = frames[0].copy()
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy, r = width / 2, height / 2, height / 4
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    frame[disc] = (frame[disc] // 2 + np.array([120, 20, 20], np.uint8)).astype(np.uint8)
    truth = disc.astype(np.uint8)
    half = truth.copy()
    half[:, int(cx) :] = 0
    band = truth.copy()
    band[int(cy - r) : int(cy + r), int(cx + r) : int(cx + r + 60)] = 1
    across = Stroke(((0.0, cy + r + 20), (float(width - 1), cy + r + 20)), 4.0, False)
    return frame, {
        "missed_half_foreground_stroke": (half, correction_strokes(truth, half)),
        "wrong_band_background_stroke": (band, correction_strokes(truth, band)),
        "click_in_missed_half": (half, [Stroke(((cx + r / 2, cy),), 4.0, True)]),
        "stroke_across_the_frame": (truth, [across]),
    }


def bench_stroke(repeats: int = 20, width: int = 854, height: int = 480) -> dict[str, object]:
    """Median, 95th percentile and worst time per case, in ms, and the brush's median."""
    frame, cases = _cases(width, height)
    results: dict[str, dict[str, float]] = {}
    for name, (mask, strokes) in cases.items():

        def snap_once(m: np.ndarray = mask, s: list[Stroke] = strokes) -> None:
            apply_strokes(frame, m, s)

        snap = _times_ms(snap_once, repeats)

        def brush(m: np.ndarray = mask, s: list[Stroke] = strokes) -> None:
            for st in s:
                paint_stroke(m, st.points, st.radius, int(st.foreground))

        plain = _times_ms(brush, repeats)
        results[name] = {
            "median_ms": round(float(np.median(snap)), 2),
            "p95_ms": round(float(np.percentile(snap, 95)), 2),
            "max_ms": round(float(np.max(snap)), 2),
            "brush_median_ms": round(float(np.median(plain)), 3),
            "vs_brush": round(float(np.median(snap) / max(np.median(plain), 1e-6)), 1),
        }
    worst = max(r["p95_ms"] for r in results.values())
    return {
        "benchmark": "stroke",
        "frame_size": [width, height],
        "repeats": repeats,
        "machine": platform.processor() or platform.machine(),
        "goal_ms": GOAL_MS,
        "worst_p95_ms": worst,
        "within_goal": bool(worst <= GOAL_MS),
        "results": results,
    }
