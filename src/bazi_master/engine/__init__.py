"""The BaZi engine: four pillars exact to the second, and the full chart analysis.

The engine is pure Python and table-driven. Solar terms and new moons come from tables
shipped in the package, and zones from the pinned ``tzdata`` package. Nothing is
computed from an ephemeris or fetched at run time.

>>> from datetime import datetime
>>> from bazi_master.engine import BirthInput, compute_chart
>>> chart = compute_chart(BirthInput(datetime(1990, 5, 15, 14, 30), tz="+08:00"))
>>> chart.to_dict()["pillars"]["year"]["ganzhi"]
'庚午'
"""

from ._chart import compute_pillars
from ._equation_of_time import equation_of_time
from ._errors import (
    AmbiguousTimeError,
    BaziDataError,
    BaziError,
    BaziInputError,
    NonexistentTimeError,
    OutOfRangeError,
    UnknownPlaceError,
    UnknownZoneError,
)
from ._full import Chart, compute_chart
from ._lunar import LunarDate, LunarMonth, from_lunar, lunar_date
from ._model import (
    BirthInput,
    BoundaryWarning,
    ChartSpan,
    JieInfo,
    Location,
    PillarChart,
    SolarTime,
    WarningCause,
    WarningKind,
)
from ._options import Fold, Gender, ZiConvention
from ._pillars import Pillars, four_pillars
from ._places import Place, resolve_place, search_places, zone_at
from ._reverse import SpanEdge, TimeSpan, parse_pillars, reverse_lookup
from ._symbols import GanZhi
from ._terms import FIRST_YEAR, LAST_YEAR, SolarTerm, solar_terms, term_uncertainty
from ._time import TZDATA_VERSION
from ._version import ENGINE_VERSION
from .analysis import (
    Analysis,
    AnalysisOptions,
    Comparison,
    LuckDirectionSchool,
    LuckStartRule,
    analyze,
)

__all__ = [
    "ENGINE_VERSION",
    "FIRST_YEAR",
    "LAST_YEAR",
    "TZDATA_VERSION",
    "AmbiguousTimeError",
    "Analysis",
    "AnalysisOptions",
    "BaziDataError",
    "BaziError",
    "BaziInputError",
    "BirthInput",
    "BoundaryWarning",
    "Chart",
    "ChartSpan",
    "Comparison",
    "Fold",
    "GanZhi",
    "Gender",
    "JieInfo",
    "Location",
    "LuckDirectionSchool",
    "LuckStartRule",
    "LunarDate",
    "LunarMonth",
    "NonexistentTimeError",
    "OutOfRangeError",
    "PillarChart",
    "Pillars",
    "Place",
    "SolarTerm",
    "SolarTime",
    "SpanEdge",
    "TimeSpan",
    "UnknownPlaceError",
    "UnknownZoneError",
    "WarningCause",
    "WarningKind",
    "ZiConvention",
    "analyze",
    "compute_chart",
    "compute_pillars",
    "equation_of_time",
    "four_pillars",
    "from_lunar",
    "lunar_date",
    "parse_pillars",
    "resolve_place",
    "reverse_lookup",
    "search_places",
    "solar_terms",
    "term_uncertainty",
    "zone_at",
]
