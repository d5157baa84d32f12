"""Relations among stems and branches: combinations, clashes, punishments, harms.

Positions are indexes into the pillars given: 0 year, 1 month, 2 day, 3 hour, and 4 for
an added luck or annual pillar. Pair relations are read from tables built at import.
Group relations (triple, half and directional combinations, triple punishments) are
looked up by the set of branches present, so a call costs a few dozen lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .._symbols import BRANCH_CHARS, STEM_CHARS, STEM_ELEMENTS

# key: (Chinese, English)
RELATION_NAMES: Final = {
    "stem_combination": ("天干五合", "Stem combination"),
    "stem_clash": ("天干相冲", "Stem clash"),
    "six_combination": ("六合", "Six combination"),
    "triple_combination": ("三合", "Triple combination"),
    "half_combination": ("半合", "Half combination"),
    "directional_combination": ("三会", "Directional combination"),
    "clash": ("六冲", "Clash"),
    "triple_punishment": ("三刑", "Triple punishment"),
    "partial_punishment": ("相刑", "Partial punishment"),
    "mutual_punishment": ("无礼之刑", "Mutual punishment"),
    "self_punishment": ("自刑", "Self punishment"),
    "harm": ("六害", "Harm"),
    "destruction": ("六破", "Destruction"),
}

# Element (0 Wood … 4 Water) of 甲己, 乙庚, 丙辛, 丁壬, 戊癸, indexed by the lower
# stem modulo 5.
STEM_COMBINATION_ELEMENTS: Final = (2, 3, 4, 0, 1)
# Six combinations by the lower branch: 子丑 Earth, 寅亥 Wood, 卯戌 Fire, 辰酉 Metal,
# 巳申 Water, 午未 Fire.
SIX_COMBINATION_ELEMENTS: Final = {0: 2, 2: 0, 3: 1, 4: 3, 5: 4, 6: 1}
# Triple combinations (branches, centre, element): 申子辰 Water, 亥卯未 Wood,
# 寅午戌 Fire, 巳酉丑 Metal.
TRIPLE_COMBINATIONS: Final = (
    ((8, 0, 4), 0, 4),
    ((11, 3, 7), 3, 0),
    ((2, 6, 10), 6, 1),
    ((5, 9, 1), 9, 3),
)
# Directional combinations: 寅卯辰 Wood (east), 巳午未 Fire (south),
# 申酉戌 Metal (west), 亥子丑 Water (north).
DIRECTIONAL_COMBINATIONS: Final = (
    ((2, 3, 4), 0),
    ((5, 6, 7), 1),
    ((8, 9, 10), 3),
    ((11, 0, 1), 4),
)
# Triple punishments: 寅巳申 (punishment of power) and 丑戌未 (ungrateful punishment).
TRIPLE_PUNISHMENTS: Final = ((2, 5, 8), (1, 10, 7))
SELF_PUNISHING: Final = frozenset((4, 6, 9, 11))


@dataclass(frozen=True, slots=True)
class Relation:
    """One relation found among the pillars.

    ``chars`` lists the stems or branches in position order; ``element`` is the
    element (0 Wood … 4 Water) a combination produces, or ``None``. For a stem
    combination, ``conditions`` names each transformation condition with its result,
    and ``transforms`` is true when all hold.
    """

    kind: str
    chars: str
    positions: tuple[int, ...]
    element: int | None = None
    transforms: bool | None = None
    conditions: tuple[tuple[str, bool], ...] = ()


def _branch_pair_kinds(a: int, b: int) -> tuple[str, ...]:
    kinds = []
    if a != b and (a + b) % 12 == 1:
        kinds.append("six_combination")
    if (a - b) % 12 == 6:
        kinds.append("clash")
    if a != b and (a + b) % 12 == 7:
        kinds.append("harm")
    low, high = (a, b) if a % 2 == 0 else (b, a)
    if a % 2 != b % 2 and (low + 9) % 12 == high:
        kinds.append("destruction")
    if {a, b} == {0, 3}:
        kinds.append("mutual_punishment")
    if a == b and a in SELF_PUNISHING:
        kinds.append("self_punishment")
    if a != b and any(a in group and b in group for group in TRIPLE_PUNISHMENTS):
        kinds.append("partial_punishment")
    return tuple(kinds)


MAX_PILLARS: Final = 5
_POSITION_PAIRS: Final = tuple(
    (i, j) for i in range(MAX_PILLARS) for j in range(i + 1, MAX_PILLARS)
)


def _pair_key(i: int, j: int, a: int, b: int) -> int:
    return ((i * MAX_PILLARS + j) * 12 + a) * 12 + b


def _build_branch_pairs() -> list[tuple[Relation, ...]]:
    """Build every pair relation of two branches at two positions, ready to share."""
    table: list[tuple[Relation, ...]] = [()] * (MAX_PILLARS * MAX_PILLARS * 144)
    for i, j in _POSITION_PAIRS:
        for a in range(12):
            for b in range(12):
                chars = BRANCH_CHARS[a] + BRANCH_CHARS[b]
                table[_pair_key(i, j, a, b)] = tuple(
                    Relation(
                        kind,
                        chars,
                        (i, j),
                        SIX_COMBINATION_ELEMENTS[min(a, b)]
                        if kind == "six_combination"
                        else None,
                    )
                    for kind in _branch_pair_kinds(a, b)
                )
    return table


def _build_stem_clashes() -> list[Relation | None]:
    table: list[Relation | None] = [None] * (MAX_PILLARS * MAX_PILLARS * 144)
    for i, j in _POSITION_PAIRS:
        for a in range(10):
            for b in range(10):
                if abs(a - b) == 6 and min(a, b) < 4:
                    chars = STEM_CHARS[a] + STEM_CHARS[b]
                    table[_pair_key(i, j, a, b)] = Relation("stem_clash", chars, (i, j))
    return table


_BRANCH_PAIRS: Final = _build_branch_pairs()
_STEM_CLASHES: Final = _build_stem_clashes()


def stem_relations(stems: Sequence[int], month_branch_element: int) -> list[Relation]:
    """Return the stem combinations and clashes among ``stems``, pair by pair."""
    found = []
    count = len(stems)
    for i in range(count):
        a = stems[i]
        for j in range(i + 1, count):
            b = stems[j]
            if a - b == 5 or b - a == 5:
                found.append(_stem_combination(stems, month_branch_element, i, j))
                continue
            clash = _STEM_CLASHES[_pair_key(i, j, a, b)]
            if clash is not None:
                found.append(clash)
    return found


def _stem_combination(
    stems: Sequence[int], month_branch_element: int, i: int, j: int
) -> Relation:
    """Return the combination of the stems at ``i`` and ``j`` with its conditions."""
    a = stems[i]
    element = STEM_COMBINATION_ELEMENTS[a % 5]
    controller = (element + 3) % 5
    unopposed = all(
        STEM_ELEMENTS[stem] != controller
        for k, stem in enumerate(stems)
        if k != i and k != j
    )
    seasonal = month_branch_element == element
    return _COMBINATIONS[
        ((i * MAX_PILLARS + j) * 10 + a) * 4 + seasonal * 2 + unopposed
    ]


def _build_combinations() -> list[Relation]:
    """Build each stem combination for every pair of positions and condition result.

    The index is ``((i * MAX_PILLARS + j) * 10 + a) * 4 + 2 * seasonal + unopposed``
    for the stem ``a`` at position ``i``. Its partner at ``j`` is ``(a + 5) % 10``.
    """
    table: list[Relation] = []
    for i in range(MAX_PILLARS):
        for j in range(MAX_PILLARS):
            for a in range(10):
                for seasonal in (False, True):
                    for unopposed in (False, True):
                        table.append(_combination(i, j, a, seasonal, unopposed))
    return table


def _combination(i: int, j: int, a: int, seasonal: bool, unopposed: bool) -> Relation:
    """Describe the combination of ``a`` at ``i`` with its partner at ``j``.

    The two stems must stand side by side among the four natal pillars, the month
    branch must be of the transformed element, and no other stem may control it.
    """
    b = (a + 5) % 10
    conditions = (
        ("adjacent", j < 4 and j - i == 1),
        ("month_branch_of_element", seasonal),
        ("no_controlling_stem", unopposed),
    )
    return Relation(
        "stem_combination",
        STEM_CHARS[a] + STEM_CHARS[b],
        (i, j),
        STEM_COMBINATION_ELEMENTS[a % 5],
        all(ok for _, ok in conditions),
        conditions,
    )


_COMBINATIONS: Final = _build_combinations()


_GroupMatches = tuple[tuple[str, tuple[int, ...], int | None], ...]


def _group_matches(mask: int) -> _GroupMatches:
    """List the group relations found in the branches set in the bit ``mask``.

    A half combination contains the centre branch and one other of its triple, and only
    counts while the triple is incomplete (申辰 without 子 is no half combination).
    """
    found: list[tuple[str, tuple[int, ...], int | None]] = []
    for group, centre, element in TRIPLE_COMBINATIONS:
        count = sum(1 for branch in group if mask >> branch & 1)
        if count == 3:
            found.append(("triple_combination", group, element))
        elif count == 2 and mask >> centre & 1:
            found.append(("half_combination", group, element))
    for group, element in DIRECTIONAL_COMBINATIONS:
        if all(mask >> branch & 1 for branch in group):
            found.append(("directional_combination", group, element))
    for group in TRIPLE_PUNISHMENTS:
        if all(mask >> branch & 1 for branch in group):
            found.append(("triple_punishment", group, None))
    return tuple(found)


# Group matches by bit mask of the branches present, filled on first use of a mask.
_GROUPS_BY_MASK: dict[int, _GroupMatches] = {}


def _groups(mask: int) -> _GroupMatches:
    """Return the group matches of ``mask`` from the table, filling it on first use."""
    groups = _GROUPS_BY_MASK.get(mask)
    if groups is None:
        groups = _GROUPS_BY_MASK[mask] = _group_matches(mask)
    return groups


def _group_relation(
    branches: Sequence[int], kind: str, group: tuple[int, ...], element: int | None
) -> Relation:
    positions = tuple(p for p, branch in enumerate(branches) if branch in group)
    chars = "".join(BRANCH_CHARS[branches[p]] for p in positions)
    return Relation(kind, chars, positions, element)


def branch_relations(branches: Sequence[int]) -> list[Relation]:
    """Return every branch relation among ``branches`` (at most five).

    The pairs of a triple punishment count as partial punishments only while the
    triple is incomplete.
    """
    mask = 0
    for branch in branches:
        mask |= 1 << branch
    groups = _groups(mask)
    found = [_group_relation(branches, *match) for match in groups]

    count = len(branches)
    for i in range(count):
        a = branches[i]
        for j in range(i + 1, count):
            found.extend(_BRANCH_PAIRS[_pair_key(i, j, a, branches[j])])
    if any(kind == "triple_punishment" for kind, _, _ in groups):
        found = [r for r in found if not _completed_pair(r, groups, branches)]
    return found


def _completed_pair(
    relation: Relation,
    groups: _GroupMatches,
    branches: Sequence[int],
) -> bool:
    """Tell whether a partial punishment belongs to a complete triple punishment."""
    if relation.kind != "partial_punishment":
        return False
    first = branches[relation.positions[0]]
    return any(
        kind == "triple_punishment" and first in group for kind, group, _ in groups
    )


def find_relations(
    stems: Sequence[int], branches: Sequence[int], *, month_branch_element: int
) -> tuple[list[Relation], list[Relation]]:
    """Return the stem relations and the branch relations of the pillars given."""
    return (
        stem_relations(stems, month_branch_element),
        branch_relations(branches),
    )


# The six pairs of positions among four natal pillars, in the order of the loops above.
_NATAL_PAIRS: Final = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))


def _build_natal_stem_pairs() -> tuple[tuple[tuple[Relation, ...], ...], ...]:
    """Tabulate the stem relation of each natal pair by ``a * 10 + b``.

    A combination's conditions depend on the other stems, so its entry is a
    placeholder that ``_natal_stem_relations`` replaces.
    """
    tables = []
    for i, j in _NATAL_PAIRS:
        row: list[tuple[Relation, ...]] = []
        for a in range(10):
            for b in range(10):
                if a - b in (5, -5):
                    row.append((_COMBINATIONS[((i * MAX_PILLARS + j) * 10 + a) * 4],))
                    continue
                clash = _STEM_CLASHES[_pair_key(i, j, a, b)]
                row.append(() if clash is None else (clash,))
        tables.append(tuple(row))
    return tuple(tables)


_NATAL_STEM_PAIRS: Final = _build_natal_stem_pairs()
# _NATAL_BRANCH_PAIRS[pair][a * 12 + b]: the relations of branches a and b.
_NATAL_BRANCH_PAIRS: Final = tuple(
    tuple(_BRANCH_PAIRS[_pair_key(i, j, a, b)] for a in range(12) for b in range(12))
    for i, j in _NATAL_PAIRS
)


def natal_relations(
    stems: Sequence[int], branches: Sequence[int], *, month_branch_element: int
) -> tuple[tuple[Relation, ...], tuple[Relation, ...]]:
    """Return what ``find_relations`` returns for exactly four pillars, as tuples.

    The six pairs are unrolled into table lookups, which take about half the time
    of the general loops on random charts.
    """
    return (
        _natal_stem_relations(stems, month_branch_element),
        _natal_branch_relations(branches),
    )


def _natal_stem_relations(
    stems: Sequence[int], month_branch_element: int
) -> tuple[Relation, ...]:
    s0, s1, s2, s3 = stems
    t01, t02, t03, t12, t13, t23 = _NATAL_STEM_PAIRS
    found = (
        t01[s0 * 10 + s1]
        + t02[s0 * 10 + s2]
        + t03[s0 * 10 + s3]
        + t12[s1 * 10 + s2]
        + t13[s1 * 10 + s3]
        + t23[s2 * 10 + s3]
    )
    if not found:
        return found
    return tuple(
        _natal_combination(stems, month_branch_element, r.positions)
        if r.kind == "stem_combination"
        else r
        for r in found
    )


# The two other positions of each natal pair.
_OTHERS: Final = {pair: tuple(set(range(4)) - set(pair)) for pair in _NATAL_PAIRS}


def _natal_combination(
    stems: Sequence[int], month_branch_element: int, pair: tuple[int, ...]
) -> Relation:
    """Return what ``_stem_combination`` returns for a pair of four natal stems."""
    i, j = pair
    k, m = _OTHERS[(i, j)]
    a = stems[i]
    element = STEM_COMBINATION_ELEMENTS[a % 5]
    controller = (element + 3) % 5
    unopposed = (
        STEM_ELEMENTS[stems[k]] != controller and STEM_ELEMENTS[stems[m]] != controller
    )
    seasonal = month_branch_element == element
    key = ((i * MAX_PILLARS + j) * 10 + a) * 4 + seasonal * 2 + unopposed
    return _COMBINATIONS[key]


def _natal_branch_relations(branches: Sequence[int]) -> tuple[Relation, ...]:
    b0, b1, b2, b3 = branches
    t01, t02, t03, t12, t13, t23 = _NATAL_BRANCH_PAIRS
    pairs = (
        t01[b0 * 12 + b1]
        + t02[b0 * 12 + b2]
        + t03[b0 * 12 + b3]
        + t12[b1 * 12 + b2]
        + t13[b1 * 12 + b3]
        + t23[b2 * 12 + b3]
    )
    groups = _groups(1 << b0 | 1 << b1 | 1 << b2 | 1 << b3)
    if not groups:
        return pairs

    found = [_group_relation(branches, *match) for match in groups]
    found.extend(pairs)
    if any(kind == "triple_punishment" for kind, _, _ in groups):
        found = [r for r in found if not _completed_pair(r, groups, branches)]
    return tuple(found)


def relations_with(
    stems: Sequence[int],
    branches: Sequence[int],
    extra_stem: int,
    extra_branch: int,
    *,
    month_branch_element: int,
) -> tuple[list[Relation], list[Relation]]:
    """Return the relations that involve an added pillar at position ``len(stems)``.

    Group relations count when the added branch completes or joins a group.
    """
    extra = len(stems)
    stem_found, branch_found = find_relations(
        [*stems, extra_stem],
        [*branches, extra_branch],
        month_branch_element=month_branch_element,
    )
    return (
        [r for r in stem_found if extra in r.positions],
        [r for r in branch_found if extra in r.positions],
    )
