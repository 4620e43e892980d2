"""The Qt-free session: what the window drives, run headless."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.core.model import Provenance
from annotator.errors import AnnotatorError
from annotator.metrics import jaccard
from annotator.session import Session
from tests.conftest import moving_square_clip


def _clip_folder(tmp_path: Path, n: int = 12) -> tuple[Path, list[np.ndarray]]:
    frames, masks = moving_square_clip(n)
    folder = tmp_path / "clip"
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"{i:05d}.png")
    return folder, masks


def _drive(session: Session, stop_after: int | None = None) -> None:
    """Run the current run's generator on a plain thread; apply steps here, as a window does."""
    run = session.run
    assert run is not None
    results: list = []
    worker = threading.Thread(target=lambda: results.extend(run.steps()))
    worker.start()
    worker.join()
    for i, (step, image) in enumerate(results):
        if stop_after is not None and i == stop_after:
            run.cancel.set()
            break
        session.apply_step(step, image)


def test_the_session_imports_without_qt() -> None:
    code = "import sys, annotator.session; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_box_then_a_run_headless_is_one_undo_step(tmp_path: Path) -> None:
    folder, truths = _clip_folder(tmp_path)
    session = Session(tmp_path / "projects", "flow")
    session.open_path(folder)
    object_id = session.add_box_object(0, (17, 42, 36, 36))
    assert jaccard(session.mask_array(object_id, 0), truths[0]) > 0.8
    run = session.start_run(0, "forward")
    assert session.is_running
    with pytest.raises(AnnotatorError, match="stop the propagation"):
        session.add_box_object(0, (5, 5, 20, 20))
    with pytest.raises(AnnotatorError, match="already running"):
        session.start_run(0, "forward")
    _drive(session)
    assert session.finish_run() is run and not session.is_running
    assert run.done == len(truths) - 1 and run.summary().startswith("propagated 11 frames")
    ious = [jaccard(session.mask_array(object_id, f), truths[f]) for f in range(len(truths))]
    assert min(ious) > 0.7, ious
    model = session.model
    assert model is not None
    assert model.mask(object_id, 5).provenance is Provenance.PROPAGATED  # type: ignore[union-attr]
    session.undo()  # the whole run, at once
    assert all(model.mask(object_id, f) is None for f in range(1, len(truths)))
    assert model.mask(object_id, 0) is not None
    session.close()


def test_a_cancelled_run_keeps_what_was_applied(tmp_path: Path) -> None:
    folder, _ = _clip_folder(tmp_path)
    session = Session(tmp_path / "projects", "flow")
    session.open_path(folder)
    object_id = session.add_box_object(0, (17, 42, 36, 36))
    session.start_run(0, "forward")
    _drive(session, stop_after=3)
    run = session.finish_run()
    assert run is not None and run.summary() == "propagation stopped after 3 frames"
    model = session.model
    assert model is not None
    kept = [f for f in range(1, 12) if model.mask(object_id, f) is not None]
    assert kept == [1, 2, 3]
    # Reopening the project finds them: each step was committed as it came.
    session.close()
    again = Session(tmp_path / "projects", "flow")
    again.open_path(folder)
    assert again.model is not None and again.model.mask(object_id, 3) is not None
    again.close()


def test_nothing_to_propagate_is_a_clear_error(tmp_path: Path) -> None:
    folder, _ = _clip_folder(tmp_path)
    session = Session(tmp_path / "projects", "flow")
    with pytest.raises(AnnotatorError, match="open a video first"):
        session.start_run(0, "forward")
    session.open_path(folder)
    with pytest.raises(AnnotatorError, match="nothing to propagate"):
        session.start_run(0, "forward")
    assert not session.is_running
    session.close()


@pytest.mark.parametrize("count", [1, 2, 12])
def test_a_box_on_the_last_frame_or_a_one_frame_clip(tmp_path: Path, count: int) -> None:
    # The motion cue looks 3 frames ahead, else back, else at the next frame; with one
    # frame there is none, and the box still becomes a mask.
    folder, truths = _clip_folder(tmp_path, count)
    session = Session(tmp_path / "projects", "flow")
    session.open_path(folder)
    last = count - 1
    x = 20 + 3 * last
    object_id = session.add_box_object(last, (x - 3, 42, 36, 36))
    assert jaccard(session.mask_array(object_id, last), truths[last]) > 0.8
    session.close()
