"""``annotator bench``: the command-line side of the benchmarks in ``annotator.bench``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError


def add_bench_parser(sub: Any) -> None:
    """Add ``bench`` to the CLI's subparsers (``sub``, argparse's ``_SubParsersAction``)."""
    bench = sub.add_parser("bench", help="measure speed; prints a JSON report")
    bench.add_argument(
        "what",
        choices=["tracker", "flow", "stroke", "box", "matte", "video", "store", "export"],
    )
    bench.add_argument("--frames", type=int, default=20, help="frames timed per case")
    bench.add_argument("--json", type=Path, help="also write the report here")
    bench.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    bench.add_argument("--weights", type=Path, help="time this checkpoint (default: random)")
    bench.add_argument(
        "--video-frames", type=int, default=2000, help="length of the seek test clip"
    )
    bench.add_argument(
        "--store-frames", type=int, default=10_000, help="frames of the store and export tests"
    )
    bench.add_argument(
        "--store-objects", type=int, default=10, help="objects of the store test project"
    )
    bench.add_argument(
        "--export-objects", type=int, default=5, help="objects of the export test project"
    )


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from annotator.bench import box, export, matte, siammask, store, stroke, trackers, video

    for option in ("frames", "video_frames", "store_frames", "store_objects", "export_objects"):
        if getattr(args, option, 1) < 1:
            raise AnnotatorError(f"--{option.replace('_', '-')} must be at least 1")
    if args.what == "tracker":
        report = siammask.bench_tracker(args.frames, args.device, args.weights)
    elif args.what == "flow":
        report = trackers.bench_flow(args.frames)
    elif args.what == "stroke":
        report = stroke.bench_stroke(args.frames)
    elif args.what == "box":
        report = box.bench_box(max(args.frames // 4, 3))
    elif args.what == "matte":
        report = matte.bench_matte(max(args.frames // 4, 3))
    elif args.what == "export":
        report = export.bench_export(args.store_frames, args.export_objects)
    elif args.what == "store":
        report = store.bench_store(args.store_frames, args.store_objects)
    else:
        report = {
            "benchmark": "video",
            "results": {
                content: video.bench_seek(args.video_frames, content=content)
                for content in ("noise", "scene")
            },
        }
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.json:
        args.json.write_text(text)
    return 0
