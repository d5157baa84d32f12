"""Errors raised by the engine.

Every error is a ``BaziInputError`` or a ``BaziDataError``. Its message states what was
wrong, with which value, and what to do instead.
"""

from __future__ import annotations


class BaziError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "BAZI_ERROR"


class BaziInputError(BaziError, ValueError):
    """An input that the engine cannot chart as given."""

    code = "INVALID_INPUT"


class OutOfRangeError(BaziInputError):
    """A date outside the supported range of 1800-01-01 to 2200-12-31 local time."""

    code = "OUT_OF_RANGE"


class UnknownZoneError(BaziInputError):
    """A time zone that is neither an IANA name nor a ``±HH:MM`` offset."""

    code = "UNKNOWN_ZONE"


class NonexistentTimeError(BaziInputError):
    """A local time skipped by a daylight-saving gap."""

    code = "NONEXISTENT_TIME"


class AmbiguousTimeError(BaziInputError):
    """A local time that occurred twice, given without choosing the offset."""

    code = "AMBIGUOUS_TIME"


class UnknownPlaceError(BaziInputError):
    """A place name with no match in the offline gazetteer."""

    code = "UNKNOWN_PLACE"


class BaziDataError(BaziError, RuntimeError):
    """A packaged data table is missing or damaged: reinstall the package."""

    code = "DATA_ERROR"
