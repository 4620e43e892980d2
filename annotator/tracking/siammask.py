"""SiamMask tracking with explicit per-object state and batched objects.

The arithmetic is that of the official ``siamese_init`` / ``siamese_track``
(mask and refine enabled): the same crops, anchors, penalties, cosine window,
inverse warp, threshold and border clamping. What differs is the structure:
the network holds no template, each object carries an immutable
``SiamMaskState``, and all objects' search crops go through the backbone as
one batch.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from dataclasses import dataclass, replace

import numpy as np
import torch

from annotator.errors import AnnotatorError
from annotator.tracking.base import MaskWindow, TrackResult, box_from_init
from annotator.tracking.config import SiamMaskConfig
from annotator.tracking.device import device_label
from annotator.tracking.geometry import box_polygon, mask_bbox, rotated_box
from annotator.tracking.network import SiamMaskNet, TemplateKernels
from annotator.tracking.siammask_device import Selector, device_crops, to_host, upload_frame
from annotator.tracking.siammask_geometry import (
    cosine_window,
    crop_and_resize,
    generate_anchors,
    host_crop,
    paste_window,
)
from annotator.tracking.stage_timer import StageTimer

log = logging.getLogger(__name__)

# Where the crops are cut: auto, device (the GPU's way), host (the CPU's), exact (official).
CROP_MODES = ("auto", "device", "host", "exact")


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


def _same_device(actual: torch.device, wanted: torch.device) -> bool:
    """Whether a tensor on ``actual`` is where ``wanted`` says: "cuda" with no index means
    the current GPU, which tensors report with its index ("cuda:0")."""
    if actual.type != wanted.type:
        return False
    if wanted.type == "cuda" and wanted.index is None:
        return actual.index == torch.cuda.current_device()
    return actual.index == wanted.index


class SiamMaskTracker:
    """The SiamMask backend of the ``Tracker`` interface (see ``annotator.tracking.base``)."""

    name = "siammask"

    def __init__(
        self,
        net: SiamMaskNet,
        config: SiamMaskConfig | None = None,
        device: torch.device | str = "cpu",
        crop: str = "auto",
        half: bool = False,
    ) -> None:
        self.config = config or SiamMaskConfig()
        self.device = torch.device(device)
        if half and self.device.type != "cuda":
            raise AnnotatorError("half precision needs a CUDA device; drop --half on the CPU")
        # Half precision runs the network under autocast; selection and masks stay float32/64.
        self.half = half
        # The caller's module is left where it is: a tracker on another device gets its
        # own copy, so two trackers never move one network under each other's feet.
        on_device = all(_same_device(t.device, self.device) for t in net.parameters())
        self.net = (net if on_device else copy.deepcopy(net).to(self.device)).eval()
        self.device_label = device_label(self.device)
        self._selector = Selector(
            self.config, generate_anchors(self.config), cosine_window(self.config), self.device
        )
        if crop not in CROP_MODES:
            raise AnnotatorError(f"crop {crop!r}: choose one of {', '.join(CROP_MODES)}")
        # auto: on the device on a GPU, on the host on the CPU (see ``_crops``).
        self.crop = ("device" if self.device.type == "cuda" else "host") if crop == "auto" else crop
        self.timer = StageTimer(self.device)

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
        with self._precision():
            kernels = self.net.template(_to_bgr_tensor(crops, self.device))
        frame_size = (frame.shape[1], frame.shape[0])
        return [
            SiamMaskState(k, c, s, avg, frame_size)
            for k, c, s in zip(kernels, centers, sizes, strict=True)
        ]

    def track(self, frame: np.ndarray, states: list[SiamMaskState]) -> list[TrackResult]:
        """Advance all objects to the RGB ``frame`` (H, W, 3); one backbone pass for all,
        the selection on the device, and one transfer back per step."""
        if not states:
            return []
        # Inference mode for the selection too, not only the network: its many small
        # tensor ops then skip autograd's bookkeeping (0.05-0.2 ms a step here).
        with torch.inference_mode():
            return self._track(frame, states)

    def _track(self, frame: np.ndarray, states: list[SiamMaskState]) -> list[TrackResult]:
        cfg, timer = self.config, self.timer
        with timer("crop"):
            scales, sides = [], []
            for st in states:
                context = cfg.context_amount * (st.size[0] + st.size[1])
                s_x = np.sqrt((st.size[1] + context) * (st.size[0] + context))
                scale = cfg.exemplar_size / s_x
                s_x = s_x + 2 * ((cfg.instance_size - cfg.exemplar_size) / 2) / scale
                scales.append(scale)
                sides.append(round(s_x))
            centers = np.stack([st.center for st in states])
            fills = np.stack([st.avg_chans for st in states])
            crops = self._crops(frame, centers, sides, cfg.instance_size, fills)
        with timer("network"), self._precision():
            out = self.net.search(crops, [s.kernels for s in states])
        with timer("select"):
            sizes = np.stack([st.size for st in states])
            picks = self._selector.select(out.score, out.delta, sizes, centers, np.array(scales))
        with timer("network"), self._precision():
            probs = self.net.refine(out, picks[:, :2].long()).float()
        with timer("select"):
            host_picks, host_probs = to_host(picks, probs)
        with timer("paste"):
            return [
                self._finish(st, host_probs[i], host_picks[i], sides[i])
                for i, st in enumerate(states)
            ]

    def _precision(self) -> contextlib.AbstractContextManager[object]:
        if self.half:
            return torch.autocast(device_type="cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def _crops(
        self,
        frame: np.ndarray,
        centers: np.ndarray,
        sides: list[int],
        out_size: int,
        fills: np.ndarray,
    ) -> torch.Tensor:
        """The network's input (N, 3, out, out) BGR float32 on its device.

        On a GPU every crop is cut there, from one upload of the frame
        (``device_crops``). On the CPU each is ``host_crop``: the official one,
        to the bit, but for huge padded patches, which are sampled straight from
        the frame. ``exact`` always builds the official patch (the fidelity tests).
        """
        if self.crop == "device":
            return device_crops(upload_frame(frame, self.device), centers, sides, out_size, fills)
        # avg_chans is RGB; the crop is flipped to BGR after, so fill with RGB order.
        crops = [
            host_crop(frame, c, out_size, side, fill, exact=self.crop == "exact")
            for c, side, fill in zip(centers, sides, fills, strict=True)
        ]
        return _to_bgr_tensor(crops, self.device)

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

    def _finish(
        self, st: SiamMaskState, prob: np.ndarray, pick: np.ndarray, side: int
    ) -> TrackResult:
        """Paste the 127x127 mask into its window of the frame, fit the rotated box, clamp
        the state. ``pick``: row, col, centre x, y, size w, h, score (``Selector``)."""
        cfg = self.config
        row, col = int(pick[0]), int(pick[1])
        center, size, score = pick[2:4].copy(), pick[4:6].copy(), float(pick[6])
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
        x0, y0, crop = paste_window(prob, sub_box, (width, height), cfg.seg_thr)
        box_xywh = np.array([center[0] - size[0] / 2, center[1] - size[1] / 2, size[0], size[1]])
        polygon = rotated_box(crop, box_xywh, cfg.rbox_min_area, (x0, y0))

        center = np.array([min(max(center[0], 0), width), min(max(center[1], 0), height)])
        size = np.array(
            [
                max(cfg.min_size, min(width, size[0])),
                max(cfg.min_size, min(height, size[1])),
            ]
        )
        tight = mask_bbox(crop)
        if tight is not None:
            bbox = (float(tight[0] + x0), float(tight[1] + y0), float(tight[2]), float(tight[3]))
        else:
            bbox = (float(box_xywh[0]), float(box_xywh[1]), float(box_xywh[2]), float(box_xywh[3]))
        new_state = replace(st, center=center, size=size, score=score)
        return TrackResult(
            polygon=polygon,
            bbox=bbox,
            center=(float(center[0]), float(center[1])),
            size=(float(size[0]), float(size[1])),
            score=score,
            state=new_state,
            window=MaskWindow(x0, y0, crop, height, width),
        )
