"""BackStride: measure walks from wearable sensors for a stronger lower back.

The public Python API::

    import backstride
    result = backstride.analyze("recording.csv")   # -> WalkingAnalysis
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backstride")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

from backstride.api import analyze, analyze_file
from backstride.gait.pipeline import AnalysisParameters, WalkingAnalysis
from backstride.recording import Recording

__all__ = [
    "AnalysisParameters",
    "Recording",
    "WalkingAnalysis",
    "__version__",
    "analyze",
    "analyze_file",
]
