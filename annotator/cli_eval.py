"""The evaluation commands: ``eval-sim`` (ground-truth keyframes) and ``eval-interactive``
(a box, then correction strokes)."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli_options import add_tracker_options, say_tracker
from annotator.core.atomic import write_text_atomic
from annotator.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.commands.eval_interactive import Correction


def _seq_list(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


def _simulation_parser(sub: Any, name: str, help_text: str) -> Any:
    """A parser with what both simulated users take: the root, the sequences, jobs, JSON,
    and the tracker options."""
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("root", type=Path, help="DAVIS root: JPEGImages/480p, Annotations/480p")
    parser.add_argument("--seq", type=_seq_list, help="a,b")
    parser.add_argument("--jobs", type=int, default=1, help="sequences run in parallel processes")
    parser.add_argument("--json", action="store_true", help="print only the JSON report")
    add_tracker_options(parser)
    return parser


def add_eval_parsers(sub: Any) -> None:
    """Add ``eval-sim`` and ``eval-interactive`` to the CLI's subparsers."""
    sim = _simulation_parser(sub, "eval-sim", "simulate an annotator on DAVIS sequences")
    sim.add_argument("--frames", type=Path, help="frames folder for a single --seq")
    sim.add_argument("--keyframe-every", type=int, help="a user keyframe every N frames")
    sim.add_argument(
        "--curve",
        action="store_true",
        help="the effort curve: no keyframes, then a keyframe every 20, 10 and 5 frames",
    )
    inter = _simulation_parser(
        sub, "eval-interactive", "simulate a user who draws a box, then correction strokes"
    )
    inter.add_argument("--rounds", type=int, default=8, help="correction rounds after the box")
    users = inter.add_mutually_exclusive_group()
    users.add_argument(
        "--perfect",
        action="store_true",
        help="correct with the ground-truth mask instead of strokes (the upper bound)",
    )
    users.add_argument(
        "--exact-regions",
        action="store_true",
        help="set the two regions the strokes go on to the truth (a perfect stroke tool)",
    )
    inter.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="write each round's correction (frame, J before and after it) as JSON",
    )


def _correction(args: argparse.Namespace) -> Correction:
    if args.perfect:
        return "truth"
    return "regions" if args.exact_regions else "strokes"


def cmd_eval_sim(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.commands.eval_report import effort_to_reach, format_curve, format_sequences
    from annotator.commands.eval_sim import eval_sim, find_sequences
    from annotator.tracking.factory import create_tracker

    if args.jobs < 1:
        raise AnnotatorError("--jobs must be at least 1")
    if args.curve and args.keyframe_every is not None:
        raise AnnotatorError("--curve runs its own keyframe settings; drop --keyframe-every")
    sequences = find_sequences(args.root, args.seq, args.frames)
    factory = partial(create_tracker, args.tracker, args.weights, args.device, half=args.half)
    say_tracker(factory())
    settings: dict[str, int | None] = (
        {"none": None, "every 20": 20, "every 10": 10, "every 5": 5}
        if args.curve
        else {"run": args.keyframe_every}
    )
    reports = {}
    for label, every in settings.items():
        # Per sequence, not per frame: sequences finish in worker processes.
        desc = label if args.curve else "sequences"
        with tqdm(total=len(sequences), unit="seq", desc=desc, file=sys.stderr) as bar:
            reports[label] = eval_sim(
                sequences, factory, every, on_sequence=lambda *_: bar.update(1), jobs=args.jobs
            )
        if not args.json:
            title = f"keyframes: {label}\n" if args.curve else ""
            sys.stderr.write(title + format_sequences(reports[label]) + "\n")
    if not args.curve:
        sys.stdout.write(json.dumps(reports["run"]) + "\n")
        return 0
    curve = [{"keyframes_per_100": r["keyframes_per_100"], "JF": r["JF"]} for r in reports.values()]
    effort = effort_to_reach(curve)
    if not args.json:
        sys.stderr.write(format_curve(reports, effort) + "\n")
    sys.stdout.write(json.dumps({"settings": reports, "keyframes_per_100_for_085": effort}) + "\n")
    return 0


def cmd_eval_interactive(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.commands.eval_interactive import eval_interactive, format_report
    from annotator.commands.eval_sim import find_sequences
    from annotator.tracking.factory import create_tracker

    if args.jobs < 1:
        raise AnnotatorError("--jobs must be at least 1")
    sequences = find_sequences(args.root, args.seq)
    factory = partial(create_tracker, args.tracker, args.weights, args.device, half=args.half)
    say_tracker(factory())
    failures: list[str] = []
    traces: dict[str, Any] = {}

    def done(name: str, result: dict[str, Any] | None) -> None:
        bar.update(1)
        if result is not None:
            traces[name] = result["corrections"]

    with tqdm(total=len(sequences), unit="seq", desc="sequences", file=sys.stderr) as bar:
        report = eval_interactive(
            sequences,
            factory,
            args.rounds,
            _correction(args),
            args.jobs,
            on_sequence=done,
            on_failure=lambda name, msg: failures.append(
                msg if msg.startswith(f"{name}:") else f"{name}: {msg}"
            ),
        )
    if not args.json:
        sys.stderr.write(format_report(report) + "\n")
    for line in failures:
        sys.stderr.write(f"failed: {line}\n")
    # The report first: a trace file that cannot be written must not cost it.
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    if args.trace is not None:
        ordered = {s.name: traces[s.name] for s in sequences if s.name in traces}
        write_text_atomic(args.trace, json.dumps(ordered, indent=1) + "\n")
    return 1 if failures else 0
