"""Full chart analysis: hidden stems, ten gods, relations, shen sha, strength, luck."""

from ._analysis import Analysis, AnalysisOptions, Comparison, analyze
from ._luck import LuckDirectionSchool, LuckStartRule

__all__ = [
    "Analysis",
    "AnalysisOptions",
    "Comparison",
    "LuckDirectionSchool",
    "LuckStartRule",
    "analyze",
]
