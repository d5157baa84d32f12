"""Shen sha (神煞): symbolic stars found by table lookup from one pillar to the others.

Each rule reads a basis (the day stem, the year stem, the year or day branch, the
month branch, or the day or year pillar) and names target stems, branches or pillars.
A star falls on every pillar that contains a target. Rules based on the year or day
branch skip the pillar the basis came from. On first use of a basis value, the rules
are expanded into one lookup table, so a chart then costs about thirty lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .._symbols import BRANCH_CHARS, STEM_CHARS, GanZhi

BASES: Final = (
    "day_stem",
    "year_stem",
    "year_branch",
    "day_branch",
    "month_branch",
    "day_pillar",
    "year_pillar",
)
BASIS_CHARS: Final = {
    "day_stem": "日干",
    "year_stem": "年干",
    "year_branch": "年支",
    "day_branch": "日支",
    "month_branch": "月支",
    "day_pillar": "日柱",
    "year_pillar": "年柱",
}


@dataclass(frozen=True, slots=True)
class ShenShaRule:
    """One shen sha rule.

    ``targets[v]`` lists the target characters for basis value ``v``: stems,
    branches, or two-character pillars. ``on`` limits the pillars checked (0 year,
    1 month, 2 day, 3 hour).
    """

    key: str
    chinese: str
    english: str
    basis: str
    targets: tuple[tuple[str, ...], ...]
    on: tuple[int, ...] = (0, 1, 2, 3)


def _per_stem(text: str) -> tuple[tuple[str, ...], ...]:
    """Split ten space-separated target groups (甲 … 癸); ``-`` means none."""
    return tuple(tuple(group.strip("-")) for group in text.split())


def _per_branch(text: str) -> tuple[tuple[str, ...], ...]:
    """Split twelve space-separated target groups (子 … 亥); ``-`` means none."""
    return tuple(tuple(group.strip("-")) for group in text.split())


# Triple-combination group of each branch: 0 申子辰, 1 亥卯未, 2 寅午戌, 3 巳酉丑.
_TRIPLE_GROUP: Final = (0, 3, 2, 1, 0, 3, 2, 1, 0, 3, 2, 1)
# Directional group: 0 亥子丑, 1 寅卯辰, 2 巳午未, 3 申酉戌.
_DIRECTION_GROUP: Final = (0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0)


def _by_triple(targets: str) -> tuple[tuple[str, ...], ...]:
    """Expand targets of 申子辰, 亥卯未, 寅午戌, 巳酉丑 to all twelve branches."""
    return tuple((targets[_TRIPLE_GROUP[b]],) for b in range(12))


def _by_direction(targets: str) -> tuple[tuple[str, ...], ...]:
    """Expand targets of 亥子丑, 寅卯辰, 巳午未, 申酉戌 to all twelve branches."""
    return tuple((targets[_DIRECTION_GROUP[b]],) for b in range(12))


def _by_offset(offset: int, sign: int = 1) -> tuple[tuple[str, ...], ...]:
    """Targets at ``offset + sign * branch`` for every branch."""
    return tuple((BRANCH_CHARS[(offset + sign * b) % 12],) for b in range(12))


def _pillars(text: str) -> tuple[tuple[str, ...], ...]:
    """Wrap one group of two-character pillars, shared by every basis value."""
    return (tuple(text.split()),)


_TIANYI: Final = _per_stem("丑未 子申 亥酉 亥酉 丑未 子申 丑未 午寅 巳卯 巳卯")
_SPRING, _SUMMER, _AUTUMN, _WINTER = ("戊寅",), ("甲午",), ("戊申",), ("甲子",)

_BRANCH_STARS: Final = (
    ("yima", "驿马", "Travelling Horse", "寅巳申亥"),
    ("taohua", "桃花", "Peach Blossom", "酉子卯午"),
    ("huagai", "华盖", "Canopy", "辰未戌丑"),
    ("jiangxing", "将星", "General Star", "子卯午酉"),
    ("jiesha", "劫煞", "Robbery Star", "巳申亥寅"),
    ("wangshen", "亡神", "Lost Spirit", "亥寅巳申"),
    ("zaisha", "灾煞", "Calamity Star", "午酉子卯"),
)

RULES: Final = (
    ShenShaRule("tianyi", "天乙贵人", "Heavenly Noble", "day_stem", _TIANYI),
    ShenShaRule("tianyi", "天乙贵人", "Heavenly Noble", "year_stem", _TIANYI),
    ShenShaRule(
        "taiji",
        "太极贵人",
        "Grand Ultimate Noble",
        "day_stem",
        _per_stem("子午 子午 卯酉 卯酉 辰戌丑未 辰戌丑未 寅亥 寅亥 巳申 巳申"),
    ),
    ShenShaRule(
        "wenchang",
        "文昌",
        "Academic Star",
        "day_stem",
        _per_stem("巳 午 申 酉 申 酉 亥 子 寅 卯"),
    ),
    ShenShaRule(
        "lushen",
        "禄神",
        "Prosperity",
        "day_stem",
        _per_stem("寅 卯 巳 午 巳 午 申 酉 亥 子"),
    ),
    ShenShaRule(
        "yangren",
        "羊刃",
        "Goat Blade",
        "day_stem",
        _per_stem("卯 - 午 - 午 - 酉 - 子 -"),
    ),
    ShenShaRule(
        "feiren",
        "飞刃",
        "Flying Blade",
        "day_stem",
        _per_stem("酉 - 子 - 子 - 卯 - 午 -"),
    ),
    ShenShaRule(
        "jinyu",
        "金舆",
        "Golden Carriage",
        "day_stem",
        _per_stem("辰 巳 未 申 未 申 戌 亥 丑 寅"),
    ),
    ShenShaRule(
        "xuetang",
        "学堂",
        "Study Hall",
        "day_stem",
        _per_stem("亥 午 寅 酉 寅 酉 巳 子 申 卯"),
    ),
    ShenShaRule(
        "hongyan",
        "红艳",
        "Red Romance",
        "day_stem",
        _per_stem("午 午 寅 未 辰 辰 戌 酉 子 申"),
    ),
    ShenShaRule(
        "guoyin",
        "国印贵人",
        "National Seal",
        "day_stem",
        _per_stem("戌 亥 丑 寅 丑 寅 辰 巳 未 申"),
    ),
    ShenShaRule(
        "tianchu",
        "天厨贵人",
        "Heavenly Kitchen",
        "day_stem",
        _per_stem("巳 午 巳 午 申 酉 亥 子 寅 卯"),
    ),
    *(
        ShenShaRule(key, chinese, english, basis, _by_triple(targets))
        for basis in ("year_branch", "day_branch")
        for key, chinese, english, targets in _BRANCH_STARS
    ),
    ShenShaRule(
        "guchen", "孤辰", "Lonely Star", "year_branch", _by_direction("寅巳申亥")
    ),
    ShenShaRule(
        "guasu", "寡宿", "Widow Star", "year_branch", _by_direction("戌丑辰未")
    ),
    ShenShaRule("hongluan", "红鸾", "Red Phoenix", "year_branch", _by_offset(3, -1)),
    ShenShaRule("tianxi", "天喜", "Heavenly Joy", "year_branch", _by_offset(9, -1)),
    ShenShaRule("sangmen", "丧门", "Mourning Door", "year_branch", _by_offset(2)),
    ShenShaRule("diaoke", "吊客", "Condolence Guest", "year_branch", _by_offset(-2)),
    ShenShaRule(
        "tiande",
        "天德贵人",
        "Heavenly Virtue",
        "month_branch",
        _per_branch("巳 庚 丁 申 壬 辛 亥 甲 癸 寅 丙 乙"),
    ),
    ShenShaRule(
        "tiandehe",
        "天德合",
        "Heavenly Virtue Combination",
        "month_branch",
        _per_branch("申 乙 壬 巳 丁 丙 寅 己 戊 亥 辛 庚"),
    ),
    ShenShaRule(
        "yuede", "月德贵人", "Monthly Virtue", "month_branch", _by_triple("壬甲丙庚")
    ),
    ShenShaRule(
        "yuedehe",
        "月德合",
        "Monthly Virtue Combination",
        "month_branch",
        _by_triple("丁己辛乙"),
    ),
    ShenShaRule(
        "tianyi_doctor", "天医", "Heavenly Doctor", "month_branch", _by_offset(-1)
    ),
    ShenShaRule(
        "tianshe",
        "天赦",
        "Heavenly Pardon",
        "month_branch",
        (_WINTER, _WINTER, *(_SPRING,) * 3, *(_SUMMER,) * 3, *(_AUTUMN,) * 3, _WINTER),
        on=(2,),
    ),
    ShenShaRule(
        "kuigang",
        "魁罡",
        "Kui Gang",
        "day_pillar",
        _pillars("庚辰 庚戌 壬辰 戊戌"),
        on=(2,),
    ),
    ShenShaRule(
        "yinyang_chacuo",
        "阴差阳错",
        "Yin-Yang Mismatch",
        "day_pillar",
        _pillars("丙子 丁丑 戊寅 辛卯 壬辰 癸巳 丙午 丁未 戊申 辛酉 壬戌 癸亥"),
        on=(2,),
    ),
    ShenShaRule(
        "shie_dabai",
        "十恶大败",
        "Ten Evils Great Defeat",
        "day_pillar",
        _pillars("甲辰 乙巳 丙申 丁亥 戊戌 己丑 庚辰 辛巳 壬申 癸亥"),
        on=(2,),
    ),
    ShenShaRule(
        "guluan",
        "孤鸾",
        "Lonely Phoenix",
        "day_pillar",
        _pillars("乙巳 丁巳 辛亥 戊申 甲寅 壬子 丙午 戊午"),
        on=(2,),
    ),
    ShenShaRule(
        "liuxiu",
        "六秀日",
        "Six Elegance Day",
        "day_pillar",
        _pillars("丙午 丁未 戊子 戊午 己丑 己未"),
        on=(2,),
    ),
    ShenShaRule(
        "shiling",
        "十灵日",
        "Ten Spirits Day",
        "day_pillar",
        _pillars("甲辰 乙亥 丙辰 丁酉 戊午 庚戌 庚寅 辛亥 壬寅 癸未"),
        on=(2,),
    ),
    ShenShaRule(
        "jinshen",
        "金神",
        "Metal Spirit",
        "day_pillar",
        _pillars("乙丑 己巳 癸酉"),
        on=(2, 3),
    ),
    ShenShaRule("kongwang", "空亡", "Void", "day_pillar", (), on=(0, 1, 3)),
    ShenShaRule("kongwang", "空亡", "Void", "year_pillar", (), on=(1, 2, 3)),
)

# Pillar that each basis is read from, and whether rules on it skip that pillar.
_BASIS_PILLAR: Final = {
    "day_stem": 2,
    "year_stem": 0,
    "year_branch": 0,
    "day_branch": 2,
    "month_branch": 1,
    "day_pillar": 2,
    "year_pillar": 0,
}
_SKIPS_OWN_PILLAR: Final = frozenset(("year_branch", "day_branch"))


@dataclass(frozen=True, slots=True)
class ShenShaHit:
    """One star on one pillar: ``rule`` indexes ``RULES``; ``position`` is 0 year,
    1 month, 2 day, 3 hour, 4 the added luck or annual pillar."""

    rule: int
    position: int
    target: str


def _rule_targets(rule: ShenShaRule, value: int) -> tuple[str, ...]:
    if rule.key == "kongwang":
        first_branch = (value - value % 10) % 12
        return (
            BRANCH_CHARS[(first_branch + 10) % 12],
            BRANCH_CHARS[(first_branch + 11) % 12],
        )
    if rule.basis.endswith("pillar"):
        return rule.targets[0]
    return rule.targets[value]


def _checks(rule: ShenShaRule, position: int) -> bool:
    """Tell whether ``rule`` looks at ``position``; the added pillar (4) is checked by
    every rule that covers at least three natal pillars."""
    if rule.basis in _SKIPS_OWN_PILLAR and position == _BASIS_PILLAR[rule.basis]:
        return False
    return position in rule.on or (position == 4 and len(rule.on) >= 3)


def _match(targets: tuple[str, ...], pair: GanZhi) -> str | None:
    stem, branch = STEM_CHARS[pair.stem], BRANCH_CHARS[pair.branch]
    for target in targets:
        if target in (stem, branch, stem + branch):
            return target
    return None


# A table for one basis value: the hits at ``position * 60 + pillar index``.
_Table = tuple[tuple[ShenShaHit, ...], ...]
_POSITIONS: Final = 5
# _TABLES[basis number in BASES][value], None until a chart with that value needs it.
_TABLES: Final[tuple[list[_Table | None], ...]] = tuple(
    [None] * size for size in (10, 10, 12, 12, 12, 60, 60)
)


def _build_table(basis: str, value: int) -> _Table:
    """Build, for one basis value, the hits on every position and pillar index."""
    rules = [(i, rule) for i, rule in enumerate(RULES) if rule.basis == basis]
    table = []
    for position in range(_POSITIONS):
        for index in range(60):
            pair = GanZhi(index)
            hits = []
            for rule_index, rule in rules:
                if not _checks(rule, position):
                    continue
                target = _match(_rule_targets(rule, value), pair)
                if target is not None:
                    hits.append(ShenShaHit(rule_index, position, target))
            table.append(tuple(hits))
    return tuple(table)


def _fill(number: int, value: int) -> _Table:
    """Build and store the table of basis ``BASES[number]`` for ``value``."""
    table = _TABLES[number][value] = _build_table(BASES[number], value)
    return table


def shensha_hits(
    pillars: Sequence[GanZhi], extra: GanZhi | None = None
) -> tuple[ShenShaHit, ...]:
    """Return every star on the four ``pillars`` and, if given, on ``extra``.

    Hits come basis by basis in the order of ``BASES``, and pillar by pillar within
    a basis. The added pillar is checked as a target only: its own stem and branch
    are never a basis. Lookup tables are built on first use of each basis value.
    """
    year, month, day, hour = pillars
    y, m, d = year.index, month.index, day.index
    by_day_stem, by_year_stem, by_year_branch, by_day_branch = _TABLES[:4]
    by_month_branch, by_day_pillar, by_year_pillar = _TABLES[4:]
    tables = (
        by_day_stem[d % 10] or _fill(0, d % 10),
        by_year_stem[y % 10] or _fill(1, y % 10),
        by_year_branch[y % 12] or _fill(2, y % 12),
        by_day_branch[d % 12] or _fill(3, d % 12),
        by_month_branch[m % 12] or _fill(4, m % 12),
        by_day_pillar[d] or _fill(5, d),
        by_year_pillar[y] or _fill(6, y),
    )
    # Table rows run position by position, 60 pillar indexes each.
    rows = (y, m + 60, d + 120, hour.index + 180)
    at_year, at_month, at_day, at_hour = rows
    hits: tuple[ShenShaHit, ...] = ()
    if extra is None:
        for table in tables:
            hits += table[at_year] + table[at_month] + table[at_day] + table[at_hour]
        return hits

    at_extra = extra.index + 240
    for table in tables:
        hits += table[at_year] + table[at_month] + table[at_day] + table[at_hour]
        hits += table[at_extra]
    return hits


def find_shensha(
    pillars: Sequence[GanZhi], extra: GanZhi | None = None
) -> list[ShenShaHit]:
    """Return ``shensha_hits(pillars, extra)`` as a list."""
    return list(shensha_hits(pillars, extra))
