"""Regenerate the packaged tables and print how DE406 compares with DE421."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bazi_master.tablegen._build import write_tables


def _default_directory() -> Path:
    return Path(__file__).resolve().parent.parent / "engine" / "data"


def _summary(name: str, series: Any) -> str:
    difference = np.abs(series.de406_minus_de421)
    return (
        f"{name}: {len(series.seconds)} instants, {int(series.from_de421.sum())} from "
        f"DE421; DE406 - DE421 over {len(difference)} shared instants: median "
        f"{np.median(difference):.3f} s, p95 {np.percentile(difference, 95):.3f} s, "
        f"max {difference.max():.3f} s"
    )


def main() -> None:
    """Parse the command line, write the tables and print a summary."""
    parser = argparse.ArgumentParser(prog="python -m bazi_master.tablegen")
    parser.add_argument(
        "--output",
        type=Path,
        default=_default_directory(),
        help="directory to write terms.bin and new_moons.bin into "
        "(default: the engine's data directory)",
    )
    arguments = parser.parse_args()

    started = time.perf_counter()
    terms, moons = write_tables(arguments.output)
    print(_summary("solar terms", terms))
    print(_summary("new moons", moons))
    print(f"written to {arguments.output} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
