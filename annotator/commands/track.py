"""``annotator track``: track boxes through a video and write masks and ``track.json``.

Output layout (DIR):
    masks/NNNNN.png  DAVIS palette PNG per tracked frame (frames after the start
                     frame, named by source frame index); index k is object k,
                     and where objects overlap the higher id is on top.
    track.json       per frame and object: score, centre, size, rotated box
                     polygon, bbox (xywh) and the object's own mask as COCO RLE.

``track.json`` is rewritten atomically every few frames and at the end, so a
Ctrl-C or a bad frame leaves a valid file holding every frame done so far.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from annotator.commands.propagate import add_box_objects, apply_step
from annotator.core import rle
from annotator.core.atomic import write_text_atomic
from annotator.core.model import AnnotationModel
from annotator.errors import AnnotatorError
from annotator.export.palette import compose_labels, write_index_png
from annotator.propagation import Direction, PropagationPlan, propagate
from annotator.tracking.base import Tracker, TrackResult, validate_box
from annotator.video.frame_source import FrameSource

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 25


def frame_entry(index: int, ids: Sequence[int], results: Sequence[TrackResult]) -> dict[str, Any]:
    """One ``frames[]`` entry of track.json."""
    return {
        "index": index,
        "objects": [
            {
                "id": obj_id,
                "score": float(r.score),
                "center": [float(r.center[0]), float(r.center[1])],
                "size": [float(r.size[0]), float(r.size[1])],
                "polygon": [float(v) for v in r.polygon.reshape(-1)],
                "bbox": [float(v) for v in r.bbox],
                "rle": rle.encode(r.mask),
            }
            for obj_id, r in zip(ids, results, strict=True)
        ],
    }


class TrackWriter:
    """Accumulates track.json (masks as RLE only) and writes a PNG per frame."""

    def __init__(
        self,
        out_dir: Path,
        source: str,
        size: tuple[int, int],
        start_frame: int,
        ids: Sequence[int],
        boxes: Sequence[tuple[float, float, float, float]],
    ) -> None:
        self.out_dir = out_dir
        self.mask_dir = out_dir / "masks"
        self.mask_dir.mkdir(parents=True, exist_ok=True)
        self.doc: dict[str, Any] = {
            "source": source,
            "width": size[0],
            "height": size[1],
            "start_frame": start_frame,
            "objects": [
                {"id": i, "init_box": [float(v) for v in b]}
                for i, b in zip(ids, boxes, strict=True)
            ],
            "frames": [],
        }

    def add(self, index: int, ids: Sequence[int], results: Sequence[TrackResult]) -> None:
        labels = compose_labels(
            (self.doc["height"], self.doc["width"]),
            [(i, r.mask) for i, r in zip(ids, results, strict=True)],
        )
        write_index_png(self.mask_dir / f"{index:05d}.png", labels)
        self.doc["frames"].append(frame_entry(index, ids, results))
        if len(self.doc["frames"]) % CHECKPOINT_EVERY == 0:
            self.flush()

    def flush(self) -> None:
        write_text_atomic(self.out_dir / "track.json", json.dumps(self.doc))


def run_track(
    source: FrameSource,
    tracker: Tracker,
    boxes: Sequence[tuple[float, float, float, float]],
    out_dir: Path | None,
    start_frame: int = 0,
    on_frame: Callable[[int], None] | None = None,
    model: AnnotationModel | None = None,
) -> int:
    """Track ``boxes`` (xywh) from ``start_frame`` to the end; returns frames tracked.

    The boxes become new objects (ids after the model's existing ones) with an
    ``init`` mask on the start frame, and the propagation engine carries them
    forward. With ``model`` (a project's), every frame is recorded there as it
    comes; with ``out_dir``, PNGs and track.json are written. A
    ``KeyboardInterrupt`` or an error stops the run after the outputs are made
    valid; the exception is then re-raised.
    """
    if not boxes:
        raise AnnotatorError("give at least one --box X,Y,W,H")
    if not 0 <= start_frame < len(source):
        raise AnnotatorError(
            f"--start-frame {start_frame} is outside the video's frames 0..{len(source) - 1}"
        )
    first = source[start_frame]
    checked = [validate_box(b, first.shape) for b in boxes]
    recording = model is not None
    target = model if model is not None else AnnotationModel(len(source))
    ids = add_box_objects(target, tracker, first, start_frame, checked)
    plan = PropagationPlan.from_model(target, start_frame, Direction.FORWARD, ids)
    writer = None
    if out_dir is not None:
        writer = TrackWriter(out_dir, str(source.path), source.size, start_frame, ids, checked)
    done = 0
    try:
        for step in propagate(plan, source, tracker):
            if recording:
                apply_step(target, plan, step)
            if writer is not None:
                writer.add(step.frame, list(step.results), list(step.results.values()))
            done += 1
            if on_frame is not None:
                on_frame(step.frame)
    finally:
        if writer is not None:
            writer.flush()
    return done
