"""Opening image files that may lie about their size (decompression bombs).

A PNG header can claim 30000x30000 pixels in a few hundred bytes; decoding it
would take gigabytes. The size is checked from the header, before any pixel
is decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# Larger than any frame a video annotator meets (16K is 15360x8640 = 133 Mpx).
MAX_PIXELS = 16384 * 16384


class ImageFileError(OSError):
    """An image that cannot be read, or that claims an absurd size; one line."""


@contextmanager
def open_image(path: Path) -> Iterator[Image.Image]:
    """``Image.open`` with the claimed size checked before any decoding."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageFileError(
                    f"{path} claims {width}x{height} pixels, more than any frame "
                    f"({MAX_PIXELS // 1_000_000} Mpx); refusing to decode it"
                )
            yield image
    except Image.DecompressionBombError as exc:
        raise ImageFileError(
            f"{path} claims more pixels than any frame (a decompression bomb?); "
            "refusing to decode it"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageFileError(f"{path} is not an image Pillow can read") from exc
