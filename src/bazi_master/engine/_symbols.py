"""Stems, branches, elements, the sexagenary cycle and the 24 solar terms.

Every table is indexed from 0: stem 0 is 甲, branch 0 is 子, cycle index 0 is 甲子,
element 0 is Wood. Solar term 0 is 小寒 (285°), the first term of a Gregorian year, so
term ``k`` of year ``y`` sits at ecliptic longitude ``(285 + 15 * k) % 360``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

STEM_CHARS: Final = "甲乙丙丁戊己庚辛壬癸"
BRANCH_CHARS: Final = "子丑寅卯辰巳午未申酉戌亥"

STEM_PINYIN: Final = (
    "jiǎ",
    "yǐ",
    "bǐng",
    "dīng",
    "wù",
    "jǐ",
    "gēng",
    "xīn",
    "rén",
    "guǐ",
)
BRANCH_PINYIN: Final = (
    "zǐ",
    "chǒu",
    "yín",
    "mǎo",
    "chén",
    "sì",
    "wǔ",
    "wèi",
    "shēn",
    "yǒu",
    "xū",
    "hài",
)
BRANCH_ANIMALS: Final = (
    "Rat",
    "Ox",
    "Tiger",
    "Rabbit",
    "Dragon",
    "Snake",
    "Horse",
    "Goat",
    "Monkey",
    "Rooster",
    "Dog",
    "Pig",
)
BRANCH_ANIMAL_CHARS: Final = "鼠牛虎兔龙蛇马羊猴鸡狗猪"

ELEMENT_NAMES: Final = ("Wood", "Fire", "Earth", "Metal", "Water")
ELEMENT_CHARS: Final = "木火土金水"

# Element of each stem and branch (0 Wood, 1 Fire, 2 Earth, 3 Metal, 4 Water).
STEM_ELEMENTS: Final = (0, 0, 1, 1, 2, 2, 3, 3, 4, 4)
BRANCH_ELEMENTS: Final = (4, 2, 0, 0, 2, 1, 1, 2, 3, 3, 2, 4)

TERM_NAMES: Final = (
    "小寒",
    "大寒",
    "立春",
    "雨水",
    "惊蛰",
    "春分",
    "清明",
    "谷雨",
    "立夏",
    "小满",
    "芒种",
    "夏至",
    "小暑",
    "大暑",
    "立秋",
    "处暑",
    "白露",
    "秋分",
    "寒露",
    "霜降",
    "立冬",
    "小雪",
    "大雪",
    "冬至",
)
TERM_PINYIN: Final = (
    "xiǎohán",
    "dàhán",
    "lìchūn",
    "yǔshuǐ",
    "jīngzhé",
    "chūnfēn",
    "qīngmíng",
    "gǔyǔ",
    "lìxià",
    "xiǎomǎn",
    "mángzhòng",
    "xiàzhì",
    "xiǎoshǔ",
    "dàshǔ",
    "lìqiū",
    "chǔshǔ",
    "báilù",
    "qiūfēn",
    "hánlù",
    "shuāngjiàng",
    "lìdōng",
    "xiǎoxuě",
    "dàxuě",
    "dōngzhì",
)
TERM_ENGLISH: Final = (
    "Minor Cold",
    "Major Cold",
    "Start of Spring",
    "Rain Water",
    "Awakening of Insects",
    "Spring Equinox",
    "Pure Brightness",
    "Grain Rain",
    "Start of Summer",
    "Grain Buds",
    "Grain in Ear",
    "Summer Solstice",
    "Minor Heat",
    "Major Heat",
    "Start of Autumn",
    "End of Heat",
    "White Dew",
    "Autumn Equinox",
    "Cold Dew",
    "Frost's Descent",
    "Start of Winter",
    "Minor Snow",
    "Major Snow",
    "Winter Solstice",
)

# Even term indexes are the 12 jie (节), which start the BaZi months; odd ones are the
# 12 zhongqi (中气), which drive the lunar calendar.
LICHUN_TERM: Final = 2
WINTER_SOLSTICE_TERM: Final = 23


def term_longitude(term: int) -> int:
    """Return the apparent solar longitude, in degrees, at which ``term`` begins."""
    return (285 + 15 * term) % 360


def is_jie(term: int) -> bool:
    """Tell whether ``term`` is one of the 12 jie that start a BaZi month."""
    return term % 2 == 0


def jie_month_branch(term: int) -> int:
    """Return the branch of the BaZi month that the jie ``term`` starts (小寒 → 丑)."""
    return (term // 2 + 1) % 12


@dataclass(frozen=True, slots=True)
class GanZhi:
    """One pair of the sexagenary cycle, such as 甲子 (index 0) or 癸亥 (index 59)."""

    index: int

    @classmethod
    def from_parts(cls, stem: int, branch: int) -> GanZhi:
        """Build the pair from a stem and a branch index of the same parity.

        Raises ``ValueError`` for pairs that never occur, such as 甲丑.
        """
        if not (0 <= stem < 10 and 0 <= branch < 12):
            raise ValueError(f"stem {stem} or branch {branch} is out of range")
        if stem % 2 != branch % 2:
            raise ValueError(
                f"{STEM_CHARS[stem]}{BRANCH_CHARS[branch]} is not a sexagenary pair: "
                "a stem and a branch must share yin or yang"
            )
        return cls((6 * stem - 5 * branch) % 60)

    @classmethod
    def parse(cls, text: str) -> GanZhi:
        """Parse two characters such as ``"庚午"``; raise ``ValueError`` otherwise."""
        if len(text) != 2 or text[0] not in STEM_CHARS or text[1] not in BRANCH_CHARS:
            raise ValueError(
                f"invalid stem-branch pair {text!r}: expected a stem from "
                f"{STEM_CHARS} followed by a branch from {BRANCH_CHARS}"
            )
        return cls.from_parts(STEM_CHARS.index(text[0]), BRANCH_CHARS.index(text[1]))

    @property
    def stem(self) -> int:
        return self.index % 10

    @property
    def branch(self) -> int:
        return self.index % 12

    @property
    def chars(self) -> str:
        return STEM_CHARS[self.stem] + BRANCH_CHARS[self.branch]

    def shift(self, steps: int) -> GanZhi:
        """Return the pair ``steps`` places later in the cycle (earlier if negative)."""
        return GanZhi((self.index + steps) % 60)

    def __str__(self) -> str:
        return self.chars


def ganzhi_chars(index: int) -> str:
    """Return the two characters of cycle index ``index`` (taken modulo 60)."""
    return STEM_CHARS[index % 10] + BRANCH_CHARS[index % 12]


def month_stem(year_stem: int, month_branch: int) -> int:
    """Return the month stem by 五虎遁: 甲 and 己 years start at 丙寅."""
    first_stem = (year_stem % 5) * 2 + 2
    return (first_stem + (month_branch - 2) % 12) % 10


def hour_stem(day_stem: int, hour_branch: int) -> int:
    """Return the hour stem by 五鼠遁: 甲 and 己 days start at 甲子."""
    return ((day_stem % 5) * 2 + hour_branch) % 10
