"""Record the stroke tool's calls in eval-interactive once, then replay them in seconds.

usage: python scripts/replay_strokes.py record DAVIS_TRAIN_ROOT OUT.pkl [--split fit|held]
           [--rounds 5] [--jobs 2]
       python scripts/replay_strokes.py stale DAVIS_TRAIN_ROOT OUT.pkl [--split fit|held]
       python scripts/replay_strokes.py replay DAVIS_TRAIN_ROOT CASES.pkl [--set key=value ...]
           [--cases] [--jobs 2]

``record`` plays ``annotator eval-interactive`` (flow tracker) on a part of the
train split (``tune_propagator.py``'s split) and keeps, for every stroke
correction the simulated user makes, what ``stroke_edit`` gets: the frame, the
mask before the strokes (tidied as ``stroke_edit`` tidies it), the strokes,
and the nearest keyframe with its mask. A full eval of the fit part takes
about six minutes; replaying its 90 corrections takes seconds, so a sweep of
the stroke tool's weights or a change to ``apply_strokes`` can be judged on
the very frames the rounds stumble on.

``stale`` makes cases of a lost object instead, which the rounds meet seldom on
the fit part (5 of 90) and often on unseen clips: on every 5th frame from the
10th, the mask is the truth of 5, 10 or 20 frames before (the first whose IoU
with the truth now is under 0.2), left where the object was, that earlier frame
is the keyframe, and the strokes are the simulated user's. The fit part gives
64 cases; on them the stroke tool is far below the exact-regions bound (J 0.689
against 0.825), where on the recorded ones it is near (0.792 against 0.845).

``replay`` runs ``apply_strokes`` on every recorded case (``--set`` overrides
``StrokeWeights`` fields, values parsed as JSON) and prints one JSON line: the
mean J before, after and with the two stroked regions set exactly to the truth
(the exact-regions user, the bound of a perfect stroke tool) and the boundary
F after the strokes and with exact regions, the same for
the cases where the object was lost (J before < 0.1), and the median and p95
time. ``--cases`` prints one line per case first.

The figures are first-order: in a real eval a better stroke changes which
frames later rounds pick. Judge a change by eval-interactive in the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import annotator.commands.eval_interactive as eval_interactive
from annotator.commands.edits import stroke_inputs
from annotator.commands.eval_sim import find_sequences
from annotator.commands.scribble import correct_regions, correction_strokes
from annotator.formats.palette import read_label_png
from annotator.metrics import boundary_f
from annotator.propagation import mask_iou
from annotator.tracking.flow import FlowTracker
from annotator.tracking.strokes import StrokeWeights, apply_strokes
from annotator.video.frame_source import open_source

sys.path.insert(0, str(Path(__file__).parent))
from tune_propagator import split_names

log = logging.getLogger("replay-strokes")

LOST_J = 0.1


def record_sequence(name: str, root: Path, rounds: int) -> list[dict[str, Any]]:
    """Play one sequence; every stroke correction's inputs, in the order made."""
    cases: list[dict[str, Any]] = []
    stroke_edit = eval_interactive.stroke_edit

    def recording(model, object_id, frame, images, strokes, weights=None):  # type: ignore[no-untyped-def]
        before, keyframe = stroke_inputs(model, object_id, frame, images(frame).shape[:2])
        cases.append(
            {"seq": name, "frame": frame, "before": before, "strokes": strokes, "ref": keyframe}
        )
        return stroke_edit(model, object_id, frame, images, strokes, weights)

    # The eval looks stroke_edit up in its own module: recording there sees each call
    # with the model as it stood, which the eval's report does not keep.
    eval_interactive.stroke_edit = recording  # type: ignore[assignment]
    try:
        seq = find_sequences(root, [name])[0]
        eval_interactive.play(seq, FlowTracker(), rounds)
    finally:
        eval_interactive.stroke_edit = stroke_edit
    return cases


STALE_LAGS = (5, 10, 20)
STALE_IOU = 0.2


