"""Regenerate resources/sample.mp4, the project's own sample clip."""

from pathlib import Path

from annotator.video.synthetic import write_sample_clip

if __name__ == "__main__":
    out = write_sample_clip(Path(__file__).resolve().parents[1] / "resources" / "sample.mp4")
    print(out, out.stat().st_size)
