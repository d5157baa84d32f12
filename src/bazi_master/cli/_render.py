"""Readable terminal output: charts, solar terms and reverse-lookup spans.

Everything renders through rich into at most 100 columns. Charts are rendered from
their ``to_dict()`` form, so the same code serves a pillar chart and a full chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bazi_master.engine._reverse import TimeSpan
from bazi_master.engine._terms import SolarTerm
from bazi_master.engine._time import format_time

from ._analysis_view import render_analysis

MAX_WIDTH: Final = 100
POSITIONS: Final = ("year", "month", "day", "hour")
ZI_NAMES: Final = {
    "roll": "roll: the day changes at 23:00",
    "stay-next": "stay-next: the day changes at 24:00, late 子 stem from the next day",
    "stay-same": "stay-same: the day changes at 24:00, late 子 stem from the same day",
}


class _Console(Console):
    """A console that lets a closed pipe reach the command's error handling."""

    def on_broken_pipe(self) -> None:
        # rich's own handler exits with status 1; the command exits with 141.
        self.quiet = True
        raise BrokenPipeError


def make_console(*, stderr: bool = False) -> Console:
    """Return a console no wider than 100 columns, and 100 wide on a pipe or file."""
    console = _Console(stderr=stderr, highlight=False)
    console.width = min(console.width, MAX_WIDTH) if console.is_terminal else MAX_WIDTH
    return console


def _part_text(part: dict[str, Any], *, animal: bool) -> Text:
    """Format a stem or branch: character, pinyin, then yin/yang, element, animal."""
    text = Text(f"{part['char']} ", style="bold")
    text.append(part["pinyin"])
    detail = f"{part['yin_yang']} {part['element']} {part['element_char']}"
    if animal:
        detail += f"\n{part['animal']}"
    text.append(f"\n{detail}", style="dim")
    return text


def pillar_table(pillars: dict[str, Any]) -> Table:
    """Build the four-column table of the pillars."""
    table = Table(box=box.SIMPLE_HEAVY, show_header=True, pad_edge=False)
    table.add_column("")
    for position in POSITIONS:
        table.add_column(position.capitalize(), min_width=16)

    table.add_row(
        "Pillar", *(Text(pillars[p]["ganzhi"], style="bold") for p in POSITIONS)
    )
    table.add_row(
        "Stem", *(_part_text(pillars[p]["stem"], animal=False) for p in POSITIONS)
    )
    table.add_row(
        "Branch", *(_part_text(pillars[p]["branch"], animal=True) for p in POSITIONS)
    )
    return table


def _clock_lines(chart: dict[str, Any]) -> list[str]:
    conventions = chart["conventions"]
    dst = (
        f"DST +{conventions['dst_seconds'] // 60} min"
        if conventions["dst"]
        else "no DST"
    )
    lines = [
        f"Birth       {chart['civil_time']} ({conventions['zone']}, "
        f"UTC{conventions['utc_offset']}, {dst})",
        f"UT          {chart['instant']['utc']}",
        f"Chart clock {chart['chart_clock']} ({conventions['chart_clock']})",
        f"Zi hour     {ZI_NAMES.get(conventions['zi'], conventions['zi'])}",
        f"Terms       year from 立春, month from each jie, compared in UT; tzdata "
        f"{conventions['tzdata_version']}",
    ]
    if conventions.get("fold"):
        lines.append(f"Fold        {conventions['fold']} (repeated local time)")
    return lines


def _place_lines(chart: dict[str, Any]) -> list[str]:
    location = chart.get("location")
    if not location:
        return []
    name = location.get("name") or "coordinates"
    if location.get("country"):
        name += f", {location['country']}"
    return [
        f"Place       {name} ({location['latitude']:.4f}, {location['longitude']:.4f})"
    ]


def _solar_lines(chart: dict[str, Any]) -> list[str]:
    solar = chart.get("solar_time")
    if not solar:
        return ["Solar time  off (day and hour read from standard time)"]
    return [
        f"Solar time  on: apparent solar {solar.get('apparent_solar_time')}",
        f"            longitude {solar.get('longitude_correction_minutes'):+.2f} min, "
        f"equation of time {solar.get('equation_of_time_minutes'):+.2f} min",
    ]


def format_uncertainty(seconds: float) -> str:
    """Format a term's uncertainty: whole seconds from 10 s up, else tenths.

    The uncertainties are estimates, so more digits would claim a precision that
    they do not have.
    """
    if seconds >= 10:
        return f"{seconds:.0f}"
    return f"{seconds:.1f}".removesuffix(".0")


def _jie_lines(chart: dict[str, Any]) -> list[str]:
    jie = chart.get("jie") or {}
    lines = []
    for label, key in (("Current jie", "current"), ("Next jie", "next")):
        if key in jie:
            item = jie[key]
            lines.append(
                f"{label:<11} {item['name']} {item['instant']['local']} "
                f"(±{format_uncertainty(item['uncertainty_seconds'])} s)"
            )
    return lines


def _warning_lines(chart: dict[str, Any]) -> list[Text]:
    lines = []
    for warning in chart.get("warnings", []):
        lines.append(Text(f"! {warning['message']}", style="yellow"))
    return lines


def render_chart(chart: dict[str, Any], console: Console) -> None:
    """Print a chart: pillars, clocks and conventions, jie, warnings, and the
    analysis sections when the chart has them (a full chart, not a pillar chart).
    """
    title = Text(f"BaZi chart  {chart['eight_characters']}", style="bold")
    console.print(title)
    console.print(pillar_table(chart["pillars"]))
    details = _clock_lines(chart) + _place_lines(chart) + _solar_lines(chart)
    for line in details + _jie_lines(chart):
        console.print(line, soft_wrap=False, overflow="fold")
    for warning in _warning_lines(chart):
        console.print(warning)
    if "pillar_details" in chart:
        console.print()
        for section in render_analysis(chart):
            console.print(section)


def render_terms(
    terms: Sequence[SolarTerm], zone_label: str | None, console: Console
) -> None:
    """Print the 24 solar terms of a year with their instants and uncertainties."""
    table = Table(box=box.SIMPLE_HEAVY, pad_edge=False)
    for name in ("#", "Term", "Pinyin", "English", "λ", "Jie"):
        table.add_column(name)
    table.add_column(f"Local ({zone_label})" if zone_label else "UTC", no_wrap=True)
    table.add_column("±s", justify="right", no_wrap=True)
    for term in terms:
        moment = term.local if term.local is not None else term.utc
        table.add_row(
            str(term.index),
            term.name,
            term.pinyin,
            term.english,
            f"{term.longitude}°",
            "jie" if term.is_jie else "",
            format_time(moment, sep=" "),
            format_uncertainty(term.uncertainty_seconds),
        )
    console.print(table)


def render_spans(spans: Sequence[TimeSpan], heading: str, console: Console) -> None:
    """Print the spans found by a reverse lookup, one row each."""
    console.print(Text(heading, style="bold"))
    if not spans:
        console.print("No birth time in the searched years has these pillars.")
        return

    table = Table(box=box.SIMPLE_HEAVY, pad_edge=False)
    for name in ("#", "Start (local)", "End (local)", "Length", "Cut by"):
        table.add_column(name)
    for number, span in enumerate(spans, start=1):
        data = span.to_dict()
        minutes = span.duration_seconds / 60
        table.add_row(
            str(number),
            str(data["start_local"]).replace("T", " "),
            str(data["end_local"]).replace("T", " "),
            f"{minutes:.1f} min",
            f"{span.start_edge.value}/{span.end_edge.value}",
        )
    console.print(table)
