"""N and P: the next doubtful frame, wrapping round the ends of the video."""

from __future__ import annotations

import numpy as np

from annotator.commands.navigate import next_doubtful_frame
from annotator.core import rle
from annotator.core.model import AnnotationModel, FrameMask, ObjectInfo, Provenance


def model_with_scores(scores: dict[int, float | None]) -> AnnotationModel:
    """A 20-frame model with one object scored ``scores`` per frame (None: a keyframe)."""
    model = AnnotationModel(20, history_bytes=0)
    model.apply(model.add_object(ObjectInfo(1, "one")))
    code = rle.encode(np.ones((4, 4), np.uint8))
    cells = [
        (1, f, FrameMask(Provenance.USER if s is None else Provenance.PROPAGATED, code, s))
        for f, s in scores.items()
    ]
    model.apply(model.set_masks("scores", cells))
    return model


def test_the_next_doubtful_frame_each_way_and_wrapping_round() -> None:
    model = model_with_scores({0: None, 5: 0.1, 9: 0.9, 12: 0.2, 19: 0.95})
    assert next_doubtful_frame(model, 0, 1) == 5
    assert next_doubtful_frame(model, 5, 1) == 12
    assert next_doubtful_frame(model, 12, 1) is None
    assert next_doubtful_frame(model, 12, -1) == 5
    # from the last frame, as after a run that followed its frames, N starts over
    assert next_doubtful_frame(model, 19, 1, wrap=True) == 5
    assert next_doubtful_frame(model, 2, -1, wrap=True) == 12
    # the frame itself is never the answer, and a keyframe is never doubtful
    only = model_with_scores({0: None, 7: 0.1})
    assert next_doubtful_frame(only, 7, 1, wrap=True) is None
    assert next_doubtful_frame(only, 0, -1, wrap=True) == 7
