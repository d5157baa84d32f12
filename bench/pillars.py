"""Benchmark the four-pillar engine against lunar-python in the same run.

Usage: ``python bench/pillars.py [--count N] [--peer-count N] [--seed S]``

Both libraries chart the same random China Standard Time minutes, 1901-01-01 to
2099-12-31, in random year order (lunar-python is about 50 times faster when
consecutive calls stay in one year, so random order is its honest worst case).
lunar-python runs sect 1, which matches our ``roll`` convention. The script also
times ``import bazi_master.engine`` and reads the peak resident memory after
charting, each in a fresh interpreter so that neither is skewed by this process.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta

_EPOCH = datetime(1970, 1, 1)
_FIRST = datetime(1901, 1, 1)
_LAST = datetime(2099, 12, 31, 23, 59)

_IMPORT_PROBE = """
import time
start = time.perf_counter()
import bazi_master.engine
import bazi_master.engine._chart
print(time.perf_counter() - start)
"""

_MEMORY_PROBE = """
import random
from datetime import datetime, timedelta
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._model import BirthInput
from bazi_master.engine._pillars import four_pillars
generator = random.Random(1)
start = datetime(1901, 1, 1)
for _ in range({count}):
    moment = start + timedelta(minutes=generator.randrange(104_000_000))
    four_pillars(moment, "+08:00")
for _ in range(1000):
    moment = start + timedelta(minutes=generator.randrange(104_000_000))
    compute_pillars(BirthInput(moment, tz="+08:00")).to_dict()
# VmHWM is this process's own peak; ru_maxrss would include the parent's peak,
# which Linux carries across exec.
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
print(int(peak.split()[1]) / 1024)
"""


def random_moments(count: int, seed: int) -> list[datetime]:
    """Return ``count`` random whole minutes between ``_FIRST`` and ``_LAST``."""
    generator = random.Random(seed)
    minutes = int((_LAST - _FIRST).total_seconds() // 60)
    return [
        _FIRST + timedelta(minutes=generator.randrange(minutes)) for _ in range(count)
    ]


def rate_ours(moments: list[datetime]) -> float:
    """Chart every CST moment with ``four_pillars``; return charts per second."""
    from bazi_master.engine._pillars import four_pillars

    start = time.perf_counter()
    for moment in moments:
        four_pillars(moment, "+08:00")
    return len(moments) / (time.perf_counter() - start)


def rate_zoned(moments: list[datetime], tz: str) -> float:
    """Chart the same instants on the civil clock of ``tz``; return charts/s.

    The moments are read as UT+8 instants and converted to ``tz`` first (outside
    the timing), so no input falls in a DST gap and repeated hours carry a fold.
    """
    from bazi_master.engine._options import Fold
    from bazi_master.engine._pillars import four_pillars
    from bazi_master.engine._time import civil_at, naive_to_seconds, resolve_zone

    zone = resolve_zone(tz).tzinfo
    inputs = []
    for moment in moments:
        civil = civil_at(naive_to_seconds(moment) - 8 * 3600, zone)
        fold = Fold.LATER if civil.fold else Fold.EARLIER
        inputs.append((civil.replace(tzinfo=None, fold=0), fold))

    start = time.perf_counter()
    for civil, fold in inputs:
        four_pillars(civil, tz, fold=fold)
    return len(inputs) / (time.perf_counter() - start)


def rate_full(moments: list[datetime]) -> float:
    """Chart every moment with ``compute_pillars`` and warnings; return charts/s."""
    from bazi_master.engine._chart import compute_pillars
    from bazi_master.engine._model import BirthInput

    start = time.perf_counter()
    for moment in moments:
        compute_pillars(BirthInput(moment, tz="+08:00"))
    return len(moments) / (time.perf_counter() - start)


def rate_lunar_python(moments: list[datetime]) -> float:
    """Chart every moment with lunar-python sect 1; return charts per second."""
    from lunar_python import Solar

    start = time.perf_counter()
    for moment in moments:
        solar = Solar.fromYmdHms(
            moment.year, moment.month, moment.day, moment.hour, moment.minute, 0
        )
        eight = solar.getLunar().getEightChar()
        eight.setSect(1)
        eight.getYear(), eight.getMonth(), eight.getDay(), eight.getTime()
    return len(moments) / (time.perf_counter() - start)


def run_probe(source: str) -> float:
    """Run ``source`` in a fresh interpreter and return the number it prints."""
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="charts for ours")
    parser.add_argument(
        "--peer-count", type=int, default=2_000, help="charts for lunar-python"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    arguments = parser.parse_args()

    moments = random_moments(arguments.count, arguments.seed)
    cold = rate_ours(moments[:1])  # the first call decodes the term table
    ours = rate_ours(moments)
    zoned = rate_zoned(moments, "Asia/Shanghai")
    full = rate_full(moments[:5_000])
    peer = rate_lunar_python(moments[: arguments.peer_count])
    import_seconds = min(run_probe(_IMPORT_PROBE) for _ in range(3))
    memory = run_probe(_MEMORY_PROBE.format(count=arguments.count))

    print(f"first call, table decoding:  {1000 / cold:12.1f} ms")
    print(f"four_pillars, +08:00:        {ours:12,.0f} charts/s ({len(moments):,})")
    print(f"four_pillars, Asia/Shanghai: {zoned:12,.0f} charts/s")
    print(f"compute_pillars (full):      {full:12,.0f} charts/s (5,000)")
    peer_count = arguments.peer_count
    print(f"lunar-python 1.4.8 sect 1:   {peer:12,.0f} charts/s ({peer_count:,})")
    print(f"ratio four_pillars / lunar-python: {ours / peer:,.0f}x")
    print(f"import bazi_master.engine (core): {import_seconds * 1000:.1f} ms")
    print(f"peak resident memory after charting: {memory:.1f} MB")


if __name__ == "__main__":
    main()
