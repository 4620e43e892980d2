"""Headless command line: track, propagate, info, export, import, eval, eval-sim,
eval-interactive, weights, bench.

Every user error becomes one readable line on stderr and a non-zero exit
status, never a traceback. Ctrl-C exits with status 130 after the command has
left its outputs valid.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from annotator import __version__
from annotator.cli_bench import add_bench_parser, cmd_bench
from annotator.cli_eval import add_eval_parsers, cmd_eval_interactive, cmd_eval_sim
from annotator.cli_options import add_tracker_options, say_tracker
from annotator.core.model import MAX_OBJECT_ID
from annotator.errors import AnnotatorError
from annotator.formats.registry import EXPORT_FORMATS, ExportSettings

log = logging.getLogger("annotator")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def parse_box(text: str) -> tuple[float, float, float, float]:
    """'X,Y,W,H' -> a tuple of floats."""
    parts = text.replace(" ", "").split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"box {text!r} must be X,Y,W,H")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"box {text!r} must be four numbers X,Y,W,H") from exc
    return x, y, w, h


def parse_ids(text: str) -> list[int]:
    """'1,2' -> [1, 2]."""
    try:
        ids = [int(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} must be object ids like 1,2") from exc
    if not ids:
        raise argparse.ArgumentTypeError("give at least one object id")
    bad = [i for i in ids if not 1 <= i <= MAX_OBJECT_ID]
    if bad:
        raise argparse.ArgumentTypeError(f"object ids run from 1 to {MAX_OBJECT_ID}; got {bad[0]}")
    return ids


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="annotator", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    track = sub.add_parser("track", help="track boxes through a video, headless")
    track.add_argument("source", type=Path, help="video file or folder of frames")
    track.add_argument(
        "--box",
        action="append",
        type=parse_box,
        required=True,
        metavar="X,Y,W,H",
        help="an object to track; repeat for more",
    )
    track.add_argument("--start-frame", type=int, default=0)
    track.add_argument("--out", type=Path, help="output folder for masks/ and track.json")
    track.add_argument("--overwrite", action="store_true", help="write into a non-empty --out")
    track.add_argument(
        "--project", type=Path, help="record into this .annot project (created if missing)"
    )
    add_tracker_options(track)

    prop = sub.add_parser("propagate", help="propagate objects inside a project")
    prop.add_argument("project", type=Path, help=".annot project file")
    prop.add_argument("--from", dest="start", type=int, required=True, metavar="N")
    prop.add_argument("--direction", default="forward", choices=["forward", "backward"])
    prop.add_argument("--objects", type=parse_ids, help="object ids, e.g. 1,2 (default: all)")
    prop.add_argument(
        "--stop-below", type=float, help="stop an object after 3 frames scoring under this"
    )
    add_tracker_options(prop)

    info = sub.add_parser("info", help="print a project's summary as JSON")
    info.add_argument("project", type=Path)

    ex = sub.add_parser(
        "export",
        help="write a project as COCO, DAVIS, YouTube-VOS, mattes, EXR, RGBA, ProRes or video",
    )
    ex.add_argument("project", type=Path)
    ex.add_argument("--format", required=True, choices=list(EXPORT_FORMATS))
    ex.add_argument("--out", type=Path, required=True, help="a .json (coco), .mp4 or a folder")
    ex.add_argument("--objects", type=parse_ids, help="object ids, e.g. 1,2 (default: all)")
    ex.add_argument("--frames", help="A:B, frames A to B-1 (default: all)")
    ex.add_argument("--overwrite", action="store_true", help="replace an existing output")
    ex.add_argument(
        "--no-frames", action="store_true", help="davis, youtube-vos: no JPEGs; exr: no beauty RGB"
    )
    ex.add_argument("--feather", type=float, default=0.0, help="mattes: soft edge, pixels")
    ex.add_argument("--resize-480p", action="store_true", help="davis: scale to 480 rows")
    ex.add_argument(
        "--refine", action="store_true", help="mattes: soft mattes from each object's settings"
    )
    ex.add_argument("--exr-compression", choices=["zip", "piz", "dwaa", "none"], default="zip")
    ex.add_argument("--exr-type", choices=["half", "float"], default="half", help="exr channels")
    ex.add_argument("--bit-depth", type=int, choices=[8, 16], default=8, help="rgba PNGs")
    ex.add_argument("--premultiply", action="store_true", help="rgba: colour times alpha")

    im = sub.add_parser(
        "import", help="add DAVIS (2016 or 2017), COCO or YouTube-VOS masks as keyframes"
    )
    im.add_argument("project", type=Path, help="created if missing (then give --video)")
    which = im.add_mutually_exclusive_group(required=True)
    which.add_argument("--davis", type=Path, help="a DAVIS root or a folder of palette PNGs")
    which.add_argument("--coco", type=Path, help="a COCO .json with track_id per annotation")
    which.add_argument("--youtube-vos", type=Path, help="a YouTube-VOS root")
    im.add_argument("--video", type=Path, help="the video or frames, for a new project")
    im.add_argument("--seq", help="davis: the sequence to import from a root of several")
    im.add_argument(
        "--as-propagated",
        action="store_true",
        help="store the masks as propagated frames that propagation may replace, "
        "not as locked keyframes",
    )

    ev = sub.add_parser("eval", help="DAVIS J and F between two annotation folders")
    ev.add_argument("pred", type=Path, help="predicted annotations (DAVIS layout)")
    ev.add_argument("gt", type=Path, help="ground-truth annotations (DAVIS layout)")
    ev.add_argument("--json", type=Path, help="also write the JSON report here")
    ev.add_argument("--seq", type=lambda v: [s for s in v.split(",") if s], help="a,b: only these")

    add_eval_parsers(sub)

    weights = sub.add_parser("weights", help="list or download SiamMask checkpoints")
    wsub = weights.add_subparsers(dest="weights_command", required=True)
    wsub.add_parser("list", help="official checkpoints and where they are found")
    dl = wsub.add_parser("download", help="fetch a checkpoint into models/")
    dl.add_argument("name", nargs="?", default=None, help="checkpoint name (default: DAVIS)")

    add_bench_parser(sub)
    return parser


def _cmd_track(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.commands.project import open_or_create
    from annotator.commands.track import run_track
    from annotator.tracking.factory import create_tracker
    from annotator.video.frame_source import open_source

    if args.out is None and args.project is None:
        raise AnnotatorError("give --out DIR, --project FILE, or both")
    with open_source(args.source) as source:
        tracker = create_tracker(args.tracker, args.weights, args.device, half=args.half)
        say_tracker(tracker)
        store = open_or_create(args.project, source) if args.project else None
        total = len(source) - 1 - args.start_frame
        try:
            with tqdm(total=max(total, 0), unit="frame", desc="tracking", file=sys.stderr) as bar:
                done = run_track(
                    source,
                    tracker,
                    args.box,
                    args.out,
                    args.start_frame,
                    on_frame=lambda _i: bar.update(1),
                    model=store.model if store else None,
                    overwrite=args.overwrite,
                )
        finally:
            if store is not None:
                store.close()
    log.info("tracked %d frames", done)
    return 0


def _cmd_propagate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.session import Session

    session = Session(
        args.project.parent, args.tracker, args.weights, device=args.device, half=args.half
    )
    try:
        session.open_path(args.project)
        if session.store is not None and session.store.read_only:
            raise AnnotatorError(session.store.read_only_reason)
        run = session.start_run(args.start, args.direction, args.objects, args.stop_below)
        for object_id, why in run.plan.skipped.items():
            log.warning("object %d %s; it is not propagated", object_id, why)
        say_tracker(run.tracker)
        bar = tqdm(total=run.plan.frames, unit="frame", desc="propagating", file=sys.stderr)
        with bar, contextlib.closing(run.steps()) as steps:
            for step, _image in steps:
                session.apply_step(step)
                bar.update(1)
                if run.error:
                    raise AnnotatorError(run.error)
        log.info("propagated %d frames into %s", run.done, args.project)
    finally:
        session.close()  # ends the run's undo step too, also on Ctrl-C
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    import json

    from annotator.commands.project import project_info
    from annotator.store.project import ProjectStore

    with ProjectStore.open(args.project, read_only=True) as store:
        sys.stdout.write(json.dumps(project_info(store), indent=2) + "\n")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.commands.export import export_project

    settings = ExportSettings(
        overwrite=args.overwrite,
        with_frames=not args.no_frames,
        feather=args.feather,
        resize_480p=args.resize_480p,
        refine=args.refine,
        exr_compression=args.exr_compression,
        exr_type=args.exr_type,
        bit_depth=args.bit_depth,
        premultiply=args.premultiply,
    )
    with tqdm(unit="frame", desc=f"exporting {args.format}", file=sys.stderr) as bar:

        def total(n: int) -> None:
            bar.total = n  # known once the project is open: tqdm then shows time left
            bar.refresh()

        done = export_project(
            args.project,
            args.format,
            args.out,
            args.objects,
            args.frames,
            on_frame=lambda _f: bar.update(1),
            on_total=total,
            settings=settings,
        )
    log.info("wrote %s (%d frames)", args.out, done)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from annotator.commands.export import import_into_project

    for fmt, path in (
        ("davis", args.davis),
        ("coco", args.coco),
        ("youtube-vos", args.youtube_vos),
    ):
        if path is not None:
            with tqdm(unit="item", desc=f"reading {fmt}", file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                objects, masks = import_into_project(
                    args.project, fmt, path, args.video, args.seq, not args.as_propagated, progress
                )
            log.info("imported %d masks of %d objects into %s", masks, objects, args.project)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from tqdm import tqdm

    from annotator.commands.evaluate import evaluate_folders, format_table

    with tqdm(unit="seq", desc="scoring", file=sys.stderr) as bar:
        report = evaluate_folders(
            args.pred, args.gt, on_sequence=lambda _n: bar.update(1), sequences=args.seq
        )
    sys.stderr.write(format_table(report) + "\n")
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.json:
        args.json.write_text(text)
    return 0


def _cmd_weights(args: argparse.Namespace) -> int:
    from annotator.tracking import weights as w

    manifest = w.load_manifest()
    if args.weights_command == "list":
        for entry in manifest.values():
            found = w.find_weights(name=entry.name)
            where = str(found) if found else "not downloaded"
            sys.stdout.write(f"{entry.name}\t{where}\t{entry.description}\n")
        return 0
    name = args.name or w.DEFAULT_WEIGHTS
    if name not in manifest:
        raise AnnotatorError(f"unknown checkpoint {name!r}; known: {', '.join(manifest)}")
    from tqdm import tqdm

    dest = w.download_dir()
    with tqdm(unit="B", unit_scale=True, desc=name, file=sys.stderr) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        path = w.download(manifest[name], dest, progress)
    sys.stdout.write(f"{path}\nsha256 {w.sha256_of(path)}\n")
    return 0


COMMANDS = {
    "track": _cmd_track,
    "propagate": _cmd_propagate,
    "info": _cmd_info,
    "export": _cmd_export,
    "import": _cmd_import,
    "eval": _cmd_eval,
    "eval-sim": cmd_eval_sim,
    "eval-interactive": cmd_eval_interactive,
    "weights": _cmd_weights,
    "bench": cmd_bench,
}


def _stop_on_sigterm(signum: int, _frame: object) -> None:
    # A plain kill (SIGTERM) unwinds like Ctrl-C, so outputs are left valid and
    # staging folders removed.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm) if on_main else None
    try:
        return _run(args)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except AnnotatorError as exc:
        log.error("%s", exc)
        return EXIT_ERROR
    except OSError as exc:
        # The file system said no (full disk, read-only folder, name too long...).
        where = f"{exc.filename}: " if exc.filename else ""
        log.error("%s%s", where, exc.strerror or exc)
        return EXIT_ERROR
    except sqlite3.Error as exc:
        log.error("the project database failed: %s", exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.warning("interrupted; everything written so far is kept")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
