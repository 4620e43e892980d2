"""annotator: video annotation with SiamMask propagation."""

__version__ = "0.1.0"
