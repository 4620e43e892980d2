"""SiamMask's per-step work on the network's device, batched over objects.

What stays on the device between the network and the one transfer per step:
anchor decoding, the scale and ratio penalties, the cosine window, the argmax,
the state update and the refine module's input windows. The search crops can
be cut on the device too (``device_crops``), from a frame uploaded once and
shared by every object, reading only the pixels each crop needs.

Dtypes follow the official numpy code (float32 network outputs and anchors,
float64 for the target's size and the penalties), so on the CPU the result
is the official one up to float32 rounding. Coordinates are frame pixels,
(cx, cy) centres and (w, h) sizes; the image's top-left pixel centre is (0, 0).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import Tensor

from annotator.tracking.config import SiamMaskConfig


def upload_frame(frame: np.ndarray, device: torch.device) -> Tensor:
    """RGB uint8 (H, W, 3) -> the same uint8 tensor on ``device``, uploaded once per step
    and shared by every object's crop (6 MB at 1080p, not the 25 MB of float32)."""
    with warnings.catch_warnings():
        # Decoded frames are read-only arrays; the tensor is only ever read.
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(np.ascontiguousarray(frame)).to(device)


def device_crops(
    frame: Tensor,
    centers: np.ndarray,
    sides: list[int],
    out_size: int,
    fills: np.ndarray,
) -> Tensor:
    """Square crops (N, 3, out, out) float32 BGR of ``sides`` px around ``centers`` (N, 2),
    resized bilinearly to ``out_size``; pixels outside the frame take ``fills`` (N, 3) RGB.

    frame: (H, W, 3) uint8 RGB on the device (``upload_frame``). Only the four
    neighbours of each output pixel are read, whatever the crop's size; the
    padded patch the official code builds is never made. The sampling is the
    one ``cv2.resize`` uses on that patch (pixel centres, no antialiasing, the
    patch's own border repeated) and values are rounded as its uint8 crop is,
    so each value is within one grey level of ``siammask_geometry.crop_and_resize``.
    """
    height, width = frame.shape[:2]
    dev = frame.device
    side = torch.tensor(sides, dtype=torch.float64, device=dev)
    centre = torch.as_tensor(centers, dtype=torch.float64, device=dev)
    # Python's round() is half-to-even, as torch.round is.
    origin = torch.round(centre - ((side + 1) / 2)[:, None])
    steps = (torch.arange(out_size, dtype=torch.float64, device=dev) + 0.5)[None, :]
    inside = torch.clamp(steps * (side / out_size)[:, None] - 0.5, min=0.0)
    inside = torch.minimum(inside, (side - 1)[:, None])  # (N, out): patch coordinates

    def taps(axis: int, size: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        pos = origin[:, axis, None] + inside
        low = torch.floor(pos)
        frac = (pos - low).float()
        low_i = low.long()
        # The patch's last column is its edge: cv2 repeats it rather than read past it.
        high_i = torch.minimum(low_i + 1, (origin[:, axis, None] + side[:, None] - 1).long())
        ok_low = (low_i >= 0) & (low_i < size)
        ok_high = (high_i >= 0) & (high_i < size)
        return low_i.clamp(0, size - 1), high_i.clamp(0, size - 1), frac, ok_low, ok_high

    x_lo, x_hi, fx, okx_lo, okx_hi = taps(0, width)
    y_lo, y_hi, fy, oky_lo, oky_hi = taps(1, height)
    # (N, 1, 3): broadcast over a crop's rows and columns.
    fill = torch.as_tensor(np.floor(fills), dtype=torch.float32, device=dev)[:, None, :]

    # Out-of-frame taps weigh 0 and their weight goes to the fill instead, so the
    # padded patch is never needed: value = sum(w * pixel) + (1 - sum(w)) * fill.
    wx = ((1 - fx) * okx_lo, fx * okx_hi)
    wy = ((1 - fy) * oky_lo, fy * oky_hi)
    crops = []
    for i in range(len(sides)):
        top = _rows_across(frame, y_lo[i], x_lo[i], x_hi[i], wx[0][i], wx[1][i])
        bottom = _rows_across(frame, y_hi[i], x_lo[i], x_hi[i], wx[0][i], wx[1][i])
        value = top * wy[0][i][:, None, None] + bottom * wy[1][i][:, None, None]
        covered = (wy[0][i] + wy[1][i])[:, None, None] * (wx[0][i] + wx[1][i])[None, :, None]
        crops.append(value + (1 - covered) * fill[i])
    rgb = torch.round(torch.stack(crops)).clamp_(0, 255)
    return rgb.flip(-1).permute(0, 3, 1, 2).contiguous()


def _rows_across(
    frame: Tensor, ys: Tensor, x_lo: Tensor, x_hi: Tensor, w_lo: Tensor, w_hi: Tensor
) -> Tensor:
    """Rows ``ys`` of ``frame`` (H, W, 3) interpolated along x between columns ``x_lo``
    and ``x_hi`` with weights ``w_lo``, ``w_hi`` (out,): (out, out, 3) float32. One row
    gather, then two column gathers, so only the needed pixels are read."""
    rows = frame.index_select(0, ys)
    left = rows.index_select(1, x_lo).float() * w_lo[None, :, None]
    return left + rows.index_select(1, x_hi).float() * w_hi[None, :, None]


class Selector:
    """The official anchor selection, for a batch of objects, on the network's device."""

    def __init__(
        self, config: SiamMaskConfig, anchors: np.ndarray, window: np.ndarray, device: torch.device
    ) -> None:
        self.config = config
        self.anchors = torch.as_tensor(anchors, dtype=torch.float32, device=device)
        self.window = torch.as_tensor(window, dtype=torch.float64, device=device)

    def select(
        self,
        score: Tensor,
        delta: Tensor,
        sizes: np.ndarray,
        centers: np.ndarray,
        scales: np.ndarray,
    ) -> Tensor:
        """Pick each object's best anchor.

        score (N, 2k, S, S) and delta (N, 4k, S, S): the network's outputs;
        sizes, centers (N, 2) and scales (N,): float64, each object's target
        size and centre (frame px) and crop scale. Returns (N, 7) float64 on the
        device: row, col, new centre x, y, new size w, h, score.
        """
        cfg = self.config
        n = score.shape[0]
        cells = cfg.anchor_num * cfg.score_size * cfg.score_size
        dev = score.device
        # float32 whatever the network ran in (half precision gives float16 outputs).
        prob = torch.softmax(score.float().reshape(n, 2, cells), dim=1)[:, 1]
        d = delta.float().reshape(n, 4, cells)
        a = self.anchors
        dx = d[:, 0] * a[:, 2] + a[:, 0]
        dy = d[:, 1] * a[:, 3] + a[:, 1]
        dw = torch.exp(d[:, 2]) * a[:, 2]
        dh = torch.exp(d[:, 3]) * a[:, 3]
        size = torch.as_tensor(sizes, dtype=torch.float64, device=dev)
        scale = torch.as_tensor(scales, dtype=torch.float64, device=dev)
        in_crop = size * scale[:, None]

        def padded(w: Tensor, h: Tensor) -> Tensor:
            pad = (w + h) * 0.5
            return torch.sqrt((w + pad) * (h + pad))

        def change(r: Tensor) -> Tensor:
            return torch.maximum(r, 1.0 / r)

        s_c = change(padded(dw, dh).double() / padded(in_crop[:, 0], in_crop[:, 1])[:, None])
        r_c = change((in_crop[:, 0] / in_crop[:, 1])[:, None] / (dw / dh).double())
        penalty = torch.exp(-(r_c * s_c - 1) * cfg.penalty_k)
        pscore = penalty * prob.double()
        pscore = pscore * (1 - cfg.window_influence) + self.window * cfg.window_influence
        best = torch.argmax(pscore, dim=1)
        pick = best[:, None]
        pred = (
            torch.stack([v.gather(1, pick)[:, 0].double() for v in (dx, dy, dw, dh)], dim=1)
            / scale[:, None]
        )
        best_score = prob.gather(1, pick)[:, 0].double()
        lr = penalty.gather(1, pick)[:, 0] * best_score * cfg.lr
        centre = torch.as_tensor(centers, dtype=torch.float64, device=dev) + pred[:, :2]
        new_size = size * (1 - lr)[:, None] + pred[:, 2:] * lr[:, None]
        side = cfg.score_size * cfg.score_size
        row = (best % side) // cfg.score_size
        col = best % cfg.score_size
        return torch.cat(
            [row[:, None].double(), col[:, None].double(), centre, new_size, best_score[:, None]],
            dim=1,
        )


def to_host(selection: Tensor, probs: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The step's one transfer: the selection (N, 7) float64 and the masks (N, 127, 127)
    float32, packed as bytes into one buffer so that a GPU is waited on once."""
    if selection.device.type == "cpu":
        return selection.numpy(), probs.numpy()
    return unpack(pack(selection, probs).cpu().numpy(), selection.shape, probs.shape)


def pack(selection: Tensor, probs: Tensor) -> Tensor:
    """float64 selection and float32 masks as one uint8 tensor, on their device."""
    parts = [selection.contiguous().view(torch.uint8), probs.contiguous().view(torch.uint8)]
    return torch.cat([p.reshape(-1) for p in parts])


def unpack(
    raw: np.ndarray, selection_shape: torch.Size, probs_shape: torch.Size
) -> tuple[np.ndarray, np.ndarray]:
    """``pack``'s bytes, back on the host, as (selection float64, masks float32)."""
    split = int(np.prod(selection_shape)) * 8
    selection = raw[:split].view(np.float64).reshape(tuple(selection_shape))
    masks = raw[split:].view(np.float32).reshape(tuple(probs_shape))
    return selection, masks
