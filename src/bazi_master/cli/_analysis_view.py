"""Readable sections of a full chart's analysis, built from ``Chart.to_dict()``.

Sections follow the order a practitioner reads a chart in: the pillar grid with ten
gods and hidden stems, growth stages and na yin, palaces, relations, shen sha,
strength, and the luck pillars. A chart analysed with a chosen luck pillar or year
adds their relations and stars with the natal chart, and the year's 流月. Every table
fits in 100 columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bazi_master.engine._symbols import TERM_NAMES

POSITIONS: Final = ("year", "month", "day", "hour")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE, pad_edge=False)
    for column in columns:
        table.add_column(column)
    return table


def _hidden_text(detail: dict[str, Any]) -> Text:
    text = Text()
    for k, hidden in enumerate(detail["hidden_stems"]):
        if k:
            text.append("\n")
        text.append(f"{hidden['char']} ", style="bold")
        text.append(f"{hidden['ten_god']['char']} {hidden['weight']:g}")
    return text


def pillar_grid(chart: dict[str, Any]) -> Table:
    """Build the grid of ten gods, hidden stems, growth stages, na yin and void."""
    details = chart["pillar_details"]
    table = _table("Pillars in detail", "", *(p.capitalize() for p in POSITIONS))
    cells = [details[p] for p in POSITIONS]
    table.add_row("Pillar", *(Text(d["ganzhi"], style="bold") for d in cells))
    table.add_row("Stem god", *(d["stem_ten_god"]["char"] for d in cells))
    table.add_row("Hidden", *(_hidden_text(d) for d in cells))
    table.add_row("Stage (日主)", *(d["stage_of_day_master"]["char"] for d in cells))
    table.add_row("Stage (自坐)", *(d["stage_of_own_stem"]["char"] for d in cells))
    table.add_row("Na yin", *(d["nayin"]["chars"] for d in cells))
    table.add_row("Void", *(d["void_branches"] for d in cells))
    return table


def palace_lines(chart: dict[str, Any]) -> Text:
    """Summarise the day master, the void branches and the four palaces."""
    master = chart["day_master"]
    void = chart["void"]
    palaces = chart["palaces"]
    text = Text(
        f"Day master {master['char']} ({master['yin_yang']} {master['name']})   "
        f"Void: by day {void['by_day_pillar']}, by year {void['by_year_pillar']}\n"
    )
    names = {
        "conception": "胎元",
        "breath": "胎息",
        "life_palace": "命宫",
        "body_palace": "身宫",
    }
    text.append(
        "   ".join(f"{names[k]} {palaces[k]['ganzhi']}" for k in names), style="bold"
    )
    return text


def _relation_row(relation: dict[str, Any]) -> tuple[str, str, str, str]:
    outcome = relation["element"] or ""
    if relation.get("transforms") is not None:
        outcome += ", transforms" if relation["transforms"] else ", no transformation"
    return (
        f"{relation['chinese']} {relation['english']}",
        relation["chars"],
        " + ".join(relation["positions"]),
        outcome,
    )


def _relations(title: str, relations: list[dict[str, Any]]) -> Table:
    table = _table(title, "Relation", "Chars", "Positions", "Element")
    for relation in relations:
        table.add_row(*_relation_row(relation))
    if not table.rows:
        table.add_row("none", "", "", "")
    return table


def relation_table(chart: dict[str, Any]) -> Table:
    """Build the table of the natal stem and branch relations."""
    relations = chart["relations"]
    return _relations("Relations", relations["stems"] + relations["branches"])


def _star_text(hits: list[dict[str, Any]]) -> str:
    return ", ".join(f"{hit['chinese']} ({hit['basis_chinese']})" for hit in hits)


def shensha_table(chart: dict[str, Any]) -> Table:
    """Build the table of the natal stars, grouped by the pillar they fall on."""
    table = _table("Shen sha", "Pillar", "Stars (basis)")
    for position in POSITIONS:
        hits = [hit for hit in chart["shen_sha"] if hit["pillar"] == position]
        if hits:
            table.add_row(position.capitalize(), _star_text(hits))
    return table


def _comparison_title(chart: dict[str, Any], compared: dict[str, Any]) -> str:
    options = chart["analysis_options"]
    if compared["with"] == "luck":
        return (
            f"Relations with luck pillar {options['luck_index']} {compared['ganzhi']}"
        )
    return f"Relations with the year {options['annual_year']} {compared['ganzhi']}"


def comparison_sections(chart: dict[str, Any]) -> Iterator[RenderableType]:
    """Yield, for each chosen luck pillar or year, its relations and stars with the
    natal chart."""
    for compared in chart["relations"]["with_pillars"]:
        title = _comparison_title(chart, compared)
        table = _relations(title, compared["stems"] + compared["branches"])
        stars = _star_text(compared["shen_sha"]) or "none"
        yield Group(table, Text(f"Stars on {compared['ganzhi']}: {stars}"))


def flow_month_table(chart: dict[str, Any]) -> Table:
    """Build the table of the 12 months (流月) of the chosen year."""
    year = chart["analysis_options"]["annual_year"]
    table = _table(f"流月 of {year}", "#", "Pillar", "Stem god", "Opens with", "Begins")
    for number, month in enumerate(chart["flow_months"], start=1):
        table.add_row(
            str(number),
            month["ganzhi"],
            month["stem_ten_god"]["char"],
            TERM_NAMES[month["jie_term"]],
            month["begins"].replace("T", " "),
        )
    return table


def strength_table(chart: dict[str, Any]) -> Group:
    """Build the element table and the strength summary."""
    strength = chart["strength"]
    table = _table(
        "Elements and strength", "Element", "Raw", "Season", "×", "Weighted", "%"
    )
    for element in strength["elements"]:
        table.add_row(
            f"{element['char']} {element['name']}",
            f"{element['raw']:.2f}",
            f"{element['season_state_char']} {element['season_state']}",
            f"{element['factor']:g}",
            f"{element['weighted']:.2f}",
            f"{element['percent']:.1f}",
        )
    fu_yi, tiao_hou = strength["fu_yi"], strength["tiao_hou"]
    summary = Text(
        f"Day master {strength['day_master']['char']}: support "
        f"{strength['support']:.2f} of {strength['total']:.2f} = "
        f"{100 * strength['support_share']:.1f} % → {strength['class_char']} "
        f"{strength['class']}\n"
        f"扶抑 favourable: {', '.join(fu_yi['favourable'])}; unfavourable: "
        f"{', '.join(fu_yi['unfavourable'])}\n"
        f"调候: {tiao_hou['need'] or 'none needed'}"
        + (f" ({tiao_hou['reason']} month)" if tiao_hou["reason"] else "")
    )
    return Group(table, summary)


def luck_section(chart: dict[str, Any]) -> RenderableType:
    """Build the luck start line and the luck pillar table, or the reason they are
    missing."""
    luck = chart["luck"]
    if luck is None:
        return Text(f"Luck pillars: {chart['luck_omitted_reason']}", style="yellow")
    start = luck["start"]
    elapsed = start["elapsed"]
    head = Text(
        f"Luck starts {start['date']}: "
        f"{elapsed['years']} y {elapsed['months']} m {elapsed['days']} d "
        f"{elapsed['hours']} h {elapsed['minutes']} min after birth; "
        f"周岁 {start['zhousui']}, 虚岁 {start['xusui']}\n"
        f"Luck rule {start['rule']}, school {start['school']}, "
        f"direction {start['direction']}"
    )
    chosen = chart["analysis_options"]["luck_index"]
    table = _table("Luck pillars", "#", "Pillar", "Gods", "Stage", "Begins", "Age")
    for pillar in luck["pillars"]:
        marked = pillar["number"] == chosen
        table.add_row(
            f"{pillar['number']} ▶" if marked else str(pillar["number"]),
            pillar["ganzhi"],
            f"{pillar['stem_ten_god']['char']} / {pillar['branch_ten_god']['char']}",
            pillar["stage_of_day_master"]["char"],
            pillar["begins"][:10],
            f"{pillar['zhousui']} ({pillar['xusui']})",
        )
    warnings = [Text(f"! {w}", style="yellow") for w in luck["warnings"]]
    return Group(head, table, *warnings)


def render_analysis(chart: dict[str, Any]) -> Iterator[RenderableType]:
    """Yield the analysis sections of a full chart; nothing for a pillar-only
    chart."""
    if "pillar_details" not in chart:
        return
    yield pillar_grid(chart)
    yield palace_lines(chart)
    yield relation_table(chart)
    yield shensha_table(chart)
    yield strength_table(chart)
    yield luck_section(chart)
    yield from comparison_sections(chart)
    if chart["flow_months"] is not None:
        yield flow_month_table(chart)
