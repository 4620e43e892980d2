"""``annotator bench stroke``: how long the snapping stroke tool takes on an 854 x 480 frame.

The tool should answer within 150 ms, so that it feels live. Each case times
``apply_strokes`` against the plain brush (``paint_stroke``) on the same
stroke, measured in the same run. The slowest case is usually the lost object:
the mask is empty, and the keyframe's mask is moved onto the stroke, so the
cut spans the whole object and more.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

import numpy as np

from annotator.bench.timing import times_ms
from annotator.commands.scribble import correction_strokes
from annotator.tracking.strokes import Stroke, apply_strokes, paint_stroke
from annotator.video.synthetic import render_frames

GOAL_MS = 150.0


@dataclass(frozen=True)
class StrokeCase:
    """A correction to time: the mask (H, W) uint8 before it, the strokes, and the
    keyframe (RGB (H, W, 3), its mask (H, W) uint8) when the tool is given one."""

    mask: np.ndarray
    strokes: list[Stroke]
    reference: tuple[np.ndarray, np.ndarray] | None = None


def _with_disc(
    background: np.ndarray, cx: float, cy: float, r: float
) -> tuple[np.ndarray, np.ndarray]:
    """``background`` (H, W, 3) RGB with a reddish textured disc of radius ``r`` at
    (cx, cy), and the disc's mask (H, W) uint8. The texture moves with the disc."""
    height, width = background.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    side = int(2 * r) + 2
    texture = np.resize(background, (side, side, 3)) // 2 + np.array([120, 20, 20], np.uint8)
    ys, xs = np.nonzero(disc)
    frame = background.copy()
    frame[ys, xs] = texture[ys - ys.min(), xs - xs.min()]
    return frame, disc.astype(np.uint8)


def _cases(width: int, height: int) -> tuple[np.ndarray, dict[str, StrokeCase]]:
    """A frame with a large disc (radius height/4), and per case the correction."""
    frames, _ = render_frames(2, width, height)
    cx, cy, r = width / 2, height / 2, height / 4
    frame, truth = _with_disc(frames[0], cx, cy, r)
    half = truth.copy()
    half[:, int(cx) :] = 0
    band = truth.copy()
    band[int(cy - r) : int(cy + r), int(cx + r) : int(cx + r + 60)] = 1
    across = Stroke(((0.0, cy + r + 20), (float(width - 1), cy + r + 20)), 4.0, False)
    # The keyframe shows the disc a radius and a half to the left; the mask has lost it.
    keyframe = _with_disc(frames[1], cx - 1.5 * r, cy, r)
    # The disc came closer since a keyframe a quarter its size: a stroke across it lets
    # the cut reach most of the frame (``lost_object.GROWN``).
    far_keyframe = _with_disc(frames[1], cx - 1.5 * r, cy, r / 4)
    across_disc = Stroke(((cx - 0.8 * r, cy), (cx + 0.8 * r, cy)), 4.0, True)
    empty = np.zeros_like(truth)
    return frame, {
        "missed_half_foreground_stroke": StrokeCase(half, correction_strokes(truth, half)),
        "wrong_band_background_stroke": StrokeCase(band, correction_strokes(truth, band)),
        "click_in_missed_half": StrokeCase(half, [Stroke(((cx + r / 2, cy),), 4.0, True)]),
        "stroke_across_the_frame": StrokeCase(truth, [across]),
        "lost_object_placed_from_keyframe": StrokeCase(
            empty, correction_strokes(truth, empty), keyframe
        ),
        "lost_object_grown_since_keyframe": StrokeCase(empty, [across_disc], far_keyframe),
    }


def bench_stroke(repeats: int = 20, width: int = 854, height: int = 480) -> dict[str, object]:
    """Median, 95th percentile and worst time per case, in ms, and the brush's median."""
    frame, cases = _cases(width, height)
    results: dict[str, dict[str, float]] = {}
    for name, case in cases.items():

        def snap_once(c: StrokeCase = case) -> None:
            apply_strokes(frame, c.mask, c.strokes, reference=c.reference)

        snap, _ = times_ms(snap_once, repeats)

        def brush(c: StrokeCase = case) -> None:
            m = c.mask
            for st in c.strokes:
                paint_stroke(m, st.points, st.radius, int(st.foreground))

        plain, _ = times_ms(brush, repeats)
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
