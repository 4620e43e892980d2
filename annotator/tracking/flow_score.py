"""The flow backend's score: an estimate of how good a carried mask still is.

"Next doubtful frame" is only as useful as this number, so it must rank frames
by their real quality. Three signs of trouble are measured on every frame:

- inconsistency: the share of the mask where following the flow back and forth
  does not return to the same pixel (occlusion, fast motion, flow errors);
- area jump: how much the mask's area changed since the previous frame;
- correction: how much the graph cut had to move the carried mask to fit the
  image (1 - IoU of carried and snapped masks): a cut that moves a lot means
  flow and appearance disagree.

Errors accumulate along a run, so the score is a running product: each frame
multiplies the previous frame's score by its own quality. A mask carried far
from its keyframe through doubtful frames ends with a low score even when each
step looked fine. The weights were fitted on the fit part of the DAVIS-2016
train split by rank correlation with J (see the closing notes).
"""

from __future__ import annotations

import math

INCONSISTENCY_WEIGHT = 1.0
AREA_JUMP_WEIGHT = 1.0
CORRECTION_WEIGHT = 1.0


def frame_quality(consistent: float, area_ratio: float, carried_iou: float) -> float:
    """One frame's quality in (0, 1]: 1 when nothing looks wrong.

    consistent: share of mask pixels passing the forward-backward check, [0, 1].
    area_ratio: area now / area on the previous frame, > 0.
    carried_iou: IoU of the carried mask and the final mask, [0, 1] (1 without a cut).
    """
    badness = (
        INCONSISTENCY_WEIGHT * (1.0 - consistent)
        + AREA_JUMP_WEIGHT * abs(math.log(max(area_ratio, 1e-6)))
        + CORRECTION_WEIGHT * (1.0 - carried_iou)
    )
    return math.exp(-badness)
