"""The shortcut that skips the boundary walk for births clear of every boundary."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from bazi_master.engine._boundary import (
    ChartClock,
    boundary_warnings,
    clear_of_boundaries,
)
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._model import BirthInput, PillarChart
from bazi_master.engine._options import Fold, ZiConvention
from bazi_master.engine._time import (
    _read_transitions,
    civil_at,
    naive_to_seconds,
    resolve_zone,
    zone_is_steady,
)

ZONES = ("+08:00", "Asia/Shanghai", "Europe/London", "America/New_York", "-03:30")
UNCERTAINTIES = (0, 0, 0, 30, 1200)


def _clear(chart: PillarChart, longitude: float | None = None) -> bool:
    """Run the shortcut test on a charted birth, as ``compute_pillars`` does."""
    birth = chart.birth
    clock = ChartClock(chart.tzinfo, birth.zi, longitude)
    jies = (
        (chart.jie.instant, chart.jie.uncertainty_seconds),
        (chart.next_jie.instant, chart.next_jie.uncertainty_seconds),
    )
    precision = 1.0 if birth.has_seconds else 60.0
    return clear_of_boundaries(
        clock,
        chart.instant,
        chart.chart_clock,
        birth.uncertainty_seconds,
        precision,
        jies,
    )


def _walk(chart: PillarChart, longitude: float | None = None) -> list[object]:
    """Return the warnings of the full walk for a charted birth."""
    birth = chart.birth
    clock = ChartClock(chart.tzinfo, birth.zi, longitude)
    precision = 1.0 if birth.has_seconds else 60.0
    return list(
        boundary_warnings(clock, chart.instant, birth.uncertainty_seconds, precision)
    )


def _random_birth(generator: random.Random) -> BirthInput:
    """Draw a birth on a zone's civil clock, often on a minute near a whole hour."""
    tz = generator.choice(ZONES)
    instant = generator.uniform(-2.2e9, 4.0e9)
    civil = civil_at(instant, resolve_zone(tz).tzinfo)
    minute = generator.choice((civil.minute, 0, 59, 58, 1))
    local = civil.replace(tzinfo=None, minute=minute, second=0, microsecond=0)
    return BirthInput(
        local,
        tz=tz,
        fold=Fold.LATER if civil.fold else Fold.EARLIER,
        uncertainty_seconds=generator.choice(UNCERTAINTIES),
        zi=generator.choice(list(ZiConvention)),
    )


def test_shortcut_agrees_with_walk() -> None:
    generator = random.Random(11)
    taken = 0
    for _ in range(3000):
        chart = compute_pillars(_random_birth(generator))

        if _clear(chart):
            taken += 1
            assert _walk(chart) == [], chart.birth

    assert taken > 1500


def test_shortcut_near_jie_walks() -> None:
    # 立春 2024 falls at 16:27:07.6 China Standard Time in the term table.
    birth = BirthInput(datetime(2024, 2, 4, 16, 27), tz="+08:00")

    chart = compute_pillars(birth)

    assert not _clear(chart)
    assert "jie" in [w.kind.value for w in chart.warnings]


def test_shortcut_last_minute_of_hour_walks() -> None:
    birth = BirthInput(datetime(1990, 5, 15, 12, 59), tz="+08:00")

    chart = compute_pillars(birth)

    assert not _clear(chart)
    assert _walk(chart) == []


def test_shortcut_quiet_minute_skips() -> None:
    birth = BirthInput(datetime(1990, 5, 15, 12, 30), tz="Asia/Shanghai")

    assert _clear(compute_pillars(birth))


def test_shortcut_sees_standard_clock_jump() -> None:
    # On 1968-10-27 Britain kept +01:00 but made it standard time, so the civil
    # clock ran on while the standard-time clock jumped an hour ahead.
    zone = resolve_zone("Europe/London").tzinfo
    change = naive_to_seconds(datetime(1968, 10, 26, 23))
    before = civil_at(change - 30, zone).replace(tzinfo=None, second=0)
    birth = BirthInput(before, tz="Europe/London")

    chart = compute_pillars(birth)

    assert not zone_is_steady(zone, change - 30, change + 30)
    assert not _clear(chart)


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York", "Europe/London"])
def test_steady_zone_clock_runs_evenly(tz: str) -> None:
    zone = resolve_zone(tz).tzinfo
    clock = ChartClock(zone, ZiConvention.ROLL, None)
    generator = random.Random(tz)
    changes, _ = _read_transitions(tz)
    near = [when + generator.uniform(-3600, 600) for when in changes]
    anywhere = [generator.uniform(-4.0e9, 4.0e9) for _ in range(1000)]
    steady = 0
    for low in near + anywhere:
        high = low + generator.choice((60.0, 3000.0))

        if zone_is_steady(zone, low, high):
            steady += 1
            elapsed = clock.clock_at(high) - clock.clock_at(low)
            drift = elapsed.total_seconds() - (high - low)
            assert abs(drift) < 1e-3, (tz, low)

    assert steady > 0


def test_negative_dst_zone_never_steady() -> None:
    zone = resolve_zone("Europe/Dublin").tzinfo
    summer = naive_to_seconds(datetime(1990, 7, 1))

    assert not zone_is_steady(zone, summer, summer + 60)


def test_zone_with_yearly_rule_not_steady_late() -> None:
    zone = resolve_zone("America/New_York").tzinfo
    later = naive_to_seconds(datetime(2150, 6, 1))

    assert not zone_is_steady(zone, later, later + 60)
    assert zone_is_steady(resolve_zone("Asia/Shanghai").tzinfo, later, later + 60)
