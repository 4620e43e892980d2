"""The box refiner: a small U-Net that turns a box's crop and GrabCut's guess into a mask.

Input (N, 4, S, S) float32: the crop's RGB scaled to [-1, 1], then GrabCut's
mask as -1 / 1; the crop is the box plus ``box_mask.REFINER_CONTEXT`` of its
size on every side, resampled to S x S (S = ``CROP``). Output (N, 1, S, S):
the object's logits. Trained by ``scripts/train_box_refiner.py`` on the
DAVIS-2016 train split; the weights ship beside this module
(``data/box_refiner.pt``, model card ``data/MODEL_CARD.md``) and are loaded
with ``weights_only=True``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

log = logging.getLogger(__name__)

CROP = 96
WEIGHTS = Path(__file__).parent / "data" / "box_refiner.pt"


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class BoxRefiner(nn.Module):
    """A four-level U-Net; ``width`` channels at full resolution, doubling per level."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        c = [width, width * 2, width * 4, width * 8]
        self.enc = nn.ModuleList([_block(4, c[0]), _block(c[0], c[1]), _block(c[1], c[2])])
        self.mid = _block(c[2], c[3])
        self.up = nn.ModuleList([nn.Conv2d(c[i + 1], c[i], 1) for i in range(3)])
        self.dec = nn.ModuleList([_block(2 * c[i], c[i]) for i in range(3)])
        self.head = nn.Conv2d(c[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        guess = x[:, 3:4]
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.mid(x)
        for i in (2, 1, 0):
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
            x = self.dec[i](torch.cat([self.up[i](x), skips[i]], 1))
        # GrabCut's guess is a strong prior: the net predicts a correction to its logit.
        return self.head(x) + 2.0 * guess


def network_input(rgb: np.ndarray, guess: np.ndarray) -> torch.Tensor:
    """(1, 4, S, S) float32 from an RGB crop (S, S, 3) uint8 and a guess (S, S) in [0, 1]."""
    planes = np.concatenate(
        [rgb.astype(np.float32) / 127.5 - 1.0, guess[..., None].astype(np.float32) * 2 - 1], 2
    )
    return torch.from_numpy(np.ascontiguousarray(planes.transpose(2, 0, 1)))[None]


def load_refiner(path: Path = WEIGHTS) -> BoxRefiner | None:
    """The trained refiner in eval mode, or None (logged) when its weights are missing or bad."""
    if not path.is_file():
        log.info("no box refiner weights at %s; a box gives GrabCut's mask", path)
        return None
    model = BoxRefiner()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except (RuntimeError, ValueError, OSError, KeyError) as exc:
        log.warning("box refiner weights %s do not load (%s); using GrabCut's mask", path, exc)
        return None
    return model.eval()


def refine(model: BoxRefiner, rgb: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """(S, S) float32 object probability for an RGB crop (S, S, 3) and a guess (S, S)."""
    with torch.inference_mode():
        logits = model(network_input(rgb, guess))
    return torch.sigmoid(logits)[0, 0].numpy()
