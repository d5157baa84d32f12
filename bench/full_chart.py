"""Benchmark full charts (pillars and analysis) against lunar-python in one run.

Usage: ``python bench/full_chart.py [--count N] [--peer-count N] [--seed S]``

The births are random whole minutes of UTC+8 from 1901-01-01 to 2099-12-31, in
random year order, each with a random gender. Each birth is charted twice: as the
fixed offset ``+08:00``, and as the same instant on the civil clock of
``Asia/Shanghai``, whose daylight saving time (1919, 1940-1949, 1986-1991) the
engine must look up. Ours is ``compute_chart`` with default options: pillars,
hidden stems, ten gods, na yin, growth stages, void branches, 胎元, 胎息, 命宫,
身宫, relations, shen sha, strength, ten luck pillars with their start, 流年 and
小运; 流月 is off. Nothing is cached from one birth to the next. The lookup tables
filled on first use are warmed on other births first.

lunar-python charts the pillars with sect 1 and the luck pillars with
``getYun(gender, 1)`` on the same UTC+8 clock times. Because it is about 100 times
slower, it runs on the first ``--peer-count`` births only.

Rates are given per second of wall time and per second of this process's CPU time.
On a shared machine the wall rate drops while other processes take the core. The CPU
rate is what one core does when no other process competes for it.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._full import compute_chart
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import Fold, Gender
from bazi_master.engine._time import civil_at, naive_to_seconds, resolve_zone
from bazi_master.engine.analysis import analyze

_FIRST = datetime(1901, 1, 1)
_MINUTES = int((datetime(2099, 12, 31, 23, 59) - _FIRST).total_seconds() // 60)
_UTC8 = 8 * 3600
_ZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Rate:
    """Items done per second of wall time and per second of CPU time."""

    wall: float
    cpu: float


def _moments(count: int, seed: int) -> list[tuple[datetime, Gender]]:
    """Return random UTC+8 minutes, each with a random gender."""
    generator = random.Random(seed)
    return [
        (
            _FIRST + timedelta(minutes=generator.randrange(_MINUTES)),
            generator.choice((Gender.MALE, Gender.FEMALE)),
        )
        for _ in range(count)
    ]


def _fixed_births(moments: Sequence[tuple[datetime, Gender]]) -> list[BirthInput]:
    return [BirthInput(when, tz="+08:00", gender=gender) for when, gender in moments]


def _zone_births(moments: Sequence[tuple[datetime, Gender]]) -> list[BirthInput]:
    """Give each UTC+8 instant on the zone's civil clock, with the fold it needs."""
    zone = resolve_zone(_ZONE).tzinfo
    births = []
    for when, gender in moments:
        civil = civil_at(naive_to_seconds(when) - _UTC8, zone)
        fold = Fold.LATER if civil.fold else Fold.EARLIER
        local = civil.replace(tzinfo=None, fold=0)
        births.append(BirthInput(local, tz=_ZONE, fold=fold, gender=gender))
    return births


def _rate(run: Callable[[BirthInput], object], births: Sequence[BirthInput]) -> Rate:
    """Run ``run`` on every birth, keeping no result; return the rates."""
    wall, cpu = time.perf_counter(), time.process_time()
    for birth in births:
        run(birth)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Rate(len(births) / wall, len(births) / cpu)


def _chart_dict(birth: BirthInput) -> object:
    return compute_chart(birth).to_dict()


def _peer(birth: BirthInput) -> object:
    from lunar_python import Solar

    when = birth.birth
    solar = Solar.fromYmdHms(when.year, when.month, when.day, when.hour, when.minute, 0)
    chart = solar.getLunar().getEightChar()
    chart.setSect(1)
    yun = chart.getYun(1 if birth.gender is Gender.MALE else 0, 1)
    return [chart.toString(), [luck.getGanZhi() for luck in yun.getDaYun(11)]]


def _split(births: Sequence[BirthInput]) -> tuple[float, float]:
    """Return the CPU microseconds per birth of ``compute_pillars`` and ``analyze``."""
    start = time.process_time()
    charts = [compute_pillars(birth) for birth in births]
    middle = time.process_time()
    for chart in charts:
        analyze(chart)
    end = time.process_time()
    return (
        (middle - start) / len(births) * 1e6,
        (end - middle) / len(births) * 1e6,
    )


def _line(label: str, rate: Rate) -> str:
    return f"{label:40s} {rate.wall:12,.0f} {rate.cpu:12,.0f}"


def main() -> None:
    """Parse the options, run both sides and print the rates and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="births per zone")
    parser.add_argument(
        "--peer-count", type=int, default=2_000, help="births for lunar-python"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()
    if args.count < 10 or args.peer_count < 1:
        parser.error("--count must be at least 10 and --peer-count at least 1")

    moments = _moments(args.count, args.seed)
    fixed, zoned = _fixed_births(moments), _zone_births(moments)
    warm = _moments(2_000, args.seed + 1)
    for birth in _fixed_births(warm) + _zone_births(warm):
        compute_chart(birth)

    ours_fixed = _rate(compute_chart, fixed)
    ours_zoned = _rate(compute_chart, zoned)
    sample = max(1, args.count // 10)
    with_dict = _rate(_chart_dict, fixed[:sample])
    peer = _rate(_peer, fixed[: args.peer_count])
    pillars_us, analysis_us = _split(fixed[:sample])

    print(
        f"births: {args.count:,} per zone (lunar-python: {args.peer_count:,}), "
        f"seed {args.seed}, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    print(f"{'charts per second':40s} {'wall':>12s} {'CPU':>12s}")
    print(_line("compute_chart, +08:00", ours_fixed))
    print(_line(f"compute_chart, {_ZONE}", ours_zoned))
    print(_line(f"compute_chart + to_dict, +08:00 ({sample:,})", with_dict))
    print(_line("lunar-python pillars + luck, UTC+8", peer))
    for label, ours in (("+08:00", ours_fixed), (_ZONE, ours_zoned)):
        print(
            f"ratio compute_chart / lunar-python, {label}: "
            f"{ours.wall / peer.wall:,.1f}x wall, {ours.cpu / peer.cpu:,.1f}x CPU"
        )
    print(
        f"CPU per chart, +08:00: compute_pillars {pillars_us:.1f} us, "
        f"analyze {analysis_us:.1f} us ({sample:,} births, run apart)"
    )


if __name__ == "__main__":
    main()
