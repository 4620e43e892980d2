"""Quality must not regress: the default flow backend on short DAVIS-2016 train sequences.

The thresholds sit just under what ``annotator eval-sim`` measured on these
sequences when they were set (the figures are in the comments), read straight
from the compact train split in ``../shared/data/davis2016-train`` (frames
decoded from its videos). A change that loses quality fails here; a change
that gains should raise them.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED, need
from tests.test_cli_track import run_cli

TRAIN = SHARED / "data" / "davis2016-train"
SEQUENCES = "motorbike,surf"

# (keyframe setting, J&F floor). Both floors are above what a plain DIS warp
# gives on these sequences (0.901 and about 0.53).
FLOORS = [
    (["--keyframe-every", "10"], 0.91),  # measured 0.922 (motorbike 0.908, surf 0.936)
    ([], 0.69),  # measured 0.712 (motorbike 0.569, surf 0.854)
]


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "floor"), FLOORS, ids=["every-10", "frame-0-only"])
def test_flow_quality_on_train_sequences(setting: list[str], floor: float) -> None:
    need(TRAIN / "videos" / "surf.mp4", "the DAVIS-2016 train split")
    proc = run_cli(
        "eval-sim", TRAIN, "--seq", SEQUENCES, "--tracker", "flow", "--jobs", "2", "--json",
        *setting,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    per_sequence = {k: round(v["JF"], 3) for k, v in report["sequences"].items()}
    assert report["JF"] >= floor, per_sequence
