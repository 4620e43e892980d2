"""Proof that the port does what the official SiamMask code does, frame by frame.

Compares against ../shared/reference/tennis_seed1.npz: the official
``siamese_init``/``siamese_track`` (mask + refine, config_davis) on the tennis
clip with ``make_state_dict(1)`` weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE

from annotator.tracking.network import SiamMaskNet
from annotator.tracking.siammask import SiamMaskTracker
from annotator.video.frame_source import open_source


@pytest.mark.slow
def test_matches_official_outputs_on_tennis(seeded_state_dict, tennis_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ref_path = REFERENCE / "tennis_seed1.npz"
    if not ref_path.is_file():
        pytest.skip("reference outputs not found")
    ref = np.load(ref_path)
    height, width = (int(v) for v in ref["mask_shape"])
    net = SiamMaskNet()
    net.load_state_dict(seeded_state_dict)
    tracker = SiamMaskTracker(net)

    with open_source(tennis_dir) as source:
        assert len(source) == int(ref["n_frames"])
        states = [tracker.init(source[0], box=tuple(b)) for b in ref["boxes"]]
        ious, dists, scores, polys = [], [], [], []
        for i in range(1, len(source)):
            results = tracker.track(source[i], states)
            states = [r.state for r in results]
            for k, r in enumerate(results):
                expected = np.unpackbits(ref[f"obj{k}_mask"][i - 1], axis=-1)[:, :width]
                assert r.mask.shape == (height, width)
                union = np.logical_or(expected, r.mask).sum()
                inter = np.logical_and(expected, r.mask).sum()
                ious.append(inter / union if union else 1.0)
                dists.append(np.abs(np.array(r.center) - ref[f"obj{k}_pos"][i - 1]).max())
                scores.append(abs(r.score - ref[f"obj{k}_score"][i - 1]))
                polys.append(np.abs(r.polygon.reshape(-1) - ref[f"obj{k}_polygon"][i - 1]).max())

    assert len(ious) == 2 * 69
    assert np.mean(ious) >= 0.98, f"mean IoU {np.mean(ious):.4f}"
    assert np.mean(np.array(dists) <= 1.0) >= 0.95
    assert np.median(scores) < 1e-3
    assert np.median(polys) <= 1.0
