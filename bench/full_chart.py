"""Benchmark full charts (pillars and analysis) against lunar-python in one run.

Usage: ``python bench/full_chart.py [--count N] [--peer-count N] [--seed S]``

Both sides chart the same random UTC+8 minutes, 1901-01-01 to 2099-12-31, with a
random gender, in random year order. Ours is ``compute_chart`` with default options:
pillars, hidden stems and ten gods (read while writing the dict), relations, shen
sha, strength, palaces, ten luck pillars with their start, and 小运; 流月 is off. It
is timed with and without ``to_dict``. lunar-python charts the pillars with sect 1
and the luck pillars with ``getYun(gender, 1)``. Because it is about 100 times
slower, it runs on a smaller sample of the same births.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bazi_master.engine._full import compute_chart
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import Gender

_FIRST = datetime(1901, 1, 1)
_MINUTES = 104_000_000  # 1901-01-01 to about 2098-09; stays inside 2099


def _births(count: int, seed: int) -> list[BirthInput]:
    generator = random.Random(seed)
    return [
        BirthInput(
            _FIRST + timedelta(minutes=generator.randrange(_MINUTES)),
            tz="+08:00",
            gender=generator.choice((Gender.MALE, Gender.FEMALE)),
        )
        for _ in range(count)
    ]


def _rate(run: Callable[[BirthInput], object], births: Sequence[BirthInput]) -> float:
    start = time.perf_counter()
    for birth in births:
        run(birth)
    return len(births) / (time.perf_counter() - start)


def _ours(birth: BirthInput) -> object:
    return compute_chart(birth)


def _ours_dict(birth: BirthInput) -> object:
    return compute_chart(birth).to_dict()


def _peer(birth: BirthInput) -> object:
    from lunar_python import Solar

    when = birth.birth
    solar = Solar.fromYmdHms(when.year, when.month, when.day, when.hour, when.minute, 0)
    chart = solar.getLunar().getEightChar()
    chart.setSect(1)
    yun = chart.getYun(1 if birth.gender is Gender.MALE else 0, 1)
    return [chart.toString(), [luck.getGanZhi() for luck in yun.getDaYun(11)]]


def main() -> None:
    """Parse the options, run both sides and print the rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--peer-count", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    births = _births(args.count, args.seed)
    _rate(_ours, births[:1000])  # fills the lookup tables built on first use
    ours = _rate(_ours, births)
    ours_dict = _rate(_ours_dict, births[: max(1, args.count // 10)])
    peer = _rate(_peer, births[: args.peer_count])

    print(
        f"births: {args.count:,} (lunar-python: {args.peer_count:,}), seed {args.seed}"
    )
    print(f"bazi_master compute_chart          {ours:10,.0f} charts/s")
    print(f"bazi_master compute_chart+to_dict  {ours_dict:10,.0f} charts/s")
    print(f"lunar-python pillars + luck        {peer:10,.0f} charts/s")
    print(f"ratio compute_chart / lunar-python {ours / peer:10,.1f}x")


if __name__ == "__main__":
    main()
