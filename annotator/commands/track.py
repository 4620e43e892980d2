"""``annotator track``: track boxes through a video and write masks and ``track.json``.

Output layout (DIR):
    masks/NNNNN.png  DAVIS palette PNG per frame from the start frame (its init
                     masks) to the end, named by source frame index; index k is
                     object k, and where objects overlap the higher id is on top.
    track.json       per frame and object: score, centre, size, rotated box
                     polygon, bbox (xywh) and the object's own mask as COCO RLE.

``track.json`` is rewritten atomically every few frames and at the end, so a
Ctrl-C or a bad frame leaves a valid file holding every frame done so far.
A DIR that is not empty is refused unless ``overwrite`` is given.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from annotator.commands.propagate import add_box_objects, apply_step
from annotator.core import rle
from annotator.core.atomic import write_text_atomic
from annotator.core.model import AnnotationModel
from annotator.errors import AnnotatorError
from annotator.formats.palette import compose_labels, write_index_png
from annotator.propagation import Direction, PropagationPlan, neighbour_frame, propagate
from annotator.tracking.base import Tracker, TrackResult, validate_box
from annotator.tracking.geometry import box_polygon, mask_bbox
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
        overwrite: bool = False,
    ) -> None:
        self.out_dir = out_dir
        self.mask_dir = out_dir / "masks"
        if not overwrite and out_dir.is_dir() and any(out_dir.iterdir()):
            raise AnnotatorError(f"{out_dir} is not empty; give --overwrite to replace its files")
        if out_dir.exists() and not out_dir.is_dir():
            raise AnnotatorError(f"{out_dir} exists and is not a folder")
        if overwrite and self.mask_dir.is_dir():
            for old in self.mask_dir.glob("*.png"):
                old.unlink()
        self.mask_dir.mkdir(parents=True, exist_ok=True)
        self.doc: dict[str, Any] = {
            "source": source,
            "width": size[0],
            "height": size[1],
            "start_frame": start_frame,
            "objects": [],
            "frames": [],
        }

    def set_objects(
        self, ids: Sequence[int], boxes: Sequence[tuple[float, float, float, float]]
    ) -> None:
        self.doc["objects"] = [
            {"id": i, "init_box": [float(v) for v in b]} for i, b in zip(ids, boxes, strict=True)
        ]

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


def init_results(model: AnnotationModel, ids: Sequence[int], frame: int) -> list[TrackResult]:
    """The objects' init masks on ``frame`` as results (score 1, the mask's own box)."""
    out = []
    for object_id in ids:
        stored = model.mask(object_id, frame)
        if stored is None or stored.rle is None:
            raise AnnotatorError(f"object {object_id} has no init mask on frame {frame}")
        mask = rle.decode(stored.rle)
        tight = mask_bbox(mask)
        x, y, w, h = (float(v) for v in tight) if tight is not None else (0.0, 0.0, 0.0, 0.0)
        polygon = (
            np.asarray(stored.polygon, np.float32).reshape(4, 2)
            if stored.polygon is not None
            else box_polygon((x, y, w, h))
        )
        out.append(
            TrackResult(
                polygon, (x, y, w, h), (x + w / 2, y + h / 2), (w, h), 1.0, None, full_mask=mask
            )
        )
    return out


def run_track(
    source: FrameSource,
    tracker: Tracker,
    boxes: Sequence[tuple[float, float, float, float]],
    out_dir: Path | None,
    start_frame: int = 0,
    on_frame: Callable[[int], None] | None = None,
    model: AnnotationModel | None = None,
    overwrite: bool = False,
) -> int:
    """Track ``boxes`` (xywh) from ``start_frame`` to the end; returns frames tracked.

    The boxes become new objects (ids after the model's existing ones) with an
    ``init`` mask on the start frame, and the propagation engine carries them
    forward. With ``model`` (a project's), every frame is recorded there as it
    comes; with ``out_dir``, PNGs and track.json are written, the start frame's
    init masks first (``overwrite`` allows a non-empty folder). A
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
    writer = None
    if out_dir is not None:
        # Checked before any tracking, so a refused folder costs nothing.
        writer = TrackWriter(out_dir, str(source.path), source.size, start_frame, overwrite)
    near = neighbour_frame(source, start_frame)
    ids = add_box_objects(target, tracker, first, start_frame, checked, neighbour=near)
    plan = PropagationPlan.from_model(target, start_frame, Direction.FORWARD, ids)
    if writer is not None:
        writer.set_objects(ids, checked)
        writer.add(start_frame, ids, init_results(target, ids, start_frame))
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
