"""Na yin (纳音): the sound element of each pair of the sexagenary cycle.

Consecutive pairs share one na yin, so the 60 pairs map onto 30 names (甲子 and 乙丑 are
海中金, 壬戌 and 癸亥 are 大海水).
"""

from __future__ import annotations

from typing import Final

from .._symbols import GanZhi

NAYIN_CHARS: Final = (
    "海中金",
    "炉中火",
    "大林木",
    "路旁土",
    "剑锋金",
    "山头火",
    "涧下水",
    "城头土",
    "白蜡金",
    "杨柳木",
    "泉中水",
    "屋上土",
    "霹雳火",
    "松柏木",
    "长流水",
    "沙中金",
    "山下火",
    "平地木",
    "壁上土",
    "金箔金",
    "覆灯火",
    "天河水",
    "大驿土",
    "钗钏金",
    "桑柘木",
    "大溪水",
    "沙中土",
    "天上火",
    "石榴木",
    "大海水",
)
NAYIN_ENGLISH: Final = (
    "Sea Metal",
    "Furnace Fire",
    "Great Forest Wood",
    "Roadside Earth",
    "Sword Blade Metal",
    "Mountain Top Fire",
    "Ravine Water",
    "City Wall Earth",
    "White Wax Metal",
    "Willow Wood",
    "Spring Water",
    "Rooftop Earth",
    "Thunderbolt Fire",
    "Pine and Cypress Wood",
    "Long River Water",
    "Sand Metal",
    "Fire Below the Mountain",
    "Flatland Wood",
    "Wall Earth",
    "Gold Leaf Metal",
    "Lamp Fire",
    "Heavenly River Water",
    "Great Post Road Earth",
    "Hairpin Metal",
    "Mulberry Wood",
    "Great Stream Water",
    "Sand Earth",
    "Heavenly Fire",
    "Pomegranate Wood",
    "Great Sea Water",
)
# Element index (0 Wood … 4 Water) of each na yin, read from the last character.
NAYIN_ELEMENTS: Final = tuple("木火土金水".index(name[-1]) for name in NAYIN_CHARS)


def nayin(pair: GanZhi) -> int:
    """Return the na yin index (0..29) of ``pair``."""
    return pair.index // 2
