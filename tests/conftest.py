"""Shared fixtures: paths to ../shared, seeded random SiamMask weights, synthetic clips."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANNOTATOR_SHARED", REPO.parent / "shared"))
REFERENCE = SHARED / "reference"
TENNIS = SHARED / "data" / "tennis"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def need(path: Path, what: str) -> Path:
    """``path`` if it exists; else skip the test, or fail it under CI (``CI=true``),
    where ../shared is always there and a silent skip would hide a broken check."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{message}; CI must have ../shared", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def _make_weights_module():  # type: ignore[no-untyped-def]
    path = need(REFERENCE / "make_weights.py", "the reference weights recipe")
    spec = importlib.util.spec_from_file_location("make_weights", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seeded_state_dict() -> dict[str, torch.Tensor]:
    """The official layout filled with ``make_state_dict(1)`` from ../shared/reference."""
    return _make_weights_module().make_state_dict(1)


@pytest.fixture(scope="session")
def seeded_weights_file(tmp_path_factory: pytest.TempPathFactory, seeded_state_dict) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("weights") / "seed1.pth"
    torch.save(seeded_state_dict, path)
    return path


@pytest.fixture(scope="session")
def tennis_dir() -> Path:
    return need(TENNIS, "the tennis frames")


@pytest.fixture()
def short_tennis(tmp_path: Path, tennis_dir: Path) -> Path:
    """A folder with the first 5 tennis frames (symlinks)."""
    folder = tmp_path / "tennis5"
    folder.mkdir()
    for src in sorted(tennis_dir.glob("*.jpg"))[:5]:
        (folder / src.name).symlink_to(src)
    return folder


def moving_square_clip(
    n: int, width: int = 160, height: int = 120, step: int = 3, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A textured square moving right on a textured background: RGB frames and true masks."""
    rng = np.random.default_rng(seed)
    background = (rng.integers(0, 80, (height, width, 3))).astype(np.uint8)
    patch = rng.integers(150, 255, (30, 30, 3)).astype(np.uint8)
    frames, masks = [], []
    for i in range(n):
        frame = background.copy()
        mask = np.zeros((height, width), np.uint8)
        x, y = 20 + step * i, 45
        visible = max(0, min(30, width - x))  # the square may leave on the right
        frame[y : y + 30, x : x + visible] = patch[:, :visible]
        mask[y : y + 30, x : x + visible] = 1
        frames.append(frame)
        masks.append(mask)
    return frames, masks
