"""imuhinge: hip-hinge training analysis from back-worn IMUs."""

__version__ = "0.1.0"
