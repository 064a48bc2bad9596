"""Units as the interface shows them.

An indicator's ``unit`` is data: the document's own counting word (%, 分, 个, 件, 万件, 亿元…),
stored in Chinese and used as written in files and scorecards. In English mode the pages show
the English below. Each entry is the whole unit string; a unit not listed is read as a
magnitude (万 = 10,000, 亿 = 100 million) and a listed counting word, and otherwise shown as
written.

The counting words have no exact English equivalent: 个, 件 and 项 count things (items,
standards, registrations), 家 counts organisations (enterprises, laboratories, centres, zones),
户 counts households or registered businesses (the one household figure, in 万户, has its
own entry). Their English here is the neutral word a reader
needs to take the figure in, with the magnitude spelled out, since a figure in 万 read without
it is off by four orders of magnitude.
"""

from qualityhub.language import in_english

#: Counting words and units, Chinese → English.
UNITS_EN = {
    "%": "%",
    "百分点": "percentage points",
    "％": "%",
    "‰": "‰",
    "分": "points",
    "个": "units",
    "件": "items",
    "项": "items",
    "家": "organisations",
    "户": "entities",
    "人": "persons",
    "人次": "person-times",
    "元": "yuan",
    "吨": "t",
    "千瓦": "kW",
    "千瓦时": "kWh",
    "公里": "km",
    "平方公里": "km²",
    "亩": "mu",
    "年": "years",
    "天": "days",
    "次": "times",
    "倍": "times",
    # Whole strings whose English is better than the composed one.
    "万户": "10,000 households",
}

#: Magnitude prefixes, Chinese → English, longest first.
MAGNITUDES_EN = (("亿", "100 million"), ("万", "10,000"))


def unit_en(unit: str) -> str:
    """The English of a unit string: a listed unit, a magnitude and a listed unit, or ``unit``."""
    unit = (unit or "").strip()
    if unit in UNITS_EN:
        return UNITS_EN[unit]
    for prefix, english in MAGNITUDES_EN:
        rest = unit.removeprefix(prefix)
        if rest != unit and rest in UNITS_EN:
            return f"{english} {UNITS_EN[rest]}"
    return unit


def unit_label(unit: str) -> str:
    """``unit`` as the active interface language shows it (Chinese: as stored)."""
    return unit_en(unit) if in_english() else (unit or "")
