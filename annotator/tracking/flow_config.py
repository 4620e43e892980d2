"""The flow backend's settings and per-object state (``annotator.tracking.flow``).

Masks are (H, W) uint8 0/1 or float32 in [0, 1]; points (x, y) in frame pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from annotator.tracking.appearance import ColourModel, CutWeights
from annotator.tracking.box_mask import BoxMaskConfig
from annotator.tracking.hidden_parts import HiddenParts
from annotator.tracking.refind import LEAST_PATTERN, Look


@dataclass(frozen=True)
class FlowConfig:
    """Settings of the flow backend.

    preset: DIS preset name (speed against accuracy on large motion).
    max_side: flow is computed on frames scaled to this longer side, at most.
    consistency_px: forward-backward error (frame pixels) above which a pixel is inconsistent.
    soft: without ``refine``, carry the mask as a probability between frames
        (else re-threshold it every frame, which erodes thin parts).
    refine: snap the carried mask to the image with a graph cut every frame.
    cut: the graph cut's weights.
    box: how a box becomes a mask (``annotator.tracking.box_mask``).
    reacquire: search for an object whose mask shrank under ``lost_area`` x its
        keyframe's area (hidden, or left on an occluder).
    least_match: the normalised template match a place needs to be taken.
    least_pattern: the correlation coefficient it needs too (brightness alone
        matches plain patches).
    unlike: a placed pixel whose blurred colour differs from the keyframe's by
        more than this (mean over channels, 0-255) is taken as still hidden.
    match_margin: by how much it must beat the match where the mask is now.
    moved_least, least_added: a place whose centre is within ``moved_least`` object
        sizes of the mask's is where the object already is; it is taken only if what it
        adds to the mask looks like the keyframe there (grey-level correlation at least
        ``least_added``). Else the object changed shape (wings folded): it was not hidden.
    found_least: a place is taken only if the mask snapped there keeps at least this
        share of the keyframe's area; less is a look-alike that the image does not
        bear out, and taking it gave up a mask that was still on the object.
    search_growth: the search reaches (1 + growth x frames lost) object sizes.
    search_frames: the search gives up after this many frames: the object has
        left, or what was lost was a keyframe's wrong part, not the object.
    colour_score: the score is the running area quality times ``colour_quality``
        to this power (``annotator.tracking.flow_score``); 0 leaves colour out.
    still: the motion cue of the snap (``FlowTracker._still``): while the
        object moves unlike the camera (the median over its carried mask of
        ``CameraMotion.unlike`` is over ``moving_least``), the carried pixels
        that move with the camera (``unlike`` under ``still_within``) and have
        the surround's colours (log-ratio under 0) are taken as background
        left behind, and the cut may drop them (``CutWeights.still``).
    score_zoom: the score's area term expects the area the flow says the object
        has now (``flow_score.flow_zoom``), not the last frame's: an object
        coming closer does not lose score for growing.
    hidden_decay: parts of the object that go out of sight behind something are
        carried by its motion, fading by this a frame, and taken back when they
        come into sight again (``annotator.tracking.hidden_parts``); 0 turns it off.
    hidden_least: a part comes back only if it is at least this share of the
        carried mask.
    """

    preset: str = "medium"
    max_side: int = 1024
    consistency_px: float = 1.5
    soft: bool = True
    refine: bool = True
    cut: CutWeights = field(default_factory=CutWeights)
    box: BoxMaskConfig = field(default_factory=BoxMaskConfig)
    reacquire: bool = True
    lost_area: float = 0.35
    least_match: float = 0.9
    least_pattern: float = LEAST_PATTERN
    unlike: float = 40.0
    match_margin: float = 0.02
    moved_least: float = 0.5
    least_added: float = 0.5
    found_least: float = 0.35
    search_growth: float = 0.5
    search_frames: int = 12
    colour_score: float = 2.0
    still: bool = True
    still_within: float = 1.0
    moving_least: float = 2.0
    score_zoom: bool = True
    hidden_decay: float = 0.95
    hidden_least: float = 0.03


@dataclass(frozen=True)
class FlowState:
    """One object's state: its mask on the frame it was last seen, and that frame's grey image.

    gray: (h, w) uint8, the flow-resolution grey frame (shared between objects).
    prob: (H, W) float32 in [0, 1], the (soft) mask at full resolution.
    colours: the colour model learnt on the frame the object was started on.
    confidence: the running quality estimate of the carried mask (see flow_score).
    look: the keyframe's look, to re-find the object by (None: never re-found).
    seen: (cx, cy) where the object was last seen whole enough, frame pixels.
    lost_for: frames since then, while the mask is under ``lost_area``.
    key_fit: ``colours.fit`` of the keyframe's own mask, what a mask's colour fit is
        measured against (``flow_score.colour_quality``).
    hidden: the parts of the object out of sight on this frame (``hidden_parts``);
        None when none are known.
    """

    gray: np.ndarray
    prob: np.ndarray
    colours: ColourModel = field(repr=False)
    confidence: float = 1.0
    look: Look | None = field(default=None, repr=False)
    seen: tuple[float, float] | None = None
    lost_for: int = 0
    key_fit: float = 0.0
    hidden: HiddenParts | None = field(default=None, repr=False)

    @property
    def mask(self) -> np.ndarray:
        """(H, W) uint8 0/1."""
        return (self.prob > 0.5).astype(np.uint8)
