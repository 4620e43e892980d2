"""Train the box refiner (``annotator/tracking/box_refiner.py``) on the DAVIS-2016 train split.

usage: python scripts/train_box_refiner.py DAVIS_TRAIN_ROOT [--cache DIR] [--steps N]
           [--out annotator/tracking/data/box_refiner.pt] [--eval-only]

DAVIS_TRAIN_ROOT is the split in the DAVIS layout, as ``unpack.py`` in
``../shared/data/davis2016-train/`` writes it. The split is the one
``scripts/tune_propagator.py`` uses: every third sequence of the sorted list
(from the third on) is held out and only checked on; the network is fitted on
the rest. Every frame of a fitted sequence gives one sample: the ground
truth's bounding box (its edges moved at random by up to 4% of its size for
half the samples, as a user's box is never exact), GrabCut's mask in it, and
the crop the network sees. Every fifth frame of a held-out sequence is kept
for checking, with the exact box. Samples are cached in ``--cache``.

Everything is seeded; on a 2-core CPU the preparation takes about 6 minutes
and the training about 10. The last line printed is the held-out mean IoU of
GrabCut alone and of GrabCut plus the refiner, at full resolution.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from annotator.tracking.box_mask import box_to_mask as refined_mask
from annotator.tracking.box_mask import (
    grabcut_mask,
    refiner_window,
    sample_window,
)
from annotator.tracking.box_refiner import CROP, WEIGHTS, BoxRefiner, network_input

log = logging.getLogger("train_box_refiner")

JITTER = 0.04
HELD_EVERY = 5


def split_names(root: Path) -> tuple[list[str], list[str]]:
    """(fit, held) sequence names."""
    names = sorted(d.name for d in (root / "Annotations" / "480p").iterdir() if d.is_dir())
    held = names[2::3]
    return [n for n in names if n not in held], held


def read_truth(path: Path) -> np.ndarray:
    """(H, W) bool; a grey-plus-alpha PNG is read by its grey channel."""
    image = Image.open(path)
    grey = image.split()[0] if image.mode == "LA" else image.convert("L")
    return np.asarray(grey) > 127


def bbox_of(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    x0, y0 = float(xs.min()), float(ys.min())
    return x0, y0, float(xs.max()) - x0 + 1, float(ys.max()) - y0 + 1


def jittered(box: tuple[float, float, float, float], rng: np.random.Generator) -> tuple:
    x, y, w, h = box
    d = rng.uniform(-JITTER, JITTER, 4) * np.array([w, h, w, h])
    x0, y0, x1, y1 = x + d[0], y + d[1], x + w + d[2], y + h + d[3]
    return x0, y0, max(x1 - x0, 4.0), max(y1 - y0, 4.0)


def frames_of(root: Path, name: str, every: int) -> list[tuple[Path, Path]]:
    truths = sorted((root / "Annotations" / "480p" / name).glob("*.png"))[::every]
    images = root / "JPEGImages" / "480p" / name
    return [(images / f"{t.stem}.jpg", t) for t in truths]


def prepare_one(job: tuple[str, str, str, int]) -> dict[str, np.ndarray] | None:
    """One sample: crops (CROP, CROP[, 3]) of the frame, GrabCut's mask and the truth."""
    image_path, truth_path, name, seed = job
    truth = read_truth(Path(truth_path))
    if truth.sum() < 16:
        return None
    frame = np.asarray(Image.open(image_path).convert("RGB"))
    box = bbox_of(truth)
    rng = np.random.default_rng(seed)
    if seed >= 0 and rng.random() < 0.5:
        box = jittered(box, rng)
    guess = grabcut_mask(frame, box)
    window = refiner_window(box)
    return {
        "rgb": sample_window(frame, window, CROP),
        "guess": sample_window(guess.astype(np.float32), window, CROP),
        "truth": sample_window(truth.astype(np.float32), window, CROP),
    }


