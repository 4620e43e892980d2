"""``annotator bench store``: 10,000 frames x 10 objects, written as propagation writes.

Every frame is one committed edit of all objects' masks inside one undo group,
as a propagation run does. The report compares the late frames with the early
ones (does writing slow down as the file grows?) and a single edit on the full
project with the same edit on an empty one, both measured in the same run.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from annotator.core import rle
from annotator.core.model import FrameMask, ObjectInfo, Provenance
from annotator.store.project import ProjectStore


def _disc_masks(width: int, height: int, count: int) -> list[rle.RLE]:
    """RLEs of discs at ``count`` places: realistic mask sizes, encoded once."""
    yy, xx = np.mgrid[0:height, 0:width]
    out = []
    for k in range(count):
        cx, cy, r = width * (0.2 + 0.6 * k / count), height * 0.5, height * 0.15
        out.append(rle.encode(((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r).astype(np.uint8)))
    return out


def _create(path: Path, frames: int, objects: int, width: int, height: int) -> ProjectStore:
    fingerprint = {"frame_count": frames, "width": width, "height": height, "first_frame": "0"}
    store = ProjectStore.create(path, "bench.mp4", fingerprint)
    with store.model.group("objects"):
        for k in range(1, objects + 1):
            store.apply(store.model.add_object(ObjectInfo(k, f"object {k}")))
    return store


def _single_edit_ms(store: ProjectStore, masks: list[rle.RLE], repeats: int) -> float:
    """Median ms of one user edit (one mask) committed to disk."""
    times = []
    for i in range(repeats):
        mask = FrameMask(Provenance.USER, masks[i % len(masks)])
        start = time.perf_counter()
        store.apply(store.model.set_masks("brush", [(1, i % 50, mask)]))
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def bench_store(
    frames: int = 10_000, objects: int = 10, width: int = 854, height: int = 480
) -> dict[str, object]:
    """Write, reopen, undo and edit a ``frames`` x ``objects`` project; timings in ms and s."""
    masks = _disc_masks(width, height, 16)
    with tempfile.TemporaryDirectory() as tmp:
        empty = _create(Path(tmp) / "empty.annot", frames, objects, width, height)
        edit_empty_ms = _single_edit_ms(empty, masks, 50)
        empty.close()

        store = _create(Path(tmp) / "full.annot", frames, objects, width, height)
        per_frame = []
        start = time.perf_counter()
        with store.model.group("propagate"):
            for f in range(frames):
                items = [
                    (k, f, FrameMask(Provenance.PROPAGATED, masks[(f + k) % 16], 0.9, None, 0))
                    for k in range(1, objects + 1)
                ]
                t0 = time.perf_counter()
                store.apply(store.model.set_masks("step", items))
                per_frame.append(time.perf_counter() - t0)
        write_s = time.perf_counter() - start
        edit_full_ms = _single_edit_ms(store, masks, 50)
        store.undo()  # the 50 single edits are on top; undo them, then the big run
        for _ in range(49):
            store.undo()
        t0 = time.perf_counter()
        store.undo()
        undo_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        store.redo()
        redo_s = time.perf_counter() - t0
        store.close()
        size = (Path(tmp) / "full.annot").stat().st_size
        t0 = time.perf_counter()
        reopened = ProjectStore.open(Path(tmp) / "full.annot")
        open_s = time.perf_counter() - t0
        stored = sum(1 for _ in reopened.model)
        reopened.close()

    window = max(frames // 20, 1)
    early = statistics.median(per_frame[:window]) * 1000
    late = statistics.median(per_frame[-window:]) * 1000
    return {
        "benchmark": "store",
        "frames": frames,
        "objects": objects,
        "frame_size": [width, height],
        "masks_stored": stored,
        "write_total_s": round(write_s, 2),
        "commit_per_frame_ms_first_5pct": round(early, 3),
        "commit_per_frame_ms_last_5pct": round(late, 3),
        "late_vs_early_commit_ratio": round(late / early, 3),
        "single_edit_ms_empty_project": round(edit_empty_ms, 3),
        "single_edit_ms_full_project": round(edit_full_ms, 3),
        "single_edit_full_vs_empty_ratio": round(edit_full_ms / edit_empty_ms, 3),
        "undo_whole_run_s": round(undo_s, 2),
        "redo_whole_run_s": round(redo_s, 2),
        "reopen_s": round(open_s, 2),
        "file_mb": round(size / 1e6, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
