"""The box init on real frames: the motion cue's fallback to a lower floor.

Frames come from the compact DAVIS-2016 train split in ``../shared/data``
(decoded from its videos); the box is the ground truth's bounding box, as in
``annotator eval-interactive``.
"""

from __future__ import annotations

import numpy as np

from annotator.commands.eval_sim import find_sequences
from annotator.formats.palette import read_label_png
from annotator.metrics import jaccard
from annotator.tracking.box_mask import BoxMaskConfig, box_mask
from annotator.tracking.geometry import mask_bbox
from annotator.video.frame_source import open_source
from tests.conftest import SHARED, need

TRAIN = SHARED / "data" / "davis2016-train"


def _first_frames(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame 0 and frame 3 (RGB) of a train sequence, and frame 0's truth (bool)."""
    need(TRAIN / "videos" / f"{name}.mp4", "the DAVIS-2016 train split")
    seq = find_sequences(TRAIN, [name])[0]
    with open_source(seq.frames) as source:
        frame, neighbour = source[0], source[3]
    truth = read_label_png(seq.annotations[0]) > 0
    return frame, neighbour, truth


def test_the_median_floor_finds_a_boat_in_a_moving_sea() -> None:
    # Waves and the wake outside the box move more than the boat does against the
    # camera: only the fallback to the median lets the motion cue speak.
    frame, neighbour, truth = _first_frames("boat")
    box = mask_bbox(truth.astype(np.uint8))
    assert box is not None
    plain = BoxMaskConfig(fallback_percentile=None)
    without = jaccard(box_mask(frame, box, neighbour, plain) > 0, truth)
    with_fallback = jaccard(box_mask(frame, box, neighbour) > 0, truth)
    assert with_fallback > without + 0.15, (without, with_fallback)
