"""Input conventions: the 23:00 rule, gender and the choice of a repeated hour."""

from __future__ import annotations

from enum import StrEnum

from ._errors import BaziInputError


class ZiConvention(StrEnum):
    """What happens to the day pillar between 23:00 and 24:00 (the late 子 hour).

    ``roll``: the day changes at 23:00 and the hour stem follows the new day.
    ``stay-next``: the day stays; the hour stem follows the next day.
    ``stay-same``: the day stays; the hour stem follows the same day.
    """

    ROLL = "roll"
    STAY_NEXT = "stay-next"
    STAY_SAME = "stay-same"

    @classmethod
    def parse(cls, value: str) -> ZiConvention:
        """Parse a convention name, case-insensitively; raise on anything else."""
        try:
            return cls(value.lower())
        except ValueError:
            choices = ", ".join(member.value for member in cls)
            raise BaziInputError(
                f"invalid zi convention {value!r}: expected one of {choices}"
            ) from None


class Gender(StrEnum):
    """The gender that sets the direction of the luck pillars."""

    MALE = "male"
    FEMALE = "female"

    @classmethod
    def parse(cls, value: str) -> Gender:
        """Parse ``male`` or ``female`` in any letter case; raise on anything else."""
        try:
            return cls(value.lower())
        except (ValueError, AttributeError):
            raise BaziInputError(
                f"invalid gender {value!r}: expected 'male' or 'female'"
            ) from None


class Fold(StrEnum):
    """Which of the two offsets to use for a local time that occurred twice."""

    EARLIER = "earlier"
    LATER = "later"

    @classmethod
    def parse(cls, value: str) -> Fold:
        """Parse ``earlier`` or ``later`` in any letter case; raise on anything else."""
        try:
            return cls(value.lower())
        except ValueError:
            raise BaziInputError(
                f"invalid fold {value!r}: expected 'earlier' or 'later'"
            ) from None
