"""``annotator bench export``: 10,000 frames x 5 objects to COCO and to DAVIS PNGs.

The project is built in memory from a few dozen distinct 854x480 masks, so
the RLEs are realistic. Each format is timed on 1,000 frames first and then on
all frames, in the same run: the per-frame time ratio shows whether the
exporter slows down with length. Memory is measured in a second pass of each
phase with ``tracemalloc`` (Python and numpy allocations): the peak allocated
during the phase, over what was allocated when it began, so the two phases
compare what the export itself holds (max RSS only ever rises, so it cannot
show that). DAVIS is timed without the JPEG frames,
which cost the same per frame in any tool (a decode and an encode).
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance
from annotator.formats.coco import export_coco
from annotator.formats.common import ExportJob
from annotator.formats.davis import export_davis


def _model(frames: int, objects: int, width: int, height: int) -> AnnotationModel:
    yy, xx = np.mgrid[0:height, 0:width]
    shapes = []
    for k in range(32):
        cx, cy = width * (0.15 + 0.7 * k / 32), height * (0.3 + 0.4 * ((k * 7) % 32) / 32)
        r = height * (0.06 + 0.04 * (k % 5))
        shapes.append(
            rle.encode(((xx - cx) ** 2 + ((yy - cy) * 1.3) ** 2 <= r * r).astype(np.uint8))
        )
    model = AnnotationModel(frames, history_bytes=0)
    for k in range(1, objects + 1):
        model.apply(model.add_object(ObjectInfo(k, f"object {k}", f"class {k % 3}")))
    cells = [
        (k, f, FrameMask(Provenance.PROPAGATED, shapes[(f + 7 * k) % 32], 0.9, None, 0))
        for f in range(frames)
        for k in range(1, objects + 1)
    ]
    model.apply(model.set_masks("bench", cells))
    return model


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Exporter = Callable[[ExportJob, Path], Iterator[int]]


def _timed(run: Exporter, job: ExportJob, out: Path) -> float:
    start = time.perf_counter()
    for _ in run(job, out):
        pass
    return time.perf_counter() - start


def _held_mb(run: Exporter, job: ExportJob, out: Path) -> float:
    """The most memory (MB) the export allocated above where it started."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in run(job, out):
            pass
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def bench_export(
    frames: int = 10_000, objects: int = 5, width: int = 854, height: int = 480
) -> dict[str, object]:
    model = _model(frames, objects, width, height)
    ids = tuple(range(1, objects + 1))
    short = min(1000, max(frames // 10, 1))
    results: dict[str, object] = {}
    report: dict[str, object] = {
        "benchmark": "export",
        "frames": frames,
        "objects": objects,
        "frame_size": [width, height],
        "peak_rss_mb_project_in_memory": round(_peak_mb(), 1),
        "results": results,
    }
    formats: dict[str, Exporter] = {
        "coco": lambda job, out: export_coco(job, out / "coco.json"),
        "davis_annotations": lambda job, out: export_davis(job, out / "davis", False),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in formats.items():
            row: dict[str, float] = {}
            for label, n in (("short", short), ("full", frames)):
                out = Path(tmp) / f"{name}-{label}"
                out.mkdir()
                job = ExportJob(model, "bench", (width, height), ids, tuple(range(n)))
                seconds = _timed(run, job, out)
                again = Path(tmp) / f"{name}-{label}-memory"
                again.mkdir()
                row[f"{label}_frames"] = n
                row[f"{label}_seconds"] = round(seconds, 2)
                row[f"{label}_held_mb"] = round(_held_mb(run, job, again), 3)
            per_short = max(row["short_seconds"], 1e-3) / short
            row["per_frame_full_vs_short"] = round((row["full_seconds"] / frames) / per_short, 3)
            row["held_growth_mb_full_vs_short"] = round(
                row["full_held_mb"] - row["short_held_mb"], 3
            )
            results[name] = row
    return report
