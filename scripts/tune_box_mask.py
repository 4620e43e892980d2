"""Measure the box init on the DAVIS-2016 train split: box = the ground truth's bounding box.

usage: python scripts/tune_box_mask.py DAVIS_TRAIN_ROOT [--split fit|held|all]
           [--every N] [--gap G] [--no-motion] [--loose F] [--set key=value ...]
           [--jobs 2]

On every N-th frame of each sequence, the ground truth's bounding box becomes
a mask with ``annotator.tracking.box_mask.box_mask`` (the neighbour is the
frame G later, or G earlier at the end; ``--no-motion`` gives none), and its
IoU with the ground truth is taken. ``--loose F`` grows the box by F of its
width and height on every side (clipped to the frame), as a user who drags
the box roughly would. ``--set`` overrides ``BoxMaskConfig``
fields (values parsed as JSON). The split is ``tune_propagator.py``'s. Prints
one JSON line: the settings, the mean IoU per sequence and the mean over
sequences.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from annotator.metrics import jaccard
from annotator.tracking.box_mask import BoxMaskConfig, box_mask, neighbour_index
from annotator.tracking.geometry import mask_bbox

sys.path.insert(0, str(Path(__file__).parent))
from tune_propagator import split_names

log = logging.getLogger("tune-box")


def loosen(
    box: tuple[int, int, int, int], share: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """The xywh ``box`` grown by ``share`` of its size on every side, clipped to the frame."""
    x, y, w, h = box
    x0, y0 = max(round(x - share * w), 0), max(round(y - share * h), 0)
    x1, y1 = min(round(x + w + share * w), width), min(round(y + h + share * h), height)
    return x0, y0, x1 - x0, y1 - y0


def sequence_iou(
    name: str,
    root: Path,
    every: int,
    gap: int,
    motion: bool,
    config: BoxMaskConfig,
    loose: float = 0.0,
) -> float:
    frames = sorted((root / "JPEGImages" / "480p" / name).glob("*.jpg"))
    truths = sorted((root / "Annotations" / "480p" / name).glob("*.png"))
    scores = []
    for index in range(0, len(frames), every):
        truth = np.asarray(Image.open(truths[index]).convert("L")) > 127
        box = mask_bbox(truth.astype(np.uint8))
        if box is None:
            continue
        frame = np.asarray(Image.open(frames[index]).convert("RGB"))
        box = loosen(box, loose, frame.shape[1], frame.shape[0])
        neighbour = None
        near = neighbour_index(index, len(frames), gap)
        if motion and near is not None:
            neighbour = np.asarray(Image.open(frames[near]).convert("RGB"))
        mask = box_mask(frame, box, neighbour, config)
        scores.append(jaccard(mask > 0, truth))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--split", choices=["fit", "held", "all"], default="fit")
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--gap", type=int, default=3)
    parser.add_argument("--no-motion", action="store_true")
    parser.add_argument("--loose", type=float, default=0.0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = json.loads(value)
    config = dataclasses.replace(BoxMaskConfig(), **overrides)
    names = split_names(args.root, args.split)
    run = partial(
        sequence_iou,
        root=args.root,
        every=args.every,
        gap=args.gap,
        motion=not args.no_motion,
        config=config,
        loose=args.loose,
    )
    with ProcessPoolExecutor(args.jobs) as pool:
        per_seq = dict(zip(names, pool.map(run, names), strict=True))
    report = {
        "split": args.split,
        "every": args.every,
        "gap": args.gap,
        "motion": not args.no_motion,
        "loose": args.loose,
        "config": dataclasses.asdict(config),
        "sequences": per_seq,
        "mean_iou": float(np.mean(list(per_seq.values()))),
    }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
