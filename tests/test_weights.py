"""Checkpoint loading is strict and its errors say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from annotator.errors import WeightsError
from annotator.tracking import weights as w


def test_bare_state_dict_loads(seeded_weights_file: Path) -> None:
    net = w.load_network(seeded_weights_file)
    assert not net.training


def test_wrapped_and_module_prefixed_checkpoints_load(tmp_path: Path, seeded_state_dict) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wrapped.pth"
    torch.save(
        {"state_dict": {f"module.{k}": v for k, v in seeded_state_dict.items()}, "epoch": 3}, path
    )
    net = w.load_network(path)
    key = "refine_model.post2.weight"
    assert torch.equal(net.state_dict()[key], seeded_state_dict[key])


def test_wrong_architecture_names_the_keys(tmp_path: Path, seeded_state_dict) -> None:  # type: ignore[no-untyped-def]
    state = dict(seeded_state_dict)
    del state["refine_model.deconv.weight"]
    state["rpn_model.extra.weight"] = torch.zeros(3)
    state["rpn_model.cls.head.3.weight"] = torch.zeros(8, 256, 1, 1)
    path = tmp_path / "wrong.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError) as err:
        w.load_network(path)
    message = str(err.value)
    assert "missing keys: refine_model.deconv.weight" in message
    assert "unexpected keys: rpn_model.extra.weight" in message
    assert "rpn_model.cls.head.3.weight (8, 256, 1, 1) != (10, 256, 1, 1)" in message
    assert str(path) in message


def test_truncated_checkpoint_is_reported(tmp_path: Path, seeded_weights_file: Path) -> None:
    data = seeded_weights_file.read_bytes()
    path = tmp_path / "truncated.pth"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(WeightsError, match="truncated or corrupt"):
        w.load_network(path)


def test_pickled_objects_are_refused(tmp_path: Path, seeded_state_dict) -> None:  # type: ignore[no-untyped-def]
    # A complete, valid state dict with one pickled object beside it: it would load
    # if the checkpoint were unpickled without weights_only.
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": dict(seeded_state_dict), "obj": Path("/")}, path)
    with pytest.raises(WeightsError):
        w.load_network(path)
    plain = tmp_path / "plain.pth"
    torch.save({"state_dict": dict(seeded_state_dict)}, plain)
    assert w.load_network(plain) is not None


def test_missing_weights_message_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(w.ENV_WEIGHTS, raising=False)
    monkeypatch.setenv(w.ENV_MODELS_DIR, str(tmp_path))
    monkeypatch.setattr(w, "_checkout_models", lambda: tmp_path / "repo-models")
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "home")
    assert w.find_weights() is None
    message = w.missing_weights_message()
    assert str(tmp_path / w.DEFAULT_WEIGHTS) in message
    assert "annotator weights download" in message and "--weights" in message


def test_explicit_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        w.find_weights(tmp_path / "nope.pth")


def test_manifest_lists_the_official_checkpoints() -> None:
    manifest = w.load_manifest()
    assert {"SiamMask_DAVIS.pth", "SiamMask_VOT.pth"} <= set(manifest)
    for entry in manifest.values():
        assert entry.url.startswith("http") and entry.url.endswith(entry.name)


def test_offline_download_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    entry = w.WeightsEntry("SiamMask_DAVIS.pth", "http://127.0.0.1:9/SiamMask_DAVIS.pth", None, "")
    with pytest.raises(WeightsError, match="offline or unreachable") as err:
        w.download(entry, tmp_path, timeout=5)
    assert "copy it to" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_download_verifies_checksum(tmp_path: Path) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(b"not really weights")
    good = w.WeightsEntry("a.pth", source.as_uri(), w.sha256_of(source), "")
    out = tmp_path / "out"
    out.mkdir()
    assert w.download(good, out).read_bytes() == b"not really weights"
    bad = w.WeightsEntry("b.pth", source.as_uri(), "0" * 64, "")
    with pytest.raises(WeightsError, match="checksum"):
        w.download(bad, out)
    assert not (out / "b.pth").exists()


def test_without_a_published_digest_the_first_download_is_recorded(tmp_path: Path) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(b"first copy")
    entry = w.WeightsEntry("c.pth", source.as_uri(), None, "")
    out = tmp_path / "out"
    out.mkdir()
    w.download(entry, out)
    assert (out / "c.pth.sha256").read_text().split()[0] == w.sha256_of(source)
    w.download(entry, out)  # the same bytes again: fine
    source.write_bytes(b"a different file")
    with pytest.raises(WeightsError, match="checksum"):
        w.download(entry, out)
    assert (out / "c.pth").read_bytes() == b"first copy"


def test_the_manifest_ships_inside_the_package() -> None:
    import annotator

    path = w.manifest_path()
    assert path.is_relative_to(Path(annotator.__file__).parent) and path.is_file()
