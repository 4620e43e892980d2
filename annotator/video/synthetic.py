"""A synthetic clip made by code: textured shapes moving on a textured background.

It is the project's own sample clip (``resources/sample.mp4``) and a test and
benchmark input whose true masks are known exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from annotator.video.writer import VideoWriter


def render_frames(
    n: int = 90, width: int = 640, height: int = 360, seed: int = 7
) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """RGB frames (H, W, 3) uint8 and, per frame, the two objects' true (H, W) uint8 masks.

    Object 1 is a disc moving left to right; object 2 a square moving up and down.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = (40 + 30 * np.sin(xx / 23.0)[..., None] + 25 * np.cos(yy / 17.0)[..., None]).astype(
        np.float32
    )
    # Blotches rather than per-pixel noise: real backgrounds have texture at some scale.
    grain = _blotches(rng, height, width, 9)[..., None] * np.array([22.0, 18.0, 12.0])
    background = np.clip(base + grain, 0, 255).astype(np.uint8)
    texture = _blotches(rng, height, width, 6)
    frames, masks = [], []
    for i in range(n):
        t = i / max(n - 1, 1)
        frame = background.copy()
        cx, cy, r = 80 + t * (width - 160), height * 0.35, 38
        disc = ((xx - cx) ** 2 + (yy - cy) ** 2) <= r * r
        sx, sy, s = (
            int(width * 0.62),
            int(60 + (height - 180) * (0.5 - 0.5 * np.cos(2 * np.pi * t))),
            70,
        )
        square = np.zeros((height, width), bool)
        square[sy : sy + s, sx : sx + s] = True
        # Each texture moves with its object, as on a real object, so flow can see the motion.
        disc_texture = np.roll(texture, (0, int(np.rint(cx - 80))), axis=(0, 1))
        square_texture = np.roll(texture, (sy - 60, 0), axis=(0, 1))
        frame[disc & disc_texture] = (230, 80, 40)
        frame[disc & ~disc_texture] = (250, 190, 60)
        frame[square & square_texture] = (40, 120, 230)
        frame[square & ~square_texture] = (60, 220, 200)
        frames.append(frame)
        masks.append([disc.astype(np.uint8), square.astype(np.uint8)])
    return frames, masks


def _blotches(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """A (height, width) bool two-tone texture of blobs about ``cell`` px wide.

    Not periodic: a repeating pattern that moves by half its period looks
    still to optical flow and to a correlation tracker alike.
    """
    small = (rng.random((height // cell + 1, width // cell + 1)) * 255).astype(np.uint8)
    smooth = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(smooth) > 127


def write_video(path: Path, frames: Iterable[np.ndarray], fps: int = 30, gop: int = 30) -> None:
    """Encode RGB frames as H.264 (yuv420p) with a keyframe every ``gop`` frames."""
    with VideoWriter(path, fps, gop) as writer:
        for frame in frames:
            writer.write(frame)


def write_sample_clip(path: Path) -> Path:
    frames, _ = render_frames()
    write_video(path, frames)
    return path
