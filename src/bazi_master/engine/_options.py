"""Input conventions: the 23:00 rule, gender and the choice of a repeated hour."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from ._errors import BaziInputError

ChoiceT = TypeVar("ChoiceT", bound=StrEnum)


def parse_choice(choices: type[ChoiceT], value: object, field: str) -> ChoiceT:
    """Parse ``value`` as a member of ``choices`` in any letter case.

    Raises ``BaziInputError`` naming the ``field``, the value and the valid names.
    """
    if isinstance(value, str):
        try:
            return choices(value.lower())
        except ValueError:
            pass
    names = [member.value for member in choices]
    if len(names) == 2:
        expected = f"{names[0]!r} or {names[1]!r}"
    else:
        expected = "one of " + ", ".join(names)
    raise BaziInputError(f"invalid {field} {value!r}: expected {expected}")


class ZiConvention(StrEnum):
    """Rule for the day pillar between 23:00 and 24:00 (the late 子 hour).

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
        return parse_choice(cls, value, "zi convention")


class Gender(StrEnum):
    """The gender that sets the direction of the luck pillars."""

    MALE = "male"
    FEMALE = "female"

    @classmethod
    def parse(cls, value: str) -> Gender:
        """Parse ``male`` or ``female`` in any letter case; raise on anything else."""
        return parse_choice(cls, value, "gender")


class Fold(StrEnum):
    """Choice between the two offsets of a local time that occurred twice."""

    EARLIER = "earlier"
    LATER = "later"

    @classmethod
    def parse(cls, value: str) -> Fold:
        """Parse ``earlier`` or ``later`` in any letter case; raise on anything else."""
        return parse_choice(cls, value, "fold")
