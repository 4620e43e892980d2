"""Bad input gets one line on stderr and exit 2, and the project is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotator.core import rle
from annotator.formats.palette import write_index_png
from annotator.video.synthetic import render_frames
from tests.test_cli_project import disc_clip  # noqa: F401 - a fixture
from tests.test_cli_track import run_cli


def refused(proc, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr


@pytest.fixture()
def project(tmp_path: Path, disc_clip: Path) -> Path:  # noqa: F811
    """A project of the disc clip with the disc imported as keyframes."""
    _, masks = render_frames(40, 200, 120)
    davis = tmp_path / "davis" / "Annotations" / "480p" / "clip"
    davis.mkdir(parents=True)
    for i, (disc, _) in enumerate(masks[:5]):
        write_index_png(davis / f"{i:05d}.png", disc.astype(np.uint8))
    path = tmp_path / "work" / "p.annot"
    path.parent.mkdir()
    proc = run_cli("import", path, "--davis", tmp_path / "davis", "--video", disc_clip)
    assert proc.returncode == 0, proc.stderr
    return path


def info(project: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("info", project).stdout)


def test_an_export_never_replaces_its_own_project(project: Path) -> None:
    before = info(project)
    for out in (project, project.parent):
        proc = run_cli("export", project, "--format", "davis", "--out", out, "--overwrite")
        refused(proc, "would replace the project")
    assert info(project) == before


def test_a_coco_mask_of_the_wrong_size_is_refused(project: Path, tmp_path: Path) -> None:
    before = info(project)
    wrong = rle.encode(np.ones((60, 100), np.uint8))
    coco = {
        "images": [{"id": 1, "file_name": "00000.png", "height": 120, "width": 200}],
        "annotations": [
            {"id": 1, "image_id": 1, "track_id": 1, "category_id": 1, "segmentation": wrong}
        ],
        "categories": [{"id": 1, "name": "disc"}],
    }
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(coco))
    refused(run_cli("import", project, "--coco", path), "segmentation is 100x60")
    coco["annotations"][0]["segmentation"] = rle.encode(np.ones((120, 200), np.uint8))
    coco["annotations"][0]["track_id"] = "first"
    path.write_text(json.dumps(coco))
    refused(run_cli("import", project, "--coco", path), "ValueError")
    assert info(project) == before


def test_absurd_boxes_are_refused(disc_clip: Path, tmp_path: Path) -> None:  # noqa: F811
    for box, why in (("0,0,1e9,1e9", "times the 200x120 image"), ("100,100,0.001,0.001", "pixel")):
        for tracker in ("flow", "siammask"):
            proc = run_cli(
                "track", disc_clip, "--box", box, "--tracker", tracker,
                "--out", tmp_path / f"out-{tracker}",
            )  # fmt: skip
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
            # SiamMask without weights may stop first, at its missing checkpoint
            assert why in proc.stderr or (tracker == "siammask" and "weights" in proc.stderr)


def test_bad_counts_and_unwritable_paths(tmp_path: Path) -> None:
    refused(run_cli("bench", "flow", "--frames", "0"), "--frames must be at least 1")
    davis = tmp_path / "a" / "Annotations" / "480p" / "s"
    davis.mkdir(parents=True)
    write_index_png(davis / "00000.png", np.ones((8, 8), np.uint8))
    proc = run_cli("eval", tmp_path / "a", tmp_path / "a", "--json", tmp_path / "no" / "r.json")
    refused(proc, "No such file or directory")


def test_new_user_friction_at_the_command_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from annotator import __version__
    from annotator.launcher import main

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"annotator {__version__}"
    # a mistyped command does not open the window
    assert main(["trak", "clip.mp4"]) == 2
    assert "did you mean 'track'?" in capsys.readouterr().err
    assert main(["gui", "--help"]) == 0
    assert "usage: annotator [gui] [PATH]" in capsys.readouterr().out
    # no display: one line instead of Qt's abort
    monkeypatch.setattr("sys.platform", "linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) == 2
    assert "no display" in capsys.readouterr().err


def test_missing_xcb_libraries_are_named_before_qt_aborts(
    monkeypatch: pytest.MonkeyPatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from annotator import launcher

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    for var in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    present = {"xcb-icccm", "xcb-keysyms", "xcb-image", "xcb-render-util", "xcb-shape"}
    find = lambda lib: f"lib{lib}.so" if lib in present else None  # noqa: E731
    assert launcher.missing_xcb_packages(find) == [
        "libxcb-cursor0", "libxcb-randr0", "libxcb-xkb1", "libxkbcommon-x11-0"
    ]  # fmt: skip
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert launcher.missing_xcb_packages(find) == []
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setattr(launcher, "missing_xcb_packages", lambda: ["libxcb-cursor0"])
    assert launcher.main([]) == 2
    err = capsys.readouterr().err
    assert "sudo apt install libxcb-cursor0" in err and err.count("\n") == 1


def bomb_png(path: Path, width: int = 30000, height: int = 30000) -> None:
    """A tiny palette PNG whose header claims ``width`` x ``height`` pixels."""
    import struct
    import zlib

    write_index_png(path, np.zeros((4, 4), np.uint8))
    data = bytearray(path.read_bytes())
    # IHDR starts at byte 8: length (4), type (4), width (4), height (4), ... then CRC.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))


def test_decompression_bombs_are_refused_unread(project: Path, tmp_path: Path) -> None:
    before = info(project)
    davis = tmp_path / "bomb" / "Annotations" / "480p" / "clip"
    davis.mkdir(parents=True)
    write_index_png(davis / "00000.png", np.zeros((120, 200), np.uint8))
    bomb_png(davis / "00001.png")
    refused(run_cli("import", project, "--davis", tmp_path / "bomb"), "claims")
    assert info(project) == before
    gt = tmp_path / "gt" / "clip"
    gt.mkdir(parents=True)
    write_index_png(gt / "00000.png", np.zeros((120, 200), np.uint8))
    refused(run_cli("eval", gt, davis), "claims")
    frames = tmp_path / "frames"
    frames.mkdir()
    bomb_png(frames / "00000.png")
    refused(run_cli("track", frames, "--box", "1,1,5,5", "--out", tmp_path / "o"), "claims")


def test_a_raw_h264_stream_says_how_to_wrap_it(tmp_path: Path) -> None:
    import av

    frames, _ = render_frames(10, 160, 96)
    raw = tmp_path / "clip.h264"
    with av.open(str(raw), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    proc = run_cli(
        "track", raw, "--box", "10,10,40,40", "--out", tmp_path / "o", "--tracker", "flow"
    )
    refused(proc, "raw stream", "ffmpeg -i clip.h264 -c copy clip.mp4")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda a, im: a.update(segmentation=[]), ["empty polygon"]),
        (lambda a, im: a.update(segmentation=[[1, 2, 3]]), ["3 or more points"]),
        (lambda a, im: a.update(segmentation=[[1, 2, 3, 4]]), ["3 or more points"]),
        (lambda a, im: a.update(segmentation=[[[1, 2], [3, 4], [5, 6]]]), ["3 or more points"]),
        (lambda a, im: a.update(segmentation=[["a", 2, 3, 4, 5, 6]]), ["other than numbers"]),
        (lambda a, im: im.pop("height"), ["height"]),
        (lambda a, im: a.update(track_id="one"), ["ids"]),
        (lambda a, im: a.update(image_id="first"), ["ids"]),
    ],
)
def test_malformed_coco_files_are_refused(
    project: Path,
    tmp_path: Path,
    change,
    words: list[str],  # type: ignore[no-untyped-def]
) -> None:
    coco = tmp_path / "c.json"
    assert run_cli("export", project, "--format", "coco", "--out", coco).returncode == 0
    data = json.loads(coco.read_text())
    ann = data["annotations"][0]
    image = next(im for im in data["images"] if im["id"] == ann["image_id"])
    change(ann, image)
    coco.write_text(json.dumps(data))
    before = info(project)
    refused(run_cli("import", project, "--coco", coco), *words)
    assert info(project) == before


def test_a_youtube_vos_meta_entry_that_is_a_string_is_refused(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "yt"
    assert run_cli("export", project, "--format", "youtube-vos", "--out", out).returncode == 0
    meta = json.loads((out / "meta.json").read_text())
    video = next(iter(meta["videos"]))
    meta["videos"][video]["objects"]["1"] = "person"
    (out / "meta.json").write_text(json.dumps(meta))
    before = info(project)
    refused(run_cli("import", project, "--youtube-vos", out), "meta.json", "not a mapping")
    assert info(project) == before


def test_ids_beyond_what_a_project_stores_are_refused(project: Path, tmp_path: Path) -> None:
    big = str(2**70)
    refused(run_cli("propagate", project, "--from", "0", "--objects", big), "ids run from 1")
    coco = tmp_path / "c.json"
    assert run_cli("export", project, "--format", "coco", "--out", coco).returncode == 0
    data = json.loads(coco.read_text())
    data["annotations"][0]["track_id"] = 2**63 + 5
    coco.write_text(json.dumps(data))
    before = info(project)
    refused(run_cli("import", project, "--coco", coco), "ids run from 1")
    assert info(project) == before
