"""``annotator eval-interactive``: a simulated user who boxes an object, then corrects it.

Per sequence, through the same functions the window calls:

- Round 0: the ground truth's bounding box on frame 0 becomes the object
  (``add_box_objects``), which is then propagated to the end.
- Rounds 1..R: the frame with the lowest J that is not yet a keyframe is
  picked; on it the user paints the strokes of ``annotator.commands.scribble``
  for every object and applies the stroke tool (``stroke_edit``); an object
  the truth does not show on that frame is marked absent there instead (the
  window's "hidden on this frame"), which every user does alike. Two other
  users give upper bounds: ``correction="regions"`` sets exactly the two
  regions the strokes are painted on (the largest missing and the largest
  wrong region) to the truth, which is what a perfect stroke tool would do for
  this user; ``correction="truth"`` replaces the masks by the ground truth
  (the upper bound of any correction tool). That frame is a keyframe;
  propagation runs forward and backward from it, each run stopping at the
  neighbouring keyframes.
- After each round: J, F and J&F over all frames but frame 0 (per object,
  then the mean over objects), computed on the label image export writes.

Objects not visible on frame 0 are not played.

Each sequence's result also lists its ``corrections`` (``--trace`` writes
them): per round, the frame corrected, J&F over the sequence before and after
the round, and per object the J of that frame before the correction, after
it, and with the two regions set exactly to the truth (the exact-regions
user), so a round that loses can be told apart: a weak correction, or a good
one whose propagation spoils other frames.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Literal, get_args

import numpy as np

from annotator.commands.edits import current_mask, stroke_edit, user_mask_edit
from annotator.commands.eval_sim import Sequence, TrackerFactory
from annotator.commands.evaluate import score_frame
from annotator.commands.parallel import run_each
from annotator.commands.propagate import add_box_objects, run_propagation
from annotator.commands.scribble import correct_regions, correction_strokes
from annotator.core.model import AnnotationModel
from annotator.errors import AnnotatorError
from annotator.formats.palette import compose_labels, read_label_png
from annotator.mask_blend import mask_iou
from annotator.propagation import Direction, PropagationPlan, neighbour_frame
from annotator.tracking.base import Tracker
from annotator.tracking.geometry import mask_bbox
from annotator.video.frame_source import FrameSource, open_source

log = logging.getLogger(__name__)

DEFAULT_ROUNDS = 8


Correction = Literal["strokes", "regions", "truth"]
CORRECTIONS: tuple[Correction, ...] = get_args(Correction)


def play(
    seq: Sequence, tracker: Tracker, rounds: int, correction: Correction = "strokes"
) -> dict[str, Any]:
    """One sequence: ``{"init_J": float, "rounds": [{"round", "J", "F", "JF"}, ...]}``."""
    with open_source(seq.frames) as source:
        if len(seq.annotations) != len(source):
            raise AnnotatorError(
                f"{seq.name}: {len(source)} frames but {len(seq.annotations)} annotations"
            )
        if len(source) < 2:
            raise AnnotatorError(f"{seq.name}: needs at least two frames")
        gts = [read_label_png(p) for p in seq.annotations]
        truth_ids = [int(v) for v in np.unique(gts[0]) if v != 0]
        if not truth_ids:
            raise AnnotatorError(f"{seq.name}: no object is visible on frame 0")
        model = AnnotationModel(len(source), history_bytes=0)
        first = source[0]
        # Every id here is on frame 0, so its box is never None.
        boxes = [b for k in truth_ids if (b := mask_bbox(gts[0] == k)) is not None]
        ids = add_box_objects(model, tracker, first, 0, boxes, neighbour=neighbour_frame(source, 0))
        pairs = list(zip(ids, truth_ids, strict=True))
        shape = gts[0].shape
        init_j = float(
            np.mean([mask_iou(current_mask(model, i, 0, shape), gts[0] == t) for i, t in pairs])
        )
        run_propagation(model, source, tracker, PropagationPlan.from_model(model, 0, "forward"))
        keyframes = {0}
        per_frame, summary = measure(model, gts, pairs)
        history = [{"round": 0, **summary}]
        corrections = []
        for r in range(1, rounds + 1):
            open_frames = {f: j for f, j in per_frame.items() if f not in keyframes}
            if open_frames:
                frame = min(open_frames, key=lambda f: (open_frames[f], f))
                before = frame_scores(model, gts[frame], frame, pairs)
                correct(model, source, tracker, frame, gts[frame], pairs, correction)
                keyframes.add(frame)
                after = frame_scores(model, gts[frame], frame, pairs, regions=False)
                jf_before = summary["JF"]
                per_frame, summary = measure(model, gts, pairs)
                objects = [
                    {"object": t, "J_before": b[0], "J_after": a[0], "J_regions": b[1]}
                    for t, b, a in zip((t for _, t in pairs), before, after, strict=True)
                ]
                corrections.append(
                    {
                        "round": r,
                        "frame": frame,
                        "JF_before": jf_before,
                        "JF_after": summary["JF"],
                        "objects": objects,
                    }
                )
            history.append({"round": r, **summary})
    return {"init_J": init_j, "rounds": history, "corrections": corrections}


def frame_scores(
    model: AnnotationModel,
    truth: np.ndarray,
    frame: int,
    pairs: list[tuple[int, int]],
    regions: bool = True,
) -> list[tuple[float, float]]:
    """Per object: (J of its mask on ``frame``, J once its two stroked regions are exact).

    With ``regions`` False the second is not computed (NaN): after a correction
    only the first is reported.
    """
    out = []
    for object_id, truth_id in pairs:
        target = truth == truth_id
        mask = current_mask(model, object_id, frame, truth.shape)
        exact = mask_iou(correct_regions(target, mask), target) if regions else float("nan")
        out.append((mask_iou(mask, target), exact))
    return out


def correct(
    model: AnnotationModel,
    source: FrameSource,
    tracker: Tracker,
    frame: int,
    truth: np.ndarray,
    pairs: list[tuple[int, int]],
    correction: Correction,
) -> None:
    """One round's correction on ``frame``, then propagation both ways from it."""
    for object_id, truth_id in pairs:
        target = (truth == truth_id).astype(np.uint8)
        if not target.any():
            # The object is hidden or gone here: a person says so (the window's
            # "hidden on this frame") instead of painting its mask out stroke by stroke.
            model.apply(model.mark_absent(object_id, frame, frame + 1))
            continue
        if correction == "truth":
            model.apply(user_mask_edit(model, object_id, frame, target, "ground truth"))
            continue
        mask = current_mask(model, object_id, frame, target.shape)
        if correction == "regions":
            fixed = correct_regions(target, mask)
            model.apply(user_mask_edit(model, object_id, frame, fixed, "stroke regions"))
            continue
        strokes = correction_strokes(target, mask)
        if strokes:
            model.apply(stroke_edit(model, object_id, frame, source.__getitem__, strokes))
        else:
            # Nothing worth a stroke: the user accepts the mask, which locks it.
            model.apply(user_mask_edit(model, object_id, frame, mask, "accept"))
    for direction in (Direction.FORWARD, Direction.BACKWARD):
        plan = PropagationPlan.from_model(model, frame, direction)
        if plan.runs:
            run_propagation(model, source, tracker, plan)


