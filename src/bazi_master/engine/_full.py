"""``compute_chart``: the four pillars and the full analysis in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._chart import compute_pillars
from ._model import BirthInput, PillarChart
from .analysis._analysis import Analysis, AnalysisOptions, analyze


@dataclass(frozen=True, slots=True)
class Chart:
    """A four-pillar chart with its analysis."""

    pillars: PillarChart
    analysis: Analysis

    def to_dict(self) -> dict[str, Any]:
        """Return the chart's data followed by the analysis sections."""
        return {**self.pillars.to_dict(), **self.analysis.to_dict()}


def compute_chart(birth: BirthInput, options: AnalysisOptions | None = None) -> Chart:
    """Chart a birth and analyse it.

    >>> from datetime import datetime
    >>> from bazi_master.engine._options import Gender
    >>> when = datetime(1990, 5, 17, 10, 30)
    >>> birth = BirthInput(when, tz="+08:00", gender=Gender.MALE)
    >>> chart = compute_chart(birth)
    >>> [p["ganzhi"] for p in chart.to_dict()["luck"]["pillars"][:3]]
    ['壬午', '癸未', '甲申']
    """
    pillars = compute_pillars(birth)
    return Chart(pillars, analyze(pillars, options))
