"""The built-in optical-flow backend: needs no weights, runs on any CPU.

Each object's mask is carried from one frame to the next with dense optical
flow (OpenCV's DIS, at full resolution up to ``max_side``). The flow of a frame
pair is computed once and shared by every object. Per frame and object, all in
a window around the object:

1. Warp: the backward flow (new frame -> old frame) gives, for each new pixel,
   where it came from; the old mask is sampled there. The mask is carried
   *soft* (float, bilinear), so thin parts are not eaten by re-thresholding
   every frame.
2. Snap (``refine``): a graph cut re-decides a band around the carried
   boundary from shape, the keyframe's colour model and image edges
   (``annotator.tracking.appearance``); pixels where the forward-backward flow
   check fails trust the carried shape less. This pulls a drifting boundary
   back onto the object. Flow also bleeds over the object's edges and drags
   some background along, which then stays where it is while the object moves
   on: soon deep inside the mask, where the shape term holds it for good (a
   rhino's mask kept the bush it passed, an elephant's the rocks). So while
   the object moves unlike the camera, the carried pixels that move with the
   camera and have the surround's colours may leave at any depth (``still``).
   Carrying the true frame-0 mask to the end: J&F 0.691 -> 0.709 on the fit
   part of the DAVIS-2016 train split and 0.623 -> 0.641 on the held-out part
   (no held-out sequence lower); a keyframe every 10 frames: 0.9345 -> 0.9321
   (fit; planted feet and textureless backs move with the camera too) and
   0.8591 -> 0.8595 (held-out).
3. Re-find (``reacquire``): flow cannot follow an object behind an occluder
   (a tree, a pole): the mask stays on the occluder, shrinks and is lost for
   good. While the mask is under ``lost_area`` of the keyframe's, the keyframe's
   look is searched for around where the object was last seen, further each
   frame (``annotator.tracking.refind.search_near``). A place must match in
   brightness and in pattern (a pale pole matches a white ball in brightness
   only), and beat the place where the mask is now. The keyframe's mask goes
   there, less the pixels that do not look like the keyframe (still hidden),
   and is snapped to the image. A mask also shrinks when the object changes
   shape (a bird folds its wings): a place found where the mask already lies
   is taken only if what it adds looks like the keyframe (``_reshaped``), or
   the old outline would be painted back over the background. A place whose
   snapped mask keeps under ``found_least`` of the keyframe's area is a
   look-alike the image does not bear out, and is turned down. The search
   gives up after ``search_frames``. A box's GrabCut mask is searched by too
   (see ``init``). On the fit part of the DAVIS-2016 train split,
   carrying the true frame-0 mask to the end: J&F 0.633 -> 0.692 (soccerball
   0.08 -> 0.57, swing 0.11 -> 0.46, kite-walk 0.68 -> 0.81, bus 0.62 -> 0.71;
   no sequence lower); the held-out part has no such occlusion and is
   unchanged (0.623), and with a keyframe every 20 frames nothing is lost long
   enough to matter (0.904 either way).

4. Parts that come back (``hidden_parts``): an object passing behind a thin
   occluder (a post, a pole) loses the part behind it, and flow never brings
   that part back when it comes out on the other side. The parts going out of
   sight are carried by the object's own motion while hidden, and taken back
   where the flow is unsure, the colour is the object's and the part is big
   enough. Carrying the true frame-0 mask to the end: J&F 0.7094 -> 0.7131 on
   the fit part of the DAVIS-2016 train split (swing 0.48 -> 0.56) and
   0.641 -> 0.682 on the held-out part (motorbike 0.57 -> 0.72, scooter-gray
   0.29 -> 0.46, mallard-fly 0.53 -> 0.57; no held-out sequence lower); a
   keyframe every 10 frames: 0.9325 -> 0.9327 (fit), 0.8595 -> 0.8602
   (held-out; motorbike 0.922 -> 0.911).

Filling holes and dropping specks after each step lost on the train split
(J&F 0.848 against 0.874 for a plain warp, keyframe every 10 frames): real
objects have holes and detached parts (a bicycle, a kite and its lines).

The score (``annotator.tracking.flow_score``) predicts the mask's quality.
A box starts an object with GrabCut inside the box, told by a neighbouring
frame what moves (``annotator.tracking.box_mask``).

Frames are RGB uint8 (H, W, 3); masks (H, W) uint8 0/1; boxes xywh in pixels.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import cv2
import numpy as np

from annotator.tracking.appearance import ColourModel, snap_to_image
from annotator.tracking.base import TrackResult, box_from_init
from annotator.tracking.box_mask import box_mask
from annotator.tracking.flow_config import FlowConfig, FlowState
from annotator.tracking.flow_score import colour_quality, flow_zoom, frame_quality
from annotator.tracking.flowfield import PairFlow, warp_window
from annotator.tracking.geometry import box_polygon, centre_of, mask_bbox
from annotator.tracking.hidden_parts import coming_back, hidden_after
from annotator.tracking.refind import Look, Sighting, search_near

log = logging.getLogger(__name__)

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


# A search never reaches further than this many object sizes, so a long-lost
# object costs a bounded search per frame.
MAX_SEARCH_SIZES = 6.0
# The score of a mask found again: under the timeline's doubtful threshold, so
# the user is pointed at it, but not zero, so it does not look gone.
FOUND_AGAIN_SCORE = 0.45


class FlowTracker:
    """The optical-flow backend of the ``Tracker`` interface (see ``annotator.tracking.base``)."""

    name = "flow"
    device_label = "CPU"

    def __init__(self, config: FlowConfig | None = None) -> None:
        self.config = config or FlowConfig()
        if self.config.preset not in PRESETS:
            raise ValueError(f"unknown DIS preset {self.config.preset!r}")
        self._dis = cv2.DISOpticalFlow_create(PRESETS[self.config.preset])  # type: ignore[attr-defined]  # absent from cv2's stubs
        # The last frame converted to grey, so that objects started or tracked on
        # the same frame share one grey image and one flow computation.
        self._last_gray: tuple[np.ndarray, np.ndarray] | None = None

    # -- Tracker interface -----------------------------------------------------------
    def init(
        self,
        frame: np.ndarray,
        box: tuple[float, float, float, float] | None = None,
        mask: np.ndarray | None = None,
        neighbour: np.ndarray | None = None,
    ) -> FlowState:
        """Start an object on an RGB frame from an xywh ``box`` or a binary ``mask``; given
        both (a box init being propagated), from the mask, which is what the user sees.

        A box alone becomes a mask by ``box_mask``, which uses ``neighbour`` (another
        frame of the shot, see ``box_mask.neighbour_index``) to tell what moves.
        """
        found = box_from_init(frame, box, mask)
        if mask is None:
            mask = box_mask(frame, found, neighbour, self.config.box)
        binary = (mask > 0).astype(np.uint8)
        colours = ColourModel.learn(frame, binary)
        # A box's GrabCut mask is searched by too, although it may hold some
        # background that the run later sheds: ``found_least`` turns down the places
        # that only such background matches. Round 0 of eval-interactive (box, then a
        # forward run) on the train split's fit part: J&F 0.568 -> 0.614.
        look = Look.of(frame, binary) if self.config.reacquire else None
        return FlowState(
            self.gray(frame),
            binary.astype(np.float32),
            colours,
            look=look,
            seen=centre_of(binary),
            key_fit=colours.fit(frame, binary),
        )

    def look_from(self, state: FlowState, frame: np.ndarray, mask: np.ndarray) -> FlowState:
        """``state`` searching by the object's look on another keyframe (``frame``, RGB, and
        ``mask``), one that shows more of it than the start frame."""
        if not self.config.reacquire:
            return state
        look = Look.of(frame, (mask > 0).astype(np.uint8))
        return state if look is None else replace(state, look=look)

    def track(self, frame: np.ndarray, states: list[FlowState]) -> list[TrackResult]:
        """Carry every object's mask onto ``frame``; one flow field per distinct previous frame."""
        if not states:
            return []
        gray = self.gray(frame)
        flows: dict[int, PairFlow] = {}
        results = []
        for st in states:
            key = id(st.gray)
            if key not in flows:
                backward, forward = self.flow_pair(st.gray, gray)
                flows[key] = PairFlow.of(backward, forward, frame.shape[:2])
            results.append(self._advance(frame, gray, st, flows[key]))
        return results

    def describe_init(self, frame: np.ndarray, states: list[FlowState]) -> list[TrackResult]:
        """The init masks themselves (GrabCut's, for a box), states unchanged."""
        return [self._result(st.mask, 1.0, st) for st in states]

    # -- steps -------------------------------------------------------------------------
    def gray(self, frame: np.ndarray) -> np.ndarray:
        if self._last_gray is not None and self._last_gray[0] is frame:
            return self._last_gray[1]
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        scale = self.config.max_side / max(gray.shape)
        if scale < 1:
            size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        gray.flags.writeable = False
        self._last_gray = (frame, gray)
        return gray

    def flow_pair(self, prev: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(backward, forward) flows (h, w, 2) float32: cur -> prev and prev -> cur."""
        return self._dis.calc(cur, prev, None), self._dis.calc(prev, cur, None)

    def _advance(
        self, frame: np.ndarray, gray: np.ndarray, st: FlowState, flow: PairFlow
    ) -> TrackResult:
        """One object onto the new frame; all the work happens in a window around it."""
        cfg = self.config
        previous = st.mask
        box = mask_bbox(previous)
        if box is None:  # the object has left or is hidden: gone unless it is found again
            gone = replace(st, gray=gray, confidence=0.0, hidden=None)
            return self._reacquire(frame, 0, self._result(previous, 0.0, gone))
        x0, y0, x1, y1 = flow.window(box, frame.shape[:2])
        back, error = flow.at(x0, y0, x1, y1)
        carried = warp_window(st.prob, back, x0, y0)
        unsure = error > cfg.consistency_px
        window = frame[y0:y1, x0:x1]
        # The carried mask as the snap, the motion cue and the zoom see it; thresholded once.
        inside = carried > 0.5
        something = bool(inside.any())
        # The snap and the score both weigh the window's colours: looked up once, and
        # not at all for an empty mask, which neither snaps nor has a colour fit.
        wanted = something and (cfg.refine or cfg.colour_score > 0)
        colour = st.colours.llr(window) if wanted else None
        hidden = None
        if cfg.hidden_decay > 0:
            reliable = inside & ~unsure
            window_box = (x0, y0, x1, y1)
            hidden = hidden_after(st.hidden, previous, box, flow, back, reliable, window_box, cfg)
        if hidden is not None:
            coming = coming_back(hidden.share, carried, unsure, colour, cfg.hidden_least)
            if coming.any():
                carried = np.where(coming, hidden.share, carried)
                inside = carried > 0.5
        if cfg.refine and something:
            still = self._still(inside, colour, back, x0, y0, flow)
            part = snap_to_image(window, carried, colour, cfg.cut, unsure, still)
            soft = part.astype(np.float32)
        else:
            part = inside.astype(np.uint8)
            soft = carried if cfg.soft else part.astype(np.float32)
        prob = np.zeros_like(st.prob)
        prob[y0:y1, x0:x1] = soft
        mask = np.zeros(st.prob.shape, np.uint8)
        mask[y0:y1, x0:x1] = part
        area = float(np.count_nonzero(part))
        expected = float(np.count_nonzero(previous))
        if cfg.score_zoom:
            expected *= flow_zoom(back, inside)
        quality = frame_quality(area, expected)
        confidence = st.confidence * quality if area > 0 else 0.0
        score = confidence
        if colour is not None and cfg.colour_score > 0 and area > 0:
            fit = float(colour[part > 0].mean())
            score *= colour_quality(fit, st.key_fit) ** cfg.colour_score
        if hidden is not None:
            hidden = hidden.without(part)
        state = replace(st, gray=gray, prob=prob, confidence=confidence, hidden=hidden)
        return self._reacquire(frame, int(area), self._result(mask, score, state))

    def _still(
        self,
        inside: np.ndarray,
        colour: np.ndarray | None,
        back: np.ndarray,
        x0: int,
        y0: int,
        flow: PairFlow,
    ) -> np.ndarray | None:
        """(h, w) bool: the window's carried pixels that stayed behind with the background.

        Flow bleeds over an object's edges and drags some background along; that
        part then stays where it is while the object moves on, still joined to the
        mask, and deep inside it soon, where the shape term holds it for good (a
        rhino's mask keeps the bush behind it, an elephant's the rocks). None when
        the cue is off, or says nothing: no camera fit, or the object moves with
        the camera (it moves no more than its background does).

        inside: (h, w) bool, the carried mask; colour: (h, w) ``ColourModel.llr``;
        back: (h, w, 2) backward flow in frame pixels, the window at (x0, y0).
        """
        cfg = self.config
        if not cfg.still or colour is None or flow.camera is None:
            return None
        unlike = flow.camera.unlike(back, x0, y0, inside)
        if float(np.median(unlike)) <= cfg.moving_least:
            return None
        still = np.zeros_like(inside)
        # The colour too: a foot on the ground stays with the camera as well.
        still[inside] = (unlike < cfg.still_within) & (colour[inside] < 0)
        return still

    def _reacquire(self, frame: np.ndarray, area: int, result: TrackResult) -> TrackResult:
        """``result``, or the object found again by its keyframe's look when its mask is lost.

        area: the pixels in ``result.mask``, already counted by the caller.
        """
        cfg, st = self.config, result.state
        look = st.look
        if look is None or st.seen is None:
            return result
        # result.center is the mask's own box centre (see _result) once it is not empty.
        current = result.center if area > 0 else None
        if area >= cfg.lost_area * look.area:
            return replace(result, state=replace(st, seen=current, lost_for=0))
        lost_for = st.lost_for + 1
        # Every way below of not finding it keeps the mask and counts the frame lost.
        still_lost = replace(result, state=replace(st, lost_for=lost_for))
        if lost_for > cfg.search_frames:
            return still_lost
        size = max(look.piece.shape)
        reach = size * min(1.0 + cfg.search_growth * lost_for, MAX_SEARCH_SIZES)
        seen = search_near(look, frame, st.seen, reach, current)
        if (
            seen is None
            or seen.match < cfg.least_match
            or seen.pattern < cfg.least_pattern
            or seen.match - seen.here < cfg.match_margin
        ):
            return still_lost
        placed = look.place_visible(frame, seen.x, seen.y, cfg.unlike)
        if current is not None and self._reshaped(frame, look, seen, placed, result, current):
            return replace(result, state=replace(st, seen=current, lost_for=lost_for))
        box = mask_bbox(placed)
        if box is None:  # every placed pixel still hidden
            return still_lost
        x, y, w, h = box
        pad = int(cfg.cut.band_px) + 4
        height, width = placed.shape
        x0, y0 = max(x - pad, 0), max(y - pad, 0)
        x1, y1 = min(x + w + pad, width), min(y + h + pad, height)
        window = frame[y0:y1, x0:x1]
        carried = placed[y0:y1, x0:x1].astype(np.float32)
        part = snap_to_image(window, carried, st.colours.llr(window), cfg.cut)
        if int(np.count_nonzero(part)) < cfg.found_least * look.area:
            return still_lost
        again = np.zeros_like(placed)
        again[y0:y1, x0:x1] = part
        log.debug("object found again after %d frames (match %.3f)", lost_for, seen.match)
        found = self._result(again, FOUND_AGAIN_SCORE, st)
        state = replace(
            st,
            prob=again.astype(np.float32),
            confidence=FOUND_AGAIN_SCORE,
            seen=found.center if part.any() else None,
            lost_for=0,
        )
        return replace(found, state=state)

    def _reshaped(
        self,
        frame: np.ndarray,
        look: Look,
        seen: Sighting,
        placed: np.ndarray,
        result: TrackResult,
        current: tuple[float, float],
    ) -> bool:
        """Whether the place found is where the mask already is (its centre within
        ``moved_least`` object sizes of ``current``, the mask's (cx, cy)) and the pixels it
        would add do not look like the keyframe's: the object changed shape, and the
        keyframe's outline would only paint its old shape back over the background.

        placed: (H, W) uint8, the keyframe's mask at ``seen`` less its unlike pixels.
        """
        cfg = self.config
        ph, pw = look.piece.shape
        apart = np.hypot(seen.x + pw / 2 - current[0], seen.y + ph / 2 - current[1])
        if apart >= cfg.moved_least * max(ph, pw):
            return False
        added = (placed > 0) & (result.mask == 0)
        like = look.likeness(frame, seen.x, seen.y, added)
        log.debug("found where the mask is: what it adds looks %.3f alike", like)
        return like < cfg.least_added

    def _result(self, mask: np.ndarray, score: float, state: FlowState) -> TrackResult:
        tight = mask_bbox(mask)
        bbox = tight if tight is not None else (0.0, 0.0, 0.0, 0.0)
        x, y, w, h = bbox
        # Flow carries a mask, not a box: its "rotated box" is the mask's own box, which the
        # window does not draw (a tilted rectangle around every mask only adds clutter).
        polygon = box_polygon(bbox)
        return TrackResult(
            polygon=polygon,
            bbox=bbox,
            center=(x + w / 2, y + h / 2),
            size=(w, h),
            score=float(score),
            state=state,
            full_mask=mask,
        )
