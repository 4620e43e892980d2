"""Soft-matte deliveries: multi-layer EXR, RGBA PNG sequences, ProRes 4444, refined mattes.

Each is read back with an independent reader (OpenEXR, OpenCV, PyAV) and
compared with the mattes the refiner gives for the same project.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import OpenEXR
import pytest

from annotator.commands.export import export_project, make_job
from annotator.commands.project import open_with_video
from annotator.core.matte_settings import MatteSettings
from annotator.formats.matte_stream import matte_frames
from annotator.formats.registry import ExportSettings
from tests.test_cli_track import run_cli
from tests.test_export import H, N, W, three_object_project


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return three_object_project(tmp_path)


def set_matte(project: Path, object_id: int, settings: MatteSettings) -> None:
    store, source = open_with_video(project)
    with store, source:
        info = store.model.objects[object_id]
        store.apply(store.model.update_object(replace(info, matte=settings)))


def expected(project: Path) -> dict[int, dict[int, np.ndarray]]:
    """frame -> object -> alpha, from the refiner itself."""
    store, source = open_with_video(project, read_only=True)
    with store, source:
        job = make_job(store, source, None, None)
        return {m.index: dict(m.alpha) for m in matte_frames(job)}


def test_matte_settings_are_stored_per_object_with_undo(project: Path) -> None:
    wanted = MatteSettings(band_px=12, chatter=0.5, decontaminate=True)
    set_matte(project, 1, wanted)
    store, source = open_with_video(project)
    with store, source:
        assert store.model.objects[1].matte == wanted  # stored, read back on opening
        assert store.model.objects[2].matte == MatteSettings()
        info = store.model.objects[2]
        store.apply(store.model.update_object(replace(info, matte=MatteSettings(shift_px=2))))
        store.undo()
        assert store.model.objects[2].matte == MatteSettings()
    store, source = open_with_video(project)
    with store, source:
        assert store.model.objects[2].matte == MatteSettings()  # the undo reached the disk


@pytest.mark.parametrize(
    ("compression", "code"),
    [
        ("zip", OpenEXR.ZIP_COMPRESSION),
        ("piz", OpenEXR.PIZ_COMPRESSION),
        ("dwaa", OpenEXR.DWAA_COMPRESSION),
        ("none", OpenEXR.NO_COMPRESSION),
    ],
)
def test_exr_has_one_named_layer_per_object_and_the_beauty(
    project: Path,
    tmp_path: Path,
    compression: str,
    code: OpenEXR.Compression,
) -> None:
    out = tmp_path / "exr"
    run_cli("export", str(project), "--format", "exr", "--out", str(out),
            "--exr-compression", compression)  # fmt: skip
    files = sorted(out.glob("*.exr"))
    assert [f.name for f in files] == [f"clip.{i:05d}.exr" for i in range(N)]
    truth = expected(project)
    with OpenEXR.File(str(files[3]), separate_channels=True) as exr:
        header = exr.header()
        assert header["compression"] == code
        channels = exr.channels()
        assert set(channels) == {"R", "G", "B", "object_1.A", "object_2.A", "object_3.A"}
        for name, ch in channels.items():
            assert ch.type() == OpenEXR.HALF and ch.pixels.shape == (H, W), name
        tolerance = 0.01 if compression != "dwaa" else 0.05  # DWAA is lossy
        for k in (1, 2, 3):
            got = channels[f"object_{k}.A"].pixels.astype(np.float32)
            assert np.abs(got - truth[3][k]).max() < tolerance


def test_exr_float_without_frames(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "exr"
    export_project(project, "exr", out, objects=[2], frames="0:2",
                   settings=ExportSettings(with_frames=False, exr_type="float"))  # fmt: skip
    with OpenEXR.File(str(out / "clip.00001.exr"), separate_channels=True) as exr:
        channels = exr.channels()
        assert list(channels) == ["object_2.A"]
        assert channels["object_2.A"].type() == OpenEXR.FLOAT
        assert np.array_equal(channels["object_2.A"].pixels, expected(project)[1][2])


@pytest.mark.parametrize(("depth", "premultiply"), [(8, False), (16, True)])
def test_rgba_png_sequences_decode_to_the_matte(
    project: Path,
    tmp_path: Path,
    depth: int,
    premultiply: bool,
) -> None:
    set_matte(project, 1, MatteSettings(band_px=6, feather_px=1))
    out = tmp_path / "rgba"
    export_project(project, "rgba", out,
                   settings=ExportSettings(bit_depth=depth, premultiply=premultiply))  # fmt: skip
    names = sorted(p.name for p in (out / "object_1").iterdir())
    assert names == [f"object_1.{i:05d}.png" for i in range(N)]
    truth = expected(project)
    top = 255.0 if depth == 8 else 65535.0
    for f in (0, 7):
        with av.open(str(out / "object_1" / f"object_1.{f:05d}.png")) as png:
            decoded = next(png.decode(video=0))
            assert decoded.format.name == ("rgba" if depth == 8 else "rgba64be")
            rgba = decoded.to_ndarray(format="rgba" if depth == 8 else "rgba64le")
        assert rgba.shape == (H, W, 4)
        alpha = rgba[..., 3] / top
        assert np.abs(alpha - truth[f][1]).max() <= 0.5 / top + 1e-6
        soft = (truth[f][1] > 0) & (truth[f][1] < 1)
        assert soft.any()  # the matte really is soft at the edge
        if premultiply:
            assert np.all(rgba[..., :3][truth[f][1] == 0] == 0)


def test_prores_4444_carries_the_matte_as_alpha(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "prores"
    run_cli("export", str(project), "--format", "prores", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "object_1.mov", "object_2.mov", "object_3.mov",
    ]  # fmt: skip
    truth = expected(project)
    with av.open(str(out / "object_2.mov")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "prores"
        assert stream.codec_context.pix_fmt.startswith("yuva444p")
        assert stream.average_rate == 30
        frames = [f.to_ndarray(format="rgba64le") for f in container.decode(stream)]
    assert len(frames) == N
    for f in (0, 5, 9):
        alpha = frames[f][..., 3] / 65535.0
        assert np.abs(alpha - truth[f][2]).max() < 0.01  # 10-bit alpha


def test_mattes_refine_writes_the_soft_matte(project: Path, tmp_path: Path) -> None:
    set_matte(project, 1, MatteSettings(band_px=8))
    out = tmp_path / "mattes"
    run_cli("export", str(project), "--format", "mattes", "--refine", "--out", str(out),
            "--objects", "1")  # fmt: skip
    grey = cv2.imread(str(out / "1_object_1" / "00004.png"), cv2.IMREAD_UNCHANGED)
    truth = expected(project)[4][1]
    assert np.abs(grey / 255.0 - truth).max() <= 0.5 / 255 + 1e-6
    assert ((grey > 0) & (grey < 255)).any()
