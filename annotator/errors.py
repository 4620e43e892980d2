"""Error types shared by every layer.

Every error a user can cause (a bad file, a bad box, a missing checkpoint) is an
``AnnotatorError`` with a message meant to be read by that user; the CLI prints
it without a traceback and exits non-zero.
"""


class AnnotatorError(Exception):
    """A problem with the user's input or environment, with a readable message."""


class WeightsError(AnnotatorError):
    """A checkpoint is missing, unreadable, or of the wrong architecture."""


class VideoError(AnnotatorError):
    """A video or image folder cannot be opened or a frame cannot be decoded."""


class InvalidBoxError(AnnotatorError):
    """A box is empty, or lies outside the image."""
