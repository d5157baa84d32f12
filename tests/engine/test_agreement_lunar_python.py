"""Agreement with lunar-python 1.4.8, an independent exact implementation.

lunar-python charts China Standard Time (a fixed UTC+8 clock), so every input here
uses the offset ``+08:00``. Its sect 1 rolls the day at 23:00 like ``roll``. Its
sect 2 keeps the day and takes the hour stem from the next day, like ``stay-next``.
lunar-python rebuilds a lunar year whenever the year changes, so inputs are sorted
by year to keep these runs short.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest
from lunar_python import Solar

from bazi_master.engine import _terms
from bazi_master.engine._options import ZiConvention
from bazi_master.engine._pillars import four_pillars

CST = timedelta(hours=8)
EPOCH = datetime(1970, 1, 1)


def lunar_python_charts(moment: datetime) -> tuple[str, str]:
    """Return lunar-python's eight characters under sect 1 and sect 2."""
    solar = Solar.fromYmdHms(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second
    )
    eight = solar.getLunar().getEightChar()
    eight.setSect(2)
    sect2 = [eight.getYear(), eight.getMonth(), eight.getDay(), eight.getTime()]
    eight.setSect(1)
    sect1 = [eight.getYear(), eight.getMonth(), eight.getDay(), eight.getTime()]
    return " ".join(sect1), " ".join(sect2)


def random_moments(count: int, seed: int) -> list[datetime]:
    """Return random CST minutes from 1901-02-20 to 2099-12-31, sorted."""
    generator = random.Random(seed)
    first = datetime(1901, 2, 20).toordinal()
    last = datetime(2099, 12, 31).toordinal()
    moments = []
    for _ in range(count):
        day = datetime.fromordinal(generator.randint(first, last))
        moments.append(day + timedelta(minutes=generator.randrange(1440)))
    return sorted(moments)


def disagreements(moments: list[datetime]) -> list[str]:
    """Chart each moment with both libraries and list every mismatch."""
    found = []
    for moment in moments:
        sect1, sect2 = lunar_python_charts(moment)
        roll = four_pillars(moment, "+08:00", ZiConvention.ROLL).chars
        stay = four_pillars(moment, "+08:00", ZiConvention.STAY_NEXT).chars
        if roll != sect1:
            found.append(f"{moment} roll {roll} vs sect 1 {sect1}")
        if stay != sect2:
            found.append(f"{moment} stay-next {stay} vs sect 2 {sect2}")
    return found


@pytest.mark.slow
def test_agreement_20000_random_charts() -> None:
    assert disagreements(random_moments(20000, seed=2024)) == []


def jie_probes(first_year: int, last_year: int) -> list[datetime]:
    """Return CST times 30 s either side of every jie, outside the term uncertainty."""
    probes = []
    for year in range(first_year, last_year + 1):
        for term in range(0, 24, 2):
            instant = _terms.term_instant(year, term)
            if _terms.term_uncertainty(year, term) >= 30:
                continue
            for offset in (-30, 30):
                rounded = math.floor if offset < 0 else math.ceil
                seconds = rounded(instant + offset)
                probes.append(EPOCH + timedelta(seconds=seconds) + CST)
    return probes


def test_agreement_around_every_jie() -> None:
    probes = jie_probes(1901, 2053)

    assert len(probes) > 3600
    assert disagreements(probes) == []