def stale_sequence(name: str, root: Path) -> list[dict[str, Any]]:
    """Cases of a mask left behind where the object was (see ``stale`` above)."""
    seq = find_sequences(root, [name])[0]
    truths = [(read_label_png(p) > 0).astype(np.uint8) for p in seq.annotations]
    cases: list[dict[str, Any]] = []
    for frame in range(10, len(truths), 5):
        for lag in STALE_LAGS:
            key = frame - lag
            if key < 0 or not truths[key].any() or not truths[frame].any():
                continue
            if mask_iou(truths[key], truths[frame]) >= STALE_IOU:
                continue
            strokes = correction_strokes(truths[frame], truths[key])
            cases.append(
                {
                    "seq": name,
                    "frame": frame,
                    "before": truths[key].copy(),
                    "strokes": strokes,
                    "ref": (key, truths[key].copy()),
                }
            )
            break
    return cases


def replay_case(case: dict[str, Any], root: Path, weights: StrokeWeights) -> dict[str, Any]:
    """J before, after and with exact regions, and the time ``apply_strokes`` took."""
    seq = find_sequences(root, [case["seq"]])[0]
    truth = read_label_png(seq.annotations[case["frame"]]) > 0
    with open_source(seq.frames) as source:
        image = source[case["frame"]]
        reference = None
        if case["ref"] is not None:
            reference = (source[case["ref"][0]], case["ref"][1])
    start = time.perf_counter()
    after = apply_strokes(image, case["before"], case["strokes"], weights, reference)
    seconds = time.perf_counter() - start
    regions = correct_regions(truth, case["before"])
    return {
        "seq": case["seq"],
        "frame": case["frame"],
        "before": mask_iou(case["before"], truth),
        "after": mask_iou(after, truth),
        "regions": mask_iou(regions, truth),
        "F_after": boundary_f(after, truth),
        "F_regions": boundary_f(regions, truth),
        "ms": seconds * 1000,
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def means(part: list[dict[str, Any]]) -> dict[str, float]:
        if not part:
            return {}
        return {
            k: round(float(np.mean([r[k] for r in part])), 4)
            for k in ("before", "after", "regions", "F_after", "F_regions")
        }

    ms = [r["ms"] for r in rows]
    return {
        "cases": len(rows),
        "all": means(rows),
        "lost": {
            "cases": int(sum(r["before"] < LOST_J for r in rows)),
            **means([r for r in rows if r["before"] < LOST_J]),
        },
        "ms_median": round(float(np.median(ms))),
        "ms_p95": round(float(np.percentile(ms, 95))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["record", "stale", "replay"])
    parser.add_argument("root", type=Path)
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", choices=["fit", "held", "all"], default="fit")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--cases", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.command == "record":
        names = split_names(args.root, args.split)
        run = partial(record_sequence, root=args.root, rounds=args.rounds)
        with ProcessPoolExecutor(args.jobs) as pool:
            cases = [c for part in pool.map(run, names) for c in part]
        with open(args.file, "wb") as out:
            pickle.dump(cases, out)
        log.warning("%d stroke corrections recorded in %s", len(cases), args.file)
        return
    if args.command == "stale":
        names = split_names(args.root, args.split)
        cases = [c for name in names for c in stale_sequence(name, args.root)]
        with open(args.file, "wb") as out:
            pickle.dump(cases, out)
        log.warning("%d lost-object cases written to %s", len(cases), args.file)
        return
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = json.loads(value)
    weights = dataclasses.replace(StrokeWeights(), **overrides)
    with open(args.file, "rb") as f:
        cases = pickle.load(f)
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(partial(replay_case, root=args.root, weights=weights), cases))
    if args.cases:
        for r in rows:
            print(
                f"{r['seq']:18s} {r['frame']:4d}  J {r['before']:.3f} -> {r['after']:.3f}"
                f"  regions {r['regions']:.3f}  {r['ms']:.0f} ms"
            )
    print(json.dumps({"set": args.set, **summary(rows)}))


if __name__ == "__main__":
    main()
