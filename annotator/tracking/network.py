"""The SiamMask "sharp" network (ResNet-50 to conv4, depth-wise heads, refine module).

Module and parameter names follow the official checkpoints
(``SiamMask_DAVIS.pth``, ``SiamMask_VOT.pth``) so that they load unchanged.
The network is stateless: templates live in per-object tracker state, never on
the module, so one network serves any number of objects.

Shapes (B = objects in the batch):
    exemplar crop (B, 3, 127, 127) -> template features (B, 256, 7, 7)
    search crop   (B, 3, 255, 255) -> p0 (B, 64, 125, 125), p1 (B, 256, 63, 63),
                                      p2 (B, 512, 31, 31), adjusted (B, 256, 31, 31)
    heads: score (B, 2k, 25, 25), box deltas (B, 4k, 25, 25), mask correlation (B, 256, 25, 25)
    refine at one position per object -> mask logits (B, 127, 127)
Inputs are float32 BGR pixel values in 0..255, as the official model was trained.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Bottleneck(nn.Module):
    """ResNet bottleneck with the official SiamMask padding rule.

    A stride-2 block uses no padding in its 3x3 conv (so a 31-pixel map becomes 15);
    a dilated block pads by its dilation.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        dilation: int = 1,
    ) -> None:
        super().__init__()
        padding = dilation if dilation > 1 else 2 - stride
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(
            planes, planes, 3, stride=stride, padding=padding, dilation=dilation, bias=False
        )
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet50Conv4(nn.Module):
    """ResNet-50 through stage 4 (``layer3``), output stride 8 thanks to dilation.

    ``forward`` returns the four feature maps the refine module and the adjust
    layer need: (p0 after conv1, p1 after layer1, p2 after layer2, p3 after layer3).
    """

    def __init__(self) -> None:
        super().__init__()
        self._inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, 3)
        self.layer2 = self._make_layer(128, 4, stride=2)
        self.layer3 = self._make_layer(256, 6, dilation=2)

    def _make_layer(
        self, planes: int, blocks: int, stride: int = 1, dilation: int = 1
    ) -> nn.Sequential:
        out_planes = planes * Bottleneck.expansion
        first_dilation = dilation
        downsample: nn.Module | None = None
        if stride != 1 or self._inplanes != out_planes:
            if stride == 1 and dilation == 1:
                conv = nn.Conv2d(self._inplanes, out_planes, 1, stride=stride, bias=False)
            else:
                # The official model uses a 3x3 projection here; a dilated stage's
                # first block runs at half the stage's dilation.
                first_dilation = dilation // 2 if dilation > 1 else 1
                padding = first_dilation if dilation > 1 else 0
                conv = nn.Conv2d(
                    self._inplanes,
                    out_planes,
                    3,
                    stride=stride,
                    padding=padding,
                    dilation=first_dilation,
                    bias=False,
                )
            downsample = nn.Sequential(conv, nn.BatchNorm2d(out_planes))
        layers = [Bottleneck(self._inplanes, planes, stride, downsample, dilation=first_dilation)]
        self._inplanes = out_planes
        layers += [Bottleneck(out_planes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        p0 = self.relu(self.bn1(self.conv1(x)))
        p1 = self.layer1(self.maxpool(p0))
        p2 = self.layer2(p1)
        p3 = self.layer3(p2)
        return p0, p1, p2, p3


class AdjustLayer(nn.Module):
    """1x1 conv + BN from 1024 to 256 channels; crops the template map to its centre 7x7."""

    def __init__(self, inplanes: int = 1024, outplanes: int = 256) -> None:
        super().__init__()
        self.downsample = nn.Sequential(
            nn.Conv2d(inplanes, outplanes, kernel_size=1, bias=False), nn.BatchNorm2d(outplanes)
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.downsample(x)
        if x.size(3) < 20:  # template branch: 15x15 -> 7x7
            x = x[:, :, 4:-4, 4:-4]
        return x


class Backbone(nn.Module):
    """Feature extractor: ``features`` (ResNet) followed by ``downsample`` (adjust)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = ResNet50Conv4()
        self.downsample = AdjustLayer()

    def forward(self, x: Tensor) -> tuple[tuple[Tensor, Tensor, Tensor, Tensor], Tensor]:
        levels = self.features(x)
        return levels, self.downsample(levels[3])


def _conv_bn_relu(channels: int, hidden: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels, hidden, kernel_size=kernel, bias=False),
        nn.BatchNorm2d(hidden),
        nn.ReLU(inplace=True),
    )


def depthwise_xcorr(search: Tensor, kernel: Tensor) -> Tensor:
    """Per-sample, per-channel cross-correlation.

    search (B, C, H, W) and kernel (B, C, h, w) -> (B, C, H-h+1, W-w+1). Every
    object's search map is correlated with its own template, in one grouped conv.
    """
    b, c = kernel.shape[:2]
    out = F.conv2d(
        search.reshape(1, b * c, search.size(2), search.size(3)),
        kernel.reshape(b * c, 1, kernel.size(2), kernel.size(3)),
        groups=b * c,
    )
    return out.reshape(b, c, out.size(2), out.size(3))


class DepthCorr(nn.Module):
    """A depth-wise correlation head: adjust both inputs, correlate, then a 1x1 head."""

    def __init__(self, channels: int, hidden: int, out_channels: int, kernel: int = 3) -> None:
        super().__init__()
        self.conv_kernel = _conv_bn_relu(channels, hidden, kernel)
        self.conv_search = _conv_bn_relu(channels, hidden, kernel)
        self.head = nn.Sequential(
            nn.Conv2d(hidden, hidden, kernel_size=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, kernel_size=1),
        )

    def correlate(self, template_kernel: Tensor, search: Tensor) -> Tensor:
        """template_kernel: ``conv_kernel`` output (B, 256, 5, 5); search (B, 256, 31, 31)."""
        return depthwise_xcorr(self.conv_search(search), template_kernel)


class RPNHeads(nn.Module):
    """Score (2k channels) and box (4k channels) heads."""

    def __init__(self, anchor_num: int = 5, channels: int = 256) -> None:
        super().__init__()
        self.cls = DepthCorr(channels, channels, 2 * anchor_num)
        self.loc = DepthCorr(channels, channels, 4 * anchor_num)


class MaskBranch(nn.Module):
    """Holds the mask ``DepthCorr``; its 63x63 head is in the checkpoint but refine replaces it."""

    def __init__(self, out_size: int = 63) -> None:
        super().__init__()
        self.mask = DepthCorr(256, 256, out_size**2)


def _two_convs(cin: int, cmid: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cmid, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(cmid, cout, 3, padding=1),
        nn.ReLU(),
    )


class Refine(nn.Module):
    """Refinement module: fuses the correlation vector with p2, p1 and p0 into a 127x127 mask."""

    def __init__(self) -> None:
        super().__init__()
        self.v0 = _two_convs(64, 16, 4)
        self.v1 = _two_convs(256, 64, 16)
        self.v2 = _two_convs(512, 128, 32)
        self.h2 = _two_convs(32, 32, 32)
        self.h1 = _two_convs(16, 16, 16)
        self.h0 = _two_convs(4, 4, 4)
        self.deconv = nn.ConvTranspose2d(256, 32, 15, 15)
        self.post0 = nn.Conv2d(32, 16, 3, padding=1)
        self.post1 = nn.Conv2d(16, 4, 3, padding=1)
        self.post2 = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, p0: Tensor, p1: Tensor, p2: Tensor, corr: Tensor) -> Tensor:
        """p0 (B,64,61,61), p1 (B,256,31,31), p2 (B,512,15,15), corr (B,256,1,1).

        Returns mask logits (B, 127, 127).
        """
        out = self.deconv(corr)
        out = self.post0(F.interpolate(self.h2(out) + self.v2(p2), size=(31, 31), mode="nearest"))
        out = self.post1(F.interpolate(self.h1(out) + self.v1(p1), size=(61, 61), mode="nearest"))
        out = self.post2(F.interpolate(self.h0(out) + self.v0(p0), size=(127, 127), mode="nearest"))
        return out[:, 0]


@dataclass(frozen=True)
class TemplateKernels:
    """Per-object template kernels, ``conv_kernel`` of each head applied to the 7x7 template.

    Each tensor is (256, 5, 5). Computing them once at init is what makes the
    network stateless and the per-frame cost independent of the template.
    """

    cls: Tensor
    loc: Tensor
    mask: Tensor


@dataclass(frozen=True)
class SearchOutput:
    """Network outputs for a batch of search crops (B objects).

    score (B, 2k, 25, 25), delta (B, 4k, 25, 25), mask_corr (B, 256, 25, 25),
    and the backbone levels p0 (B,64,125,125), p1 (B,256,63,63), p2 (B,512,31,31)
    kept for the refine step.
    """

    score: Tensor
    delta: Tensor
    mask_corr: Tensor
    p0: Tensor
    p1: Tensor
    p2: Tensor


class SiamMaskNet(nn.Module):
    """The SiamMask sharp model, without any per-object state."""

    def __init__(self, anchor_num: int = 5) -> None:
        super().__init__()
        self.features = Backbone()
        self.rpn_model = RPNHeads(anchor_num)
        self.mask_model = MaskBranch()
        self.refine_model = Refine()

    @torch.inference_mode()
    def template(self, exemplar: Tensor) -> list[TemplateKernels]:
        """exemplar (B, 3, 127, 127) BGR float -> one ``TemplateKernels`` per crop."""
        _, zf = self.features(exemplar)
        cls = self.rpn_model.cls.conv_kernel(zf)
        loc = self.rpn_model.loc.conv_kernel(zf)
        mask = self.mask_model.mask.conv_kernel(zf)
        return [TemplateKernels(cls[i], loc[i], mask[i]) for i in range(zf.size(0))]

    @torch.inference_mode()
    def search(self, crops: Tensor, kernels: list[TemplateKernels]) -> SearchOutput:
        """crops (B, 3, 255, 255) BGR float, one kernel set per crop -> ``SearchOutput``."""
        (p0, p1, p2, _), xf = self.features(crops)
        cls_k = torch.stack([k.cls for k in kernels])
        loc_k = torch.stack([k.loc for k in kernels])
        mask_k = torch.stack([k.mask for k in kernels])
        score = self.rpn_model.cls.head(self.rpn_model.cls.correlate(cls_k, xf))
        delta = self.rpn_model.loc.head(self.rpn_model.loc.correlate(loc_k, xf))
        mask_corr = self.mask_model.mask.correlate(mask_k, xf)
        return SearchOutput(score, delta, mask_corr, p0, p1, p2)

    @torch.inference_mode()
    def refine(self, out: SearchOutput, cells: Tensor) -> Tensor:
        """Mask probabilities (B, 127, 127) at one score-map cell per object.

        cells: (B, 2) integer (row, col), on the network's device, so that the
        chosen cell never has to visit the host.
        """
        rows, cols = cells[:, 0].long(), cells[:, 1].long()
        batch = torch.arange(rows.shape[0], device=rows.device)

        def windows(level: Tensor, pad: int, stride: int, size: int) -> Tensor:
            padded = F.pad(level, [pad, pad, pad, pad])
            span = torch.arange(size, device=rows.device)
            ys = (stride * rows)[:, None] + span
            xs = (stride * cols)[:, None] + span
            # (B, size, size, C) by advanced indexing, then channels first.
            picked = padded[batch[:, None, None], :, ys[:, :, None], xs[:, None, :]]
            return picked.permute(0, 3, 1, 2)

        corr = out.mask_corr[batch, :, rows, cols].reshape(-1, 256, 1, 1)
        logits = self.refine_model(
            windows(out.p0, 16, 4, 61), windows(out.p1, 8, 2, 31), windows(out.p2, 4, 1, 15), corr
        )
        return torch.sigmoid(logits)