def measure(
    model: AnnotationModel, gts: list[np.ndarray], pairs: list[tuple[int, int]]
) -> tuple[dict[int, float], dict[str, float]]:
    """Per-frame J (mean over objects) and overall J, F, JF over frames 1..N-1."""
    shape = gts[0].shape
    per_frame: dict[int, float] = {}
    js: dict[int, list[float]] = {t: [] for _, t in pairs}
    fs: dict[int, list[float]] = {t: [] for _, t in pairs}
    for f in range(1, len(gts)):
        masks = [(t, current_mask(model, i, f, shape)) for i, t in pairs]
        pred = compose_labels(shape, masks)
        scores = score_frame(pred, gts[f], [t for _, t in pairs])
        for t, (j, fm) in scores.items():
            js[t].append(j)
            fs[t].append(fm)
        per_frame[f] = float(np.mean([j for j, _ in scores.values()]))
    j = float(np.mean([np.mean(v) for v in js.values()]))
    f_ = float(np.mean([np.mean(v) for v in fs.values()]))
    return per_frame, {"J": j, "F": f_, "JF": (j + f_) / 2}


def _play_in_worker(
    factory: TrackerFactory, seq: Sequence, rounds: int, correction: Correction
) -> dict[str, Any]:
    return play(seq, factory(), rounds, correction)


def eval_interactive(
    sequences: list[Sequence],
    factory: TrackerFactory,
    rounds: int = DEFAULT_ROUNDS,
    correction: Correction = "strokes",
    jobs: int = 1,
    on_sequence: Callable[[str, dict[str, Any] | None], None] | None = None,
    on_failure: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Play every sequence; a sequence that fails is reported and left out of the means.

    Returns ``{"init_J", "rounds": [{"round", "J", "F", "JF"}], "auc_JF",
    "sequences": {name: {"init_J", "rounds"}}}``; overall figures are means
    over sequences, and ``auc_JF`` is the mean JF over rounds 0..R.
    """
    if rounds < 0:
        raise AnnotatorError("--rounds must be at least 0")
    results: dict[str, dict[str, Any]] = {}

    def done(name: str, result: dict[str, Any]) -> None:
        results[name] = result
        if on_sequence is not None:
            on_sequence(name, result)

    def failed(name: str, message: str) -> None:
        log.error("%s failed: %s", name, message)
        if on_failure is not None:
            on_failure(name, message)
        if on_sequence is not None:
            on_sequence(name, None)

    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}")
    work = partial(_play_in_worker, factory, rounds=rounds, correction=correction)
    run_each(work, [(s.name, s) for s in sequences], jobs, done, failed)
    if not results:
        raise AnnotatorError("every sequence failed")
    # The report holds exactly init_J and rounds per sequence; on_sequence saw the rest.
    ordered = {
        s.name: {"init_J": results[s.name]["init_J"], "rounds": results[s.name]["rounds"]}
        for s in sequences
        if s.name in results
    }
    return summarise(ordered)


def summarise(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Means over sequences of each round's J, F and JF; see ``eval_interactive``."""
    rounds = []
    for r, _ in enumerate(next(iter(results.values()))["rounds"]):
        entry: dict[str, Any] = {"round": r}
        for key in ("J", "F", "JF"):
            entry[key] = float(np.mean([s["rounds"][r][key] for s in results.values()]))
        rounds.append(entry)
    return {
        "init_J": float(np.mean([s["init_J"] for s in results.values()])),
        "rounds": rounds,
        "auc_JF": float(np.mean([e["JF"] for e in rounds])),
        "sequences": results,
    }


def format_report(report: dict[str, Any]) -> str:
    """A table: one row per sequence (init J, then J&F after each round), then the means."""
    count = len(report["rounds"])
    head = f"{'sequence':<22}{'init J':>8}" + "".join(f"{'r' + str(r):>7}" for r in range(count))
    lines = [head]
    rows = [(name, s) for name, s in report["sequences"].items()] + [("mean", report)]
    for name, s in rows:
        cells = "".join(f"{e['JF']:>7.3f}" for e in s["rounds"])
        lines.append(f"{name:<22}{s['init_J']:>8.3f}{cells}")
    lines.append(f"auc J&F {report['auc_JF']:.3f}")
    return "\n".join(lines)
