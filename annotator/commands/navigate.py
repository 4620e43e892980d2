"""Where the timeline's N and P keys go: the next frame whose mask is doubtful."""

from __future__ import annotations

from annotator.core.model import AnnotationModel
from annotator.tracking.base import DOUBTFUL_SCORE


def next_doubtful_frame(
    model: AnnotationModel,
    frame: int,
    step: int,
    objects: list[int] | None = None,
    wrap: bool = False,
) -> int | None:
    """The nearest frame after ``frame`` in direction ``step`` (+1 or -1) where one of
    ``objects`` (all when None) has a mask scored under ``DOUBTFUL_SCORE``; None if none.
    With ``wrap``, where none is left that way the search goes on from the other end of
    the video, as a text search wraps round (a run that followed its frames ends on the
    last one, and N should still find the doubtful frames it passed); it never returns
    ``frame`` itself. Keyframes and imported masks carry no score and are never doubtful."""
    ids = objects if objects is not None else list(model.objects)
    low = sorted(
        f
        for k in ids
        for f, m in model.frames_of(k).items()
        if m.score is not None and m.score < DOUBTFUL_SCORE
    )
    ahead = [f for f in low if (f - frame) * step > 0]
    if not ahead and wrap:
        ahead = [f for f in low if f != frame]
    if not ahead:
        return None
    return min(ahead) if step > 0 else max(ahead)
