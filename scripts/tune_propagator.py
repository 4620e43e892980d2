"""Tune the flow backend on the DAVIS-2016 train split: one config, one keyframe setting.

usage: python scripts/tune_propagator.py DAVIS_TRAIN_ROOT [--split fit|held|all]
           [--every N] [--set key=value ...] [--blend nearer] [--jobs 2] [--cache DIR]
           [--records FILE]

The split is fixed: every third sequence of the sorted train split (from the
third on) is *held out* and only checked on; the rest are *fit*. ``--set``
overrides ``FlowConfig`` fields (``cut.smooth=3`` sets a ``CutWeights`` field);
values are parsed as JSON. ``--cache`` keeps DIS flows on disk, keyed by the
two grey frames' digests, so that configs that differ only after the flow
reuse it (stored as float16, so figures can differ from an uncached run in
the third decimal). ``--blend nearer`` replaces the engine's blending by "the
nearer run wins", for the plain baseline. Prints one JSON line: the config,
the split, J&F per sequence and the mean, and the score figures.

The plain warp baseline: ``--set soft=false --set refine=false --blend nearer``.

The figures that go in notes come from ``annotator eval-sim`` itself; this
script only makes a sweep affordable on two cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import sys
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from annotator.commands.eval_sim import eval_sim, find_sequences
from annotator.tracking.appearance import CutWeights
from annotator.tracking.flow import FlowConfig, FlowTracker

log = logging.getLogger("tune")


def split_names(root: Path, split: str) -> list[str]:
    names = sorted(d.name for d in (root / "Annotations" / "480p").iterdir() if d.is_dir())
    held = names[2::3]
    if split == "held":
        return held
    if split == "fit":
        return [n for n in names if n not in held]
    return names


class CachedFlowTracker(FlowTracker):
    """The flow backend with DIS results kept on disk (float16), keyed by the frames' digests."""

    def __init__(self, config: FlowConfig, cache: Path) -> None:
        super().__init__(config)
        self.cache = cache

    def flow_pair(self, prev: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = (
            hashlib.md5(prev.tobytes()).hexdigest()[:16]
            + hashlib.md5(cur.tobytes()).hexdigest()[:16]
            + self.config.preset
        )
        path = self.cache / f"{key}.npy"
        if path.is_file():
            pair = np.load(path).astype(np.float32)
            return pair[0], pair[1]
        backward, forward = super().flow_pair(prev, cur)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, np.stack([backward, forward]).astype(np.float16))
        tmp.rename(path)
        return backward, forward


def build_config(settings: list[str]) -> FlowConfig:
    top: dict[str, Any] = {}
    cut: dict[str, Any] = {}
    for item in settings:
        key, _, value = item.partition("=")
        parsed = json.loads(value)
        if key.startswith("cut."):
            cut[key[4:]] = parsed
        else:
            top[key] = parsed
    return FlowConfig(**top, cut=CutWeights(**cut))


def blend_nearer(masks: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """The issue's plain baseline: where two runs meet, the heavier (nearer) run wins outright."""
    return masks[int(np.argmax(weights))]


BLENDS = {"nearer": blend_nearer}


def make_tracker(config: FlowConfig, cache: Path | None, blend: str | None = None) -> FlowTracker:
    if blend is not None:
        import annotator.propagation

        annotator.propagation.blend_masks = BLENDS[blend]  # type: ignore[assignment]
    return CachedFlowTracker(config, cache) if cache is not None else FlowTracker(config)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--split", default="fit", choices=["fit", "held", "all"])
    parser.add_argument("--seq", help="a,b: these sequences instead of a split")
    parser.add_argument("--every", type=int, default=None)
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--blend", choices=sorted(BLENDS))
    parser.add_argument("--records", type=Path, help="write per-frame (J, score) records here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = build_config(args.set)
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    names = args.seq.split(",") if args.seq else split_names(args.root, args.split)
    sequences = find_sequences(args.root, names)
    report = eval_sim(
        sequences,
        partial(make_tracker, config, args.cache, args.blend),
        args.every,
        jobs=args.jobs,
        keep_records=args.records is not None,
    )
    if args.records is not None:
        records = {n: s.pop("records") for n, s in report["sequences"].items()}
        args.records.write_text(json.dumps(records))
    out = {
        "set": args.set,
        "blend": args.blend,
        "split": args.seq or args.split,
        "every": args.every,
        "JF": round(report["JF"], 4),
        "J": round(report["J"], 4),
        "F": round(report["F"], 4),
        "score": {k: round(v, 3) for k, v in report["score"].items()},
        "sequences": {n: round(s["JF"], 3) for n, s in report["sequences"].items()},
        "config": dataclasses.asdict(config),
    }
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
