"""Finding, downloading, verifying and loading SiamMask checkpoints.

A checkpoint is untrusted input: it is read with ``torch.load(weights_only=True)``
and checked key by key and shape by shape against the network before use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from annotator.errors import WeightsError
from annotator.tracking.network import SiamMaskNet

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = "SiamMask_DAVIS.pth"
ENV_WEIGHTS = "ANNOTATOR_WEIGHTS"
ENV_MODELS_DIR = "ANNOTATOR_MODELS_DIR"
# The manifest ships inside the package, so an installed (not editable) annotator has it;
# ``models/weights.json`` in a checkout links to it.
_MANIFEST = Path(__file__).resolve().parent / "data" / "weights.json"


def _checkout_models() -> Path | None:
    """``models/`` of a source checkout (where the package is not installed into
    site-packages), which holds downloaded weights; None for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root / "models" if (root / "pyproject.toml").is_file() else None


@dataclass(frozen=True)
class WeightsEntry:
    """One official checkpoint from the manifest (``annotator/tracking/data/weights.json``)."""

    name: str
    url: str
    sha256: str | None
    description: str


def manifest_path() -> Path:
    return _MANIFEST


def load_manifest(path: Path | None = None) -> dict[str, WeightsEntry]:
    """The official checkpoints by file name."""
    path = path or manifest_path()
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise WeightsError(f"cannot read the weights manifest {path}: {exc}") from exc
    return {
        e["name"]: WeightsEntry(e["name"], e["url"], e.get("sha256"), e.get("description", ""))
        for e in raw["weights"]
    }


def models_dirs() -> list[Path]:
    """Folders searched for checkpoints, in order."""
    dirs = []
    if os.environ.get(ENV_MODELS_DIR):
        dirs.append(Path(os.environ[ENV_MODELS_DIR]))
    checkout = _checkout_models()
    if checkout is not None:
        dirs.append(checkout)
    dirs.append(Path.home() / ".cache" / "annotator" / "models")
    return dirs


def download_dir() -> Path:
    """Where ``annotator weights download`` saves: the first writable models folder."""
    for d in models_dirs():
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(d, os.W_OK):
            return d
    raise WeightsError("no writable folder for weights; set ANNOTATOR_MODELS_DIR")


def find_weights(explicit: str | Path | None = None, name: str = DEFAULT_WEIGHTS) -> Path | None:
    """The checkpoint to use, or None when there is none.

    An explicit path (``--weights``) must exist; otherwise ``$ANNOTATOR_WEIGHTS``,
    then ``name`` in each of ``models_dirs()``.
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise WeightsError(f"weights file {path} does not exist")
        return path
    if os.environ.get(ENV_WEIGHTS):
        path = Path(os.environ[ENV_WEIGHTS]).expanduser()
        if not path.is_file():
            raise WeightsError(f"{ENV_WEIGHTS}={path} does not point to a file")
        return path
    for d in models_dirs():
        if (d / name).is_file():
            return d / name
    return None


def missing_weights_message(name: str = DEFAULT_WEIGHTS) -> str:
    looked = "\n".join(f"  {d / name}" for d in models_dirs())
    return (
        f"no SiamMask weights found. Looked in:\n{looked}\n"
        f"Run `annotator weights download` to fetch {name}, or pass --weights PATH, "
        f"or set {ENV_WEIGHTS}=PATH."
    )


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a checkpoint, bare or under ``"state_dict"``, with ``module.`` stripped."""
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise WeightsError(f"weights file {path} does not exist") from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WeightsError(
            f"{path} is not a readable PyTorch checkpoint (truncated or corrupt?): {exc}"
        ) from exc
    except Exception as exc:  # an unpickling error names arbitrary classes
        raise WeightsError(f"{path} is not a plain tensor checkpoint: {exc}") from exc
    if isinstance(raw, Mapping) and "state_dict" in raw and isinstance(raw["state_dict"], Mapping):
        raw = raw["state_dict"]
    if not isinstance(raw, Mapping):
        raise WeightsError(f"{path} holds a {type(raw).__name__}, not a state dict")
    state = {}
    for key, value in raw.items():
        if not isinstance(value, torch.Tensor):
            continue
        state[key.removeprefix("module.")] = value
    return state


def _first(items: Iterable[str], n: int = 5) -> str:
    items = list(items)
    more = f" (and {len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def check_state_dict(net: torch.nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """Raise ``WeightsError`` naming the first missing, unexpected and mis-shaped keys."""
    expected = net.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [
        f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing keys: {_first(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_first(unexpected)}")
        if wrong:
            parts.append(f"wrong shapes: {_first(wrong)}")
        raise WeightsError(
            "checkpoint does not match the SiamMask (sharp) architecture; " + "; ".join(parts)
        )


def build_network(state: Mapping[str, torch.Tensor]) -> SiamMaskNet:
    """A SiamMask network in eval mode with ``state`` loaded after checking it."""
    net = SiamMaskNet()
    check_state_dict(net, state)
    net.load_state_dict(dict(state), strict=True)
    return net.eval()


def load_network(path: Path) -> SiamMaskNet:
    """Read, check and load a checkpoint file."""
    log.info("loading SiamMask weights from %s", path)
    state = read_checkpoint(path)
    try:
        return build_network(state)
    except WeightsError as exc:
        raise WeightsError(f"{path}: {exc}") from exc


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download(
    entry: WeightsEntry,
    dest_dir: Path,
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Fetch ``entry`` into ``dest_dir`` atomically, verifying its SHA-256 when known.

    ``progress(bytes_so_far, total_or_None)`` is called as data arrives.
    """
    dest = dest_dir / entry.name
    part = dest.with_suffix(dest.suffix + ".part")
    manual = (
        f"Download {entry.url} on a machine with internet access and copy it to {dest} "
        f"(or pass --weights PATH)."
    )
    try:
        with urllib.request.urlopen(entry.url, timeout=timeout) as response, part.open("wb") as fh:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while block := response.read(1 << 16):
                fh.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        part.unlink(missing_ok=True)
        raise WeightsError(
            f"cannot download {entry.name}: offline or unreachable ({exc}). {manual}"
        ) from exc
    got = sha256_of(part)
    record = dest.with_name(dest.name + ".sha256")
    expected = entry.sha256 or (record.read_text().split()[0] if record.is_file() else None)
    if expected and got != expected:
        part.unlink(missing_ok=True)
        raise WeightsError(
            f"{entry.name} failed its checksum (got {got}, expected {expected}). {manual}"
        )
    part.replace(dest)
    if not entry.sha256 and not record.is_file():
        # No published digest: remember this one, so a later download that differs is caught.
        record.write_text(f"{got}  {entry.name}\n")
        log.warning(
            "%s has no published SHA-256; recorded %s in %s to check later downloads",
            entry.name, got, record,
        )  # fmt: skip
    return dest
