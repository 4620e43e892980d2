"""SiamMask's device path: crops cut from one uploaded frame, the one transfer per step,
window pastes and window RLE, each against the host path it replaces."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from annotator.core import rle
from annotator.tracking.geometry import rotated_box
from annotator.tracking.network import SiamMaskNet
from annotator.tracking.siammask import SiamMaskTracker, _same_device
from annotator.tracking.siammask_device import device_crops, pack, unpack, upload_frame
from annotator.tracking.siammask_geometry import (
    crop_and_resize,
    paste_window,
    remap_crop,
)
from annotator.video.frame_source import open_source

DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]
# (centre x, y), side: inside, at each border and corner, beyond the frame, up- and downscaled.
CROPS = [
    ((400.3, 250.7), 300),
    ((20.0, 30.0), 200),
    ((840.0, 470.0), 511),
    ((427.0, 240.0), 255),
    ((400.0, 200.0), 100),
    ((-50.0, -40.0), 150),
    ((900.0, 100.0), 60),
]


@pytest.mark.parametrize("device", DEVICES)
def test_device_crops_are_within_one_grey_level_of_the_official_crop(
    tennis_dir: Path, device: str
) -> None:
    with open_source(tennis_dir) as source:
        frame = source[10]
    fill = frame.mean(axis=(0, 1))
    centres = np.array([c for c, _ in CROPS])
    sides = [s for _, s in CROPS]
    crops = (
        device_crops(
            upload_frame(frame, torch.device(device)),
            centres,
            sides,
            255,
            np.stack([fill] * len(CROPS)),
        )
        .cpu()
        .numpy()
    )
    for i, (centre, side) in enumerate(CROPS):
        official = crop_and_resize(frame, np.array(centre), 255, side, fill)
        bgr = official[..., ::-1].transpose(2, 0, 1).astype(np.float32)
        diff = np.abs(crops[i] - bgr)
        assert diff.max() <= 1.0, (centre, side)
        assert diff.mean() < 0.2, (centre, side)
    # Same size as the output: a plain copy, exact.
    assert np.abs(crops[3] - bgr_of(frame, CROPS[3], fill)).max() == 0


def test_remap_crops_are_within_one_grey_level_of_the_official_crop(tennis_dir: Path) -> None:
    with open_source(tennis_dir) as source:
        frame = source[10]
    fill = frame.mean(axis=(0, 1))
    for centre, side in [*CROPS, ((427.0, 240.0), 2000)]:
        official = crop_and_resize(frame, np.array(centre), 255, side, fill).astype(int)
        sampled = remap_crop(frame, np.array(centre), 255, side, fill).astype(int)
        assert np.abs(official - sampled).max() <= 1, (centre, side)


def bgr_of(
    frame: np.ndarray, case: tuple[tuple[float, float], int], fill: np.ndarray
) -> np.ndarray:
    official = crop_and_resize(frame, np.array(case[0]), 255, case[1], fill)
    return official[..., ::-1].transpose(2, 0, 1).astype(np.float32)


def test_one_step_agrees_between_the_host_and_the_device_crop(
    seeded_state_dict,
    tennis_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    net = SiamMaskNet()
    net.load_state_dict(seeded_state_dict)
    host, device = SiamMaskTracker(net, crop="exact"), SiamMaskTracker(net, crop="device")
    boxes = [(300, 110, 165, 240), (60, 200, 120, 200), (780, 400, 60, 70)]
    with open_source(tennis_dir) as source:
        states = host.init_many(source[0], boxes)
        for i in (1, 20, 40):
            a = host.track(source[i], states)
            b = device.track(source[i], states)
            for ra, rb in zip(a, b, strict=True):
                assert np.abs(np.subtract(ra.center, rb.center)).max() < 1.0
                assert abs(ra.score - rb.score) < 0.02
                union = np.logical_or(ra.mask, rb.mask).sum()
                assert np.logical_and(ra.mask, rb.mask).sum() >= 0.95 * union
            states = [r.state for r in a]


def test_the_transfer_packs_selection_and_masks_without_loss() -> None:
    selection = torch.tensor([[3.0, 7.0, 101.25, 99.5, 40.125, 30.0, 0.875]], dtype=torch.float64)
    probs = torch.rand((1, 127, 127), dtype=torch.float32)
    raw = pack(selection, probs).numpy()
    assert raw.dtype == np.uint8 and raw.size == 7 * 8 + 127 * 127 * 4
    sel, masks = unpack(raw, selection.shape, probs.shape)
    assert np.array_equal(sel, selection.numpy()) and np.array_equal(masks, probs.numpy())


@pytest.mark.parametrize(
    "box", [(100.3, 50.8, 80.0, 80.0), (-20.5, -10.0, 60.0, 60.0), (820.0, 450.0, 90.0, 90.0)]
)
def test_window_paste_and_window_rle_equal_the_whole_frame_ones(
    box: tuple[float, float, float, float],
) -> None:
    rng = np.random.default_rng(0)
    prob = cv2_blur(rng.random((127, 127)).astype(np.float32))
    full = (paste_mask(prob, box, (854, 480)) > 0.35).astype(np.uint8)
    x0, y0, crop = paste_window(prob, box, (854, 480), 0.35)
    placed = np.zeros_like(full)
    placed[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
    assert np.array_equal(placed, full)
    assert rle.encode_window(crop, x0, y0, 480, 854) == rle.encode(full)


def test_window_paste_equals_the_whole_frame_paste_for_random_masks_and_boxes() -> None:
    """Blobs anywhere (also off the mask's edge), any threshold, boxes partly off 480p
    and 1080p frames: the window holds every set pixel of the full paste, and only
    reaches as far as the over-threshold part of the mask can."""
    rng = np.random.default_rng(1)
    shrunk = 0
    for case in range(400):
        prob = np.zeros((127, 127), np.float32)
        for _ in range(rng.integers(0, 4)):
            cy, cx = rng.integers(-10, 137, 2)
            value = float(rng.uniform(0.2, 1.0))
            cv2.circle(prob, (int(cx), int(cy)), int(rng.integers(1, 40)), value, -1)
        if rng.random() < 0.3:
            prob = cv2_blur(prob + 0.3 * rng.random((127, 127)).astype(np.float32))
        threshold = float(rng.choice([0.3, 0.35, 0.5]))
        side = float(rng.uniform(20, 900))
        width, height = (854, 480) if rng.random() < 0.5 else (1920, 1080)
        box = (float(rng.uniform(-side, width)), float(rng.uniform(-side, height)), side, side)
        full = (paste_mask(prob, box, (width, height)) > threshold).astype(np.uint8)
        x0, y0, crop = paste_window(prob, box, (width, height), threshold)
        placed = np.zeros_like(full)
        placed[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
        assert np.array_equal(placed, full), (case, box)
        shrunk += crop.size < 0.5 * side * side
    assert shrunk > 100  # small blobs give small windows


def test_window_rle_equals_the_whole_frame_rle_for_any_crop() -> None:
    rng = np.random.default_rng(1)
    for case in range(500):
        height, width = (int(v) for v in rng.integers(1, 40, 2))
        h, w = int(rng.integers(0, height + 1)), int(rng.integers(0, width + 1))
        if case % 5 == 0:
            h = height  # runs of 1s can cross from one column into the next
        y0, x0 = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
        # Every third crop is empty: the empty mask has its own short way. Every
        # seventh is all 1s; every other one holds 255 for set pixels.
        crop = (rng.random((h, w)) < rng.random() * (case % 3 > 0)).astype(np.uint8)
        if case % 7 == 0:
            crop[:] = 1
        full = np.zeros((height, width), np.uint8)
        full[y0 : y0 + h, x0 : x0 + w] = crop
        crop = crop * (255 if case % 2 else 1)
        assert rle.encode_window(crop, x0, y0, height, width) == rle.encode(full), case


def test_the_rotated_box_is_that_of_every_boundary_pixel() -> None:
    """The official code keeps every boundary pixel of the contours; ``rotated_box`` keeps
    only the ends of straight runs, which must not change the rectangle at all."""
    rng = np.random.default_rng(2)
    for case in range(300):
        noise = cv2.GaussianBlur(rng.random((60, 70)).astype(np.float32), (0, 0), 1 + case % 4)
        binary = (noise > np.median(noise)).astype(np.uint8)
        binary = cv2.resize(binary, (70 * (1 + case % 5), 60 * (1 + case % 3)), cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        largest = max(contours, key=cv2.contourArea).reshape(-1, 2) + np.int32([5, 7])
        expected = cv2.boxPoints(cv2.minAreaRect(largest)).astype(np.float32)
        got = rotated_box(binary, np.zeros(4), 0.0, (5, 7))
        assert np.array_equal(got, expected), case


def paste_mask(
    mask: np.ndarray, box: tuple[float, float, float, float], frame_size: tuple[int, int]
) -> np.ndarray:
    """The official ``crop_back`` over the whole frame, as the port did before windows:
    the reference ``paste_window`` must equal. (H, W) float32, -1 outside the box."""
    m = mask.shape[0]
    scale = m / box[2]
    back = (-box[0] * scale, -box[1] * scale, frame_size[0] * scale, frame_size[1] * scale)
    a = (frame_size[0] - 1) / back[2]
    b = (frame_size[1] - 1) / back[3]
    mapping = np.array([[a, 0, -a * back[0]], [0, b, -b * back[1]]], dtype=np.float64)
    return cv2.warpAffine(
        mask, mapping, frame_size, flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=-1,
    )  # fmt: skip


def cv2_blur(a: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(a, (0, 0), 6) * 2.5


def test_a_tracker_keeps_the_callers_network_where_it_is() -> None:
    net = SiamMaskNet()
    assert SiamMaskTracker(net, device="cpu").net is net  # already there: no copy
    assert _same_device(torch.device("cpu"), torch.device("cpu"))
    assert not _same_device(torch.device("cpu"), torch.device("cuda"))
    assert not _same_device(torch.device("cuda", 1), torch.device("cuda", 0))


@pytest.mark.gpu
def test_a_cuda_tracker_copies_a_cpu_network_and_reuses_a_cuda_one() -> None:
    net = SiamMaskNet()
    on_gpu = SiamMaskTracker(net, device="cuda").net
    assert on_gpu is not net and next(net.parameters()).device.type == "cpu"
    assert SiamMaskTracker(on_gpu, device="cuda").net is on_gpu
