"""SiamMask tracking with explicit per-object state and batched objects.

The arithmetic is that of the official ``siamese_init`` / ``siamese_track``
(mask and refine enabled): the same crops, anchors, penalties, cosine window,
inverse warp, threshold and border clamping. What differs is the structure:
the network holds no template, each object carries an immutable
``SiamMaskState``, and all objects' search crops go through the backbone as
one batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import torch

from annotator.tracking.base import TrackResult, box_from_init
from annotator.tracking.config import SiamMaskConfig
from annotator.tracking.device import device_label
from annotator.tracking.geometry import box_polygon, mask_bbox, rotated_box
from annotator.tracking.network import SiamMaskNet, TemplateKernels
from annotator.tracking.siammask_geometry import (
    cosine_window,
    crop_and_resize,
    generate_anchors,
    paste_mask,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiamMaskState:
    """One object's tracker state.

    kernels: template kernels on the network's device.
    center: (cx, cy) float64, frame pixels. size: (w, h) float64.
    avg_chans: per-channel mean of the init frame, RGB order, float64 (3,).
    frame_size: (W, H) of the video. score: last score (1.0 at init).
    """

    kernels: TemplateKernels
    center: np.ndarray
    size: np.ndarray
    avg_chans: np.ndarray
    frame_size: tuple[int, int]
    score: float = 1.0


def _to_bgr_tensor(crops: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """RGB uint8 crops (N, S, S, 3) -> BGR float32 (N, 3, S, S), the network's input."""
    batch = np.stack(crops)[..., ::-1].transpose(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(batch)).to(device=device, dtype=torch.float32)


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _padded_size(w: np.ndarray | float, h: np.ndarray | float) -> np.ndarray | float:
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


