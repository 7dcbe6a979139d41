"""Reports: figures and the progress report built from plain data (see :class:`ProgressData`)."""

from backstride.report.data import GaitPoint, ProgressData, WeekSummary
from backstride.report.figures import progress_figures
from backstride.report.html import write_progress_report

__all__ = ["GaitPoint", "ProgressData", "WeekSummary", "progress_figures", "write_progress_report"]
