"""``annotator bench gui``: key-press-to-frame latency, and the window's propagation speed.

On a generated 1080p H.264 clip with one tracked object (so overlays are
drawn), it measures:

- the time from a key press (Right, or End/Home jumps) to the new frame being
  painted, median and 90th percentile, and from dragging the scrubber to a
  random frame (a decode from the previous keyframe) to its painting;
- propagation frames per second in the window (worker thread, the canvas
  following every frame) against the headless engine on the same clip, in the
  same run, as a ratio.

It runs offscreen when there is no display.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.video.synthetic import render_frames, write_video

if TYPE_CHECKING:  # Qt is imported only once the platform is chosen, in run()
    from PySide6.QtCore import QCoreApplication


def _headless_fps(video: Path, box: tuple[float, float, float, float], project: Path) -> float:
    """Frames per second of what ``annotator propagate`` does: engine, model and project file."""
    from annotator.commands.project import open_or_create
    from annotator.commands.propagate import add_box_objects, run_propagation
    from annotator.propagation import PropagationPlan
    from annotator.tracking.flow import FlowTracker
    from annotator.video.frame_source import open_source

    with open_source(video) as source, open_or_create(project, source) as store:
        tracker = FlowTracker()
        add_box_objects(store.model, tracker, source[0], 0, [box])
        plan = PropagationPlan.from_model(store.model, 0, "forward")
        start = time.perf_counter()
        done = run_propagation(store.model, source, tracker, plan)
        return done / (time.perf_counter() - start)


def run(
    frames: int = 240, width: int = 1920, height: int = 1080, follow: bool = True
) -> dict[str, object]:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        return _measure(app, Path(tmp), frames, width, height, follow)


def _measure(
    app: QCoreApplication, tmp: Path, frames: int, width: int, height: int, follow: bool
) -> dict[str, object]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from annotator.gui.controller import Controller
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import Settings

    video = tmp / "bench1080.mp4"
    clip, truths = render_frames(frames, width, height)
    write_video(video, clip)
    del clip
    ys, xs = truths[0][0].nonzero()
    box = (
        float(xs.min()),
        float(ys.min()),
        float(xs.max() - xs.min() + 1),
        float(ys.max() - ys.min() + 1),
    )
    del truths

    headless = _headless_fps(video, box, tmp / "headless.annot")

    window = MainWindow(Controller("flow", projects=tmp), Settings(tmp / "bench.ini"))
    window.resize(1600, 1000)
    window.show()
    window.open_path(video)
    window.controller.add_box_object(0, box)
    window.show_frame(0)
    window.follow.setChecked(follow)
    finished: list[str] = []
    window.controller.propagation_finished.connect(finished.append)
    start = time.perf_counter()
    QTest.keyClick(window, Qt.Key.Key_F)
    while not finished:
        app.processEvents()
        time.sleep(0.001)
    gui = (frames - 1) / (time.perf_counter() - start)

    def press(key: Qt.Key) -> float:
        t = time.perf_counter()
        QTest.keyClick(window, key)
        window.canvas.viewport().repaint()
        app.processEvents()
        return 1000 * (time.perf_counter() - t)

    window.show_frame(0)
    steps = [press(Qt.Key.Key_Right) for _ in range(min(60, frames - 1))]
    jumps = []
    for _ in range(5):
        jumps.append(press(Qt.Key.Key_End))
        jumps.append(press(Qt.Key.Key_Home))
    scrubs = []
    for index in random.Random(0).sample(range(frames), min(30, frames)):
        t = time.perf_counter()
        window.slider.setValue(index)
        window.canvas.viewport().repaint()
        app.processEvents()
        scrubs.append(1000 * (time.perf_counter() - t))
    window.close()
    app.processEvents()
    return {
        "benchmark": "gui",
        "frame_size": [width, height],
        "frames": frames,
        "key_to_frame_ms_step_median": round(statistics.median(steps), 2),
        "key_to_frame_ms_step_p90": round(sorted(steps)[int(0.9 * len(steps))], 2),
        "key_to_frame_ms_jump_median": round(statistics.median(jumps), 2),
        "scrub_to_random_frame_ms_median": round(statistics.median(scrubs), 2),
        "propagation_fps_headless": round(headless, 2),
        "propagation_fps_window": round(gui, 2),
        "window_vs_headless": round(gui / headless, 3),
    }


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="annotator bench gui")
    parser.add_argument("--frames", type=int, default=240, help="length of the test clip")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(list(argv))
    report = run(args.frames)
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.json:
        args.json.write_text(text)
    return 0