class SiamMaskTracker:
    """The SiamMask backend of the ``Tracker`` interface (see ``annotator.tracking.base``)."""

    name = "siammask"

    def __init__(
        self,
        net: SiamMaskNet,
        config: SiamMaskConfig | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        self.config = config or SiamMaskConfig()
        self.device = torch.device(device)
        self.net = net.to(self.device).eval()
        self.device_label = device_label(self.device)
        self._anchors = generate_anchors(self.config)
        self._window = cosine_window(self.config)

    def init(
        self,
        frame: np.ndarray,
        box: tuple[float, float, float, float] | None = None,
        mask: np.ndarray | None = None,
        neighbour: np.ndarray | None = None,
    ) -> SiamMaskState:
        """Start an object on an RGB frame (H, W, 3) from an xywh box or a binary mask.

        ``neighbour`` is not used: SiamMask's mask branch finds the object itself.
        """
        return self.init_many(frame, [box_from_init(frame, box, mask)])[0]

    def init_many(
        self, frame: np.ndarray, boxes: list[tuple[float, float, float, float]]
    ) -> list[SiamMaskState]:
        """Start several objects on one frame with one batched template pass."""
        cfg = self.config
        avg = np.mean(frame, axis=(0, 1))
        crops, centers, sizes = [], [], []
        for x, y, w, h in boxes:
            center = np.array([x + w / 2, y + h / 2], dtype=np.float64)
            size = np.array([w, h], dtype=np.float64)
            context = cfg.context_amount * (w + h)
            side = round(np.sqrt((w + context) * (h + context)))
            crops.append(crop_and_resize(frame, center, cfg.exemplar_size, side, avg))
            centers.append(center)
            sizes.append(size)
        kernels = self.net.template(_to_bgr_tensor(crops, self.device))
        frame_size = (frame.shape[1], frame.shape[0])
        return [
            SiamMaskState(k, c, s, avg, frame_size)
            for k, c, s in zip(kernels, centers, sizes, strict=True)
        ]

    def track(self, frame: np.ndarray, states: list[SiamMaskState]) -> list[TrackResult]:
        """Advance all objects to the RGB ``frame`` (H, W, 3); one backbone pass for all."""
        if not states:
            return []
        cfg = self.config
        crops, geometry = [], []
        for st in states:
            context = cfg.context_amount * (st.size[0] + st.size[1])
            s_x = np.sqrt((st.size[1] + context) * (st.size[0] + context))
            scale = cfg.exemplar_size / s_x
            s_x = s_x + 2 * ((cfg.instance_size - cfg.exemplar_size) / 2) / scale
            side = round(s_x)
            # avg_chans is RGB; the crop is flipped to BGR after, so fill with RGB order.
            crops.append(crop_and_resize(frame, st.center, cfg.instance_size, side, st.avg_chans))
            geometry.append((scale, side))
        out = self.net.search(_to_bgr_tensor(crops, self.device), [s.kernels for s in states])
        k, n = cfg.anchor_num, cfg.score_size
        scores = torch.softmax(out.score.reshape(len(states), 2, k * n * n), dim=1)[:, 1]
        scores_np = scores.cpu().numpy()
        deltas = out.delta.reshape(len(states), 4, k * n * n).cpu().numpy()

        picks = [
            self._select(st, deltas[i], scores_np[i], *geometry[i]) for i, st in enumerate(states)
        ]
        probs = self.net.refine(out, [(p[0], p[1]) for p in picks]).cpu().numpy()
        return [
            self._finish(st, frame, probs[i], picks[i], geometry[i][1])
            for i, st in enumerate(states)
        ]

    def describe_init(self, frame: np.ndarray, states: list[SiamMaskState]) -> list[TrackResult]:
        """Each object's mask on its init frame: a search on that frame, states kept as they were.

        The rotated box is the init box itself, so the init frame shows what the user drew.
        """
        results = self.track(frame, states)
        return [
            replace(
                r,
                polygon=box_polygon(
                    (
                        st.center[0] - st.size[0] / 2,
                        st.center[1] - st.size[1] / 2,
                        st.size[0],
                        st.size[1],
                    )
                ),
                center=(float(st.center[0]), float(st.center[1])),
                size=(float(st.size[0]), float(st.size[1])),
                state=st,
            )
            for r, st in zip(results, states, strict=True)
        ]

    def _select(
        self, st: SiamMaskState, delta: np.ndarray, score: np.ndarray, scale: float, side: int
    ) -> tuple[int, int, np.ndarray, np.ndarray, float]:
        """Pick the best anchor; returns (row, col, new centre, new size, score)."""
        cfg, anchors = self.config, self._anchors
        delta = delta.copy()
        delta[0] = delta[0] * anchors[:, 2] + anchors[:, 0]
        delta[1] = delta[1] * anchors[:, 3] + anchors[:, 1]
        delta[2] = np.exp(delta[2]) * anchors[:, 2]
        delta[3] = np.exp(delta[3]) * anchors[:, 3]

        size_in_crop = st.size * scale
        s_c = _change(np.asarray(_padded_size(delta[2], delta[3]) / _padded_size(*size_in_crop)))
        r_c = _change((size_in_crop[0] / size_in_crop[1]) / (delta[2] / delta[3]))
        penalty = np.exp(-(r_c * s_c - 1) * cfg.penalty_k)
        pscore = penalty * score
        pscore = pscore * (1 - cfg.window_influence) + self._window * cfg.window_influence
        best = int(np.argmax(pscore))

        pred = delta[:, best] / scale
        lr = penalty[best] * score[best] * cfg.lr
        center = np.array([pred[0] + st.center[0], pred[1] + st.center[1]])
        size = np.array(
            [st.size[0] * (1 - lr) + pred[2] * lr, st.size[1] * (1 - lr) + pred[3] * lr]
        )
        _, row, col = np.unravel_index(best, (cfg.anchor_num, cfg.score_size, cfg.score_size))
        return int(row), int(col), center, size, float(score[best])

    def _finish(
        self,
        st: SiamMaskState,
        frame: np.ndarray,
        prob: np.ndarray,
        pick: tuple[int, int, np.ndarray, np.ndarray, float],
        side: int,
    ) -> TrackResult:
        """Paste the 127x127 mask into the frame, fit the rotated box, clamp the state."""
        cfg = self.config
        row, col, center, size, score = pick
        width, height = st.frame_size
        s = side / cfg.instance_size
        crop_x = st.center[0] - side / 2
        crop_y = st.center[1] - side / 2
        sub_box = (
            crop_x + (col - cfg.base_size / 2) * cfg.total_stride * s,
            crop_y + (row - cfg.base_size / 2) * cfg.total_stride * s,
            s * cfg.exemplar_size,
            s * cfg.exemplar_size,
        )
        in_frame = paste_mask(prob, sub_box, (width, height))
        binary = (in_frame > cfg.seg_thr).astype(np.uint8)
        box_xywh = np.array([center[0] - size[0] / 2, center[1] - size[1] / 2, size[0], size[1]])
        polygon = rotated_box(binary, box_xywh, cfg.rbox_min_area)

        center = np.array([min(max(center[0], 0), width), min(max(center[1], 0), height)])
        size = np.array(
            [
                max(cfg.min_size, min(width, size[0])),
                max(cfg.min_size, min(height, size[1])),
            ]
        )
        tight = mask_bbox(binary)
        bbox = tight if tight is not None else tuple(float(v) for v in box_xywh)
        new_state = replace(st, center=center, size=size, score=score)
        return TrackResult(
            mask=binary,
            polygon=polygon,
            bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
            center=(float(center[0]), float(center[1])),
            size=(float(size[0]), float(size[1])),
            score=score,
            state=new_state,
        )
