"""Export to every format and import back: masks survive bit for bit; bad input changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from annotator.commands.export import export_project, import_into_project, make_job, run_export
from annotator.commands.project import open_or_create, open_with_video
from annotator.core import rle
from annotator.core.model import FrameMask, ObjectInfo, Provenance
from annotator.errors import AnnotatorError
from annotator.formats.common import ExportError, parse_frames
from annotator.formats.palette import davis_palette
from annotator.formats.registry import ExportSettings
from annotator.video.frame_source import open_source
from annotator.video.synthetic import render_frames, write_video
from tests.test_cli_track import run_cli

N = 10
W, H = 160, 96


def all_masks(project: Path) -> dict[tuple[int, int], np.ndarray]:
    store, source = open_with_video(project)
    with store, source:
        return {
            (k, f): rle.decode(m.rle)
            for k, f, m in store.model
            if m.rle is not None and rle.area(m.rle) > 0
        }


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return three_object_project(tmp_path)


def three_object_project(tmp_path: Path) -> Path:
    """A 10-frame clip with three objects; object 3 is absent on frames 6..9, never overlapping."""
    frames, truths = render_frames(N, W, H)
    video = tmp_path / "clip.mp4"
    write_video(video, frames)
    path = tmp_path / "clip.annot"
    with open_source(video) as source, open_or_create(path, source) as store:
        model = store.model
        for k, category in ((1, "disc"), (2, "square"), (3, "ball")):
            store.apply(model.add_object(ObjectInfo(k, f"object {k}", category, (200, 50 * k, 0))))
        cells = []
        for f, (disc, square) in enumerate(truths):
            square = square & (1 - disc)
            ball = np.zeros((H, W), np.uint8)
            ball[70:80, 10 + 3 * f : 20 + 3 * f] = 1
            ball &= (1 - disc) & (1 - square)
            cells.append((1, f, FrameMask(Provenance.USER, rle.encode(disc))))
            cells.append((2, f, FrameMask(Provenance.PROPAGATED, rle.encode(square), 0.8, None, 0)))
            if f < 6:
                cells.append((3, f, FrameMask(Provenance.USER, rle.encode(ball))))
        store.apply(model.set_masks("fixture", cells))
        store.apply(model.mark_absent(3, 6, N))
    return path


def test_coco_loads_with_pycocotools_and_decodes_to_the_project(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "coco.json"
    assert export_project(project, "coco", out) == N
    coco = COCO(str(out))
    truth = all_masks(project)
    assert len(coco.getImgIds()) == N and len(coco.getAnnIds()) == len(truth)
    assert {c["name"] for c in coco.loadCats(coco.getCatIds())} == {"disc", "square", "ball"}
    for ann in coco.loadAnns(coco.getAnnIds()):
        image = coco.loadImgs(ann["image_id"])[0]
        assert isinstance(ann["segmentation"]["counts"], str) and ann["iscrowd"] == 0
        mask = coco.annToMask(ann)
        assert np.array_equal(mask, truth[(ann["track_id"], image["frame_index"])])
        assert ann["area"] == int(mask.sum())
        x, y, w, h = ann["bbox"]
        ys, xs = np.nonzero(mask)
        assert (x, y, w, h) == (
            xs.min(),
            ys.min(),
            xs.max() - xs.min() + 1,
            ys.max() - ys.min() + 1,
        )


@pytest.mark.parametrize("fmt", ["coco", "davis", "youtube-vos"])
def test_round_trip_is_bit_exact(fmt: str, project: Path, tmp_path: Path) -> None:
    out = tmp_path / ("out.json" if fmt == "coco" else "out")
    export_project(project, fmt, out)
    again = tmp_path / "again.annot"
    video = tmp_path / "clip.mp4"
    flag = {"coco": "--coco", "davis": "--davis", "youtube-vos": "--youtube-vos"}[fmt]
    proc = run_cli("import", again, flag, out, "--video", video)
    assert proc.returncode == 0, proc.stderr
    got, want = all_masks(again), all_masks(project)
    assert got.keys() == want.keys()
    for key in want:
        assert np.array_equal(got[key], want[key]), key
    store, source = open_with_video(again)
    with store, source:
        assert all(m.provenance is Provenance.USER for _, _, m in store.model)  # keyframes
        if fmt != "davis":
            assert store.model.objects[3].category == "ball"


def test_davis_layout_palette_and_frames(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "davis"
    export_project(project, "davis", out)
    png = Image.open(out / "Annotations" / "480p" / "clip" / "00000.png")
    assert png.mode == "P" and png.size == (W, H)  # kept at the source size
    palette = np.array(png.getpalette()[:9]).reshape(3, 3)
    assert palette.tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0]]
    assert davis_palette()[3].tolist() == [128, 128, 0]
    assert set(np.unique(np.array(png)).tolist()) == {0, 1, 2, 3}
    jpgs = sorted((out / "JPEGImages" / "480p" / "clip").glob("*.jpg"))
    assert [p.name for p in jpgs] == [f"{i:05d}.jpg" for i in range(N)]
    # Importing the DAVIS folder alone finds the frames in it for a new project.
    objects, masks = import_into_project(tmp_path / "from_davis.annot", "davis", out)
    assert objects == 3 and masks == len(all_masks(project))
    resized = tmp_path / "davis480"
    export_project(
        project,
        "davis",
        resized,
        settings=ExportSettings(resize_480p=True, with_frames=False),
    )
    small = Image.open(resized / "Annotations" / "480p" / "clip" / "00003.png")
    assert small.size == (800, 480) and not (resized / "JPEGImages").exists()


def test_youtube_vos_meta(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "yt"
    export_project(project, "youtube-vos", out, settings=ExportSettings(with_frames=False))
    meta = json.loads((out / "meta.json").read_text())
    objects = meta["videos"]["clip"]["objects"]
    assert objects["3"] == {"category": "ball", "frames": [f"{i:05d}" for i in range(6)]}
    assert len(objects["1"]["frames"]) == N
    assert (out / "Annotations" / "clip" / "00009.png").is_file()


def test_mattes_and_feather(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "mattes"
    export_project(project, "mattes", out, objects=[1, 3], frames="2:8")
    truth = all_masks(project)
    disc = np.array(Image.open(out / "1_object_1" / "00002.png"))
    assert disc.dtype == np.uint8 and set(np.unique(disc).tolist()) == {0, 255}
    assert np.array_equal(disc > 0, truth[(1, 2)] > 0)
    assert not (out / "2_object_2").exists()
    assert sorted(p.name for p in (out / "3_object_3").iterdir()) == [
        f"{i:05d}.png" for i in range(2, 8)
    ]
    assert np.array(Image.open(out / "3_object_3" / "00007.png")).max() == 0  # absent there
    soft = tmp_path / "soft"
    export_project(project, "mattes", soft, objects=[1], settings=ExportSettings(feather=6))
    values = np.unique(np.array(Image.open(soft / "1_object_1" / "00002.png")))
    assert len(values) > 10  # a ramp, not a hard edge


def test_overlay_video(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.mp4"
    export_project(project, "overlay", out)
    with open_source(out) as video:
        assert len(video) == N and video.size == (W, H)
    with pytest.raises(ExportError, match=r"\.mp4"):
        export_project(project, "overlay", tmp_path / "review.avi")


def test_existing_output_is_refused_unless_overwrite(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "davis"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_cli("export", project, "--format", "davis", "--out", out)
    assert proc.returncode != 0 and "--overwrite" in proc.stderr
    assert (out / "keep.txt").read_text() == "mine"
    proc = run_cli(
        "export", project, "--format", "davis", "--out", out, "--overwrite", "--no-frames"
    )
    assert proc.returncode == 0, proc.stderr
    assert not (out / "keep.txt").exists() and (out / "Annotations").is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failure_mid_export_leaves_nothing(project: Path, tmp_path: Path) -> None:
    store, source = open_with_video(project)
    with store, source:
        job = make_job(store, source)

        def broken(f: int) -> np.ndarray:
            if f == 5:
                raise AnnotatorError("frame 5 cannot be decoded")
            return source[f]

        job = job.__class__(**{**job.__dict__, "frame": broken})
        out = tmp_path / "davis"
        with pytest.raises(AnnotatorError, match="frame 5"):
            for _ in run_export(job, "davis", out):
                pass
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_exports_get_the_users_permissions_and_stale_staging_is_cleaned(
    project: Path, tmp_path: Path
) -> None:
    import os
    import stat
    import subprocess
    import sys

    old = os.umask(0o022)
    try:
        export_project(
            project, "davis", tmp_path / "davis", settings=ExportSettings(with_frames=False)
        )
        export_project(project, "coco", tmp_path / "c.json")
    finally:
        os.umask(old)
    folder = tmp_path / "davis"
    png = next(folder.rglob("*.png"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE(png.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o644
    # A staging folder left by a process that no longer exists goes on the next run;
    # one of a live process stays.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".out.{dead}.abc"
    live = tmp_path / f".out.{os.getppid()}.abc"
    stale.mkdir()
    live.mkdir()
    export_project(project, "davis", tmp_path / "out", settings=ExportSettings(with_frames=False))
    assert not stale.exists() and live.exists()


def test_an_export_stopped_by_sigterm_leaves_nothing(project: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    # The process sends itself SIGTERM (a plain ``kill``) at the fourth frame.
    code = (
        "import os, signal, sys\n"
        "import annotator.commands.export as ex\n"
        "real = ex.run_export\n"
        "def run(*a, **k):\n"
        "    for i, step in enumerate(real(*a, **k)):\n"
        "        if i == 3:\n"
        "            os.kill(os.getpid(), signal.SIGTERM)\n"
        "        yield step\n"
        "ex.run_export = run\n"
        "from annotator.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "davis"
    args = ["export", str(project), "--format", "davis", "--out", str(out)]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_imports_are_clear_and_change_nothing(project: Path, tmp_path: Path) -> None:
    before = all_masks(project)
    coco = tmp_path / "coco.json"
    export_project(project, "coco", coco)
    data = json.loads(coco.read_text())
    data["annotations"][0]["image_id"] = 999
    coco.write_text(json.dumps(data))
    proc = run_cli("import", project, "--coco", coco)
    assert proc.returncode != 0 and "unknown image 999" in proc.stderr
    rgb = tmp_path / "rgb"
    rgb.mkdir()
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(rgb / "00000.png")
    proc = run_cli("import", project, "--davis", rgb)
    assert proc.returncode != 0 and "not a palette" in proc.stderr
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    Image.fromarray(np.zeros((20, 20), np.uint8), mode="P").save(wrong / "00000.png")
    proc = run_cli("import", project, "--davis", wrong)
    assert proc.returncode != 0 and "20x20" in proc.stderr
    assert all_masks(project).keys() == before.keys()
    proc = run_cli("import", tmp_path / "new.annot", "--coco", coco)
    assert proc.returncode != 0 and "--video" in proc.stderr
    # A bad dataset for a new project leaves no project file behind.
    video = tmp_path / "clip.mp4"
    proc = run_cli("import", tmp_path / "new.annot", "--davis", wrong, "--video", video)
    assert proc.returncode == 2 and "20x20" in proc.stderr
    assert not list(tmp_path.glob("new.annot*"))


def test_davis2016_grey_masks_import_by_sequence_and_as_propagated(
    project: Path, tmp_path: Path
) -> None:
    frames, truths = render_frames(N, W, H)
    root = tmp_path / "DAVIS"
    for seq in ("one", "two"):
        (root / "JPEGImages" / "480p" / seq).mkdir(parents=True)
        (root / "Annotations" / "480p" / seq).mkdir(parents=True)
        for f, (frame, (disc, _)) in enumerate(zip(frames, truths, strict=True)):
            Image.fromarray(frame).save(root / "JPEGImages" / "480p" / seq / f"{f:05d}.jpg")
            if f % 5 == 0:  # DAVIS-2016: grey 0/255 masks, one object
                grey = (disc * 255).astype(np.uint8)
                Image.fromarray(grey, mode="L").save(
                    root / "Annotations/480p" / seq / f"{f:05d}.png"
                )
    new = tmp_path / "two.annot"
    proc = run_cli("import", new, "--davis", root)
    assert proc.returncode == 2 and "--seq" in proc.stderr and not new.exists()
    proc = run_cli("import", new, "--davis", root, "--seq", "two", "--as-propagated")
    assert proc.returncode == 0, proc.stderr
    store, source = open_with_video(new)
    with store, source:
        assert source.path.name == "two"
        cells = {(k, f): m for k, f, m in store.model}
        assert set(cells) == {(1, 0), (1, 5)}
        assert all(m.provenance is Provenance.PROPAGATED for m in cells.values())
        assert np.array_equal(rle.decode(cells[(1, 5)].rle), truths[5][0])
    proc = run_cli("import", new, "--davis", root, "--seq", "three")
    assert proc.returncode == 2 and "no sequence 'three'" in proc.stderr


def test_frame_ranges_and_objects(project: Path) -> None:
    assert parse_frames("2:5", 10) == (2, 3, 4)
    assert parse_frames(":3", 10) == (0, 1, 2) and parse_frames("8:", 10) == (8, 9)
    for bad in ("5:2", "0:11", "a:b", "3"):
        with pytest.raises(ExportError):
            parse_frames(bad, 10)
    proc = run_cli("export", project, "--format", "coco", "--out", "x.json", "--objects", "7")
    assert proc.returncode != 0 and "no object with id 7" in proc.stderr


def test_export_and_import_report_their_totals(project: Path, tmp_path: Path) -> None:
    totals: list[int] = []
    frames: list[int] = []
    done = export_project(
        project, "davis", tmp_path / "d", settings=ExportSettings(with_frames=False),
        on_frame=frames.append, on_total=totals.append,
    )  # fmt: skip
    assert totals == [N] and done == N and frames == list(range(N))
    seen: list[tuple[int, int]] = []
    import_into_project(project, "davis", tmp_path / "d", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, N) for i in range(1, N + 1)]