def prepare(root: Path, names: list[str], every: int, seeded: bool, cache: Path) -> dict:
    if cache.is_file():
        data = np.load(cache)
        return {k: data[k] for k in data.files}
    pairs = [(n, p) for n in names for p in frames_of(root, n, every)]
    jobs = [(str(i), str(t), n, k if seeded else -1) for k, (n, (i, t)) in enumerate(pairs)]
    with Pool(2) as pool:
        samples = [s for s in pool.map(prepare_one, jobs, chunksize=8) if s is not None]
    data = {k: np.stack([s[k] for s in samples]) for k in ("rgb", "guess", "truth")}
    np.savez_compressed(cache, **data)
    return data


def batches(data: dict, rng: np.random.Generator, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    idx = rng.integers(0, len(data["rgb"]), size)
    rgb = data["rgb"][idx].astype(np.float32)
    # Colour jitter: gain and offset per sample and channel.
    rgb = rgb * rng.uniform(0.8, 1.2, (size, 1, 1, 3)) + rng.uniform(-20, 20, (size, 1, 1, 3))
    rgb = np.clip(rgb, 0, 255)
    x = torch.cat([network_input(r, g) for r, g in zip(rgb, data["guess"][idx], strict=True)])
    y = torch.from_numpy(data["truth"][idx].astype(np.float32))[:, None]
    flip = torch.from_numpy(rng.random(size) < 0.5)
    x[flip] = x[flip].flip(-1)
    y[flip] = y[flip].flip(-1)
    return x, (y > 0.5).float()


def train(data: dict, steps: int, seed: int = 0, width: int = 16, decay: float = 1e-4) -> BoxRefiner:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = BoxRefiner(width)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    model.train()
    start = time.time()
    for step in range(steps):
        x, y = batches(data, rng, 24)
        logits = model(x)
        prob = torch.sigmoid(logits)
        dice = 1 - (2 * (prob * y).sum((1, 2, 3)) + 1) / ((prob + y).sum((1, 2, 3)) + 1)
        loss = F.binary_cross_entropy_with_logits(logits, y) + dice.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0:
            log.warning("step %d loss %.4f (%.0f s)", step, loss.item(), time.time() - start)
    return model.eval()


def evaluate(root: Path, names: list[str], model: BoxRefiner | None) -> dict[str, float]:
    """Full-resolution mean IoU per held-out sequence: GrabCut alone, and refined."""
    out: dict[str, list[float]] = {"grabcut": [], "refined": []}
    per_seq = {}
    for name in names:
        scores: dict[str, list[float]] = {"grabcut": [], "refined": []}
        for image, truth_path in frames_of(root, name, HELD_EVERY):
            truth = read_truth(truth_path)
            if truth.sum() < 16:
                continue
            frame = np.asarray(Image.open(image).convert("RGB"))
            box = bbox_of(truth)
            for key, mask in (
                ("grabcut", grabcut_mask(frame, box)),
                ("refined", refined_mask(frame, box, model)),
            ):
                m = mask > 0
                scores[key].append(float((m & truth).sum() / max((m | truth).sum(), 1)))
        per_seq[name] = {k: round(float(np.mean(v)), 3) for k, v in scores.items()}
        for k in out:
            out[k].append(float(np.mean(scores[k])))
    log.warning("per sequence: %s", json.dumps(per_seq))
    return {k: round(float(np.mean(v)), 4) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/box_refiner_cache"))
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--decay", type=float, default=1e-4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    torch.set_num_threads(2)
    fit, held = split_names(args.root)
    if args.eval_only:
        state = torch.load(args.out, map_location="cpu", weights_only=True)
        model = BoxRefiner()
        model.load_state_dict(state)
        model.eval()
    else:
        args.cache.mkdir(parents=True, exist_ok=True)
        data = prepare(args.root, fit, 1, True, args.cache / "fit.npz")
        log.warning("fit samples: %d", len(data["rgb"]))
        model = train(data, args.steps, width=args.width, decay=args.decay)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), args.out)
    result = evaluate(args.root, held, model)
    sys.stdout.write(json.dumps({"held_out_mean_iou": result}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
