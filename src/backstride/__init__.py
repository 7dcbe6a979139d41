"""BackStride: measure walks from wearable sensors for a stronger lower back."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backstride")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
