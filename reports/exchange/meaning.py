"""What a cell means: a reported value or a period, read the way the person who typed it meant it.

The second step of an import (the first finds the table: its sheet, header and layout). Pure
functions: a cell in, a ``Decimal`` / :class:`Missing` / :class:`Period` out, or a problem with
a message in Chinese naming what was typed. Nothing here reads the database.

Cells arrive as python-calamine gives them for xlsx: ``str``, ``int``, ``float``, ``bool``,
``datetime.date`` / ``datetime`` / ``time`` / ``timedelta``, or ``""`` for an empty cell (csv
cells are always ``str``). A formula cell arrives as the value Excel last computed and saved
with it, and is read like any other cell; calamine gives a formula's error value (``#DIV/0!``)
as an empty cell, so it reads as :class:`Missing`. The rules are listed in docs/imports.md,
"What each cell means".

Values (:func:`read_value`):

- a number, or a number stored as text (``" 93.71 "``), with full-width digits (``９３．７１``)
  and thousands separators in groups of three (``1,576.43``);
- a float is the number a person typed, at Excel's 15 significant digits (93.71000000000001 is
  93.71); a formula's unrounded result keeps its digits and is refused if it has more decimals
  than the indicator allows: nothing is rounded silently;
- a percent-formatted cell (0.9371 shown as 93.71%) is 93.71 for a % indicator and refused for
  any other;
- a trailing unit is accepted only when it is exactly the indicator's unit (``183件``,
  ``38.5万件`` for 万件, ``93.71%`` for %). A different unit is refused, naming both, even a scale
  of the same thing (``38.5万件`` for an indicator counted in 件): converting is the person's
  decision, and a misplaced 万 would be a figure ten thousand times too large;
- :data:`MISSING_MARKERS` and an empty cell are "no value": :class:`Missing`, not an error;
- then the figure must meet ``reports.reporting.rules.value_problem`` (range, decimals, column).

Periods (:func:`read_period`): ids and the Chinese wording of quarters, half-years and years;
cumulative wording as the period it ends (``2024年1-9月`` is 2024Q3); dates and months as the
period containing them in the indicator's frequency; a period written without its year takes
``year=`` (from a merged header or the sheet's title).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indicators.models import Indicator
from qualityhub.numbers import decimal_places, float_as_typed, parse_number, split_unit
from reports.periods import HALF, QUARTER, YEAR, Period
from reports.reporting.rules import LARGEST_STORABLE, value_problem

#: A cell as python-calamine gives it (csv cells are str; ``None`` is read as an empty cell).
Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | Decimal | None

# --- Problems and missing values ------------------------------------------------------------


class CellProblem(ValueError):
    """A cell that cannot mean what its column needs; ``message`` is Chinese, for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValueProblem(CellProblem):
    """A value cell that cannot be this indicator's figure."""


class PeriodProblem(CellProblem):
    """A period cell that names no period QualityHub can store."""


@dataclass(frozen=True)
class Missing:
    """A value cell that says "no value": the row is skipped and listed, not an error.

    ``marker`` is the cell's text as typed (stripped; ``""`` for an empty cell) and ``reason``
    says so in Chinese, e.g. “—”表示没有数值.
    """

    marker: str
    reason: str

    @property
    def empty(self) -> bool:
        """The cell was empty (rather than holding a marker such as “—”)."""
        return not self.marker


#: What people write for "no value", compared after folding full-width characters, spaces and
#: case (so ``－`` is ``-``, ``／`` is ``/``, ``Ｎ／Ａ`` is ``n/a``). A run of dashes of any kind
#: (``-``, ``--``, ``—``, ``——``, ``–``, ``―``) is a marker too, see :data:`_DASHES`.
MISSING_MARKERS = frozenset(
    ["/", "无", "暂无", "暂无数据", "无数据", "未统计", "不适用", "空", "n/a", "na", "null"]
)
_DASHES = re.compile(r"^[-‐‑–—―]+$")
#: Excel's error values, as a csv saved from Excel writes them.
_EXCEL_ERRORS = frozenset(
    ["#div/0!", "#n/a", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"]
)


def _fold(text: str) -> str:
    """NFKC (full-width → half-width), the minus sign as a hyphen, no whitespace, lower case."""
    folded = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    return re.sub(r"\s+", "", folded).casefold()


def missing_marker(text: str) -> str | None:
    """The marker ``text`` is (as typed, stripped) if it means "no value", else ``None``.

    The import checks this before refusing a cell that begins with ``-`` as a formula.
    """
    key = _fold(text)
    if key in MISSING_MARKERS or _DASHES.match(key):
        return text.strip()
    return None


# --- Values ---------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _tidy(value: Decimal) -> Decimal:
    """93.7100 → 93.71, 1E+2 → 100: the figure as a person writes it (the value is unchanged)."""
    if value == value.to_integral_value():
        return value.quantize(_ONE)  # a whole number, without exponent or decimals
    return value.normalize()


_ONE = Decimal(1)


def read_value(raw: Cell, *, indicator: Indicator, percent: bool = False) -> Decimal | Missing:
    """The figure a value cell holds for ``indicator``, or :class:`Missing` for "no value".

    ``percent`` says the xlsx showed this numeric cell with a percent number format (it is
    ignored for a text cell, whose ``%`` is read from the text). Raises :class:`ValueProblem`
    with a message naming what was typed.
    """
    if raw.__class__ is float and not percent:
        # The usual numeric cell: the number typed (15 significant digits, as Excel keeps),
        # taken as it is when it fits the indicator; anything else goes the long way below,
        # which says what is wrong.
        typed = format(raw, ".15g")
        if (
            "e" not in typed
            and "n" not in typed
            and -1e14 < raw < 1e14
            and not indicator.is_qualitative
        ):
            point = typed.find(".")
            places = 0 if point < 0 else len(typed) - point - 1
            value = Decimal(typed)
            if places <= indicator.decimals and indicator.in_range(value):
                return value
    if raw.__class__ is str and _PLAIN_NUMBER.match(raw):
        # The usual text cell, a number stored as text ("93.71"): no marker, unit, sign, width
        # or separator to read, so it is the number it spells (as _text_cell would read it).
        if indicator.is_qualitative:
            raise _qualitative(indicator)
        value, shown = Decimal(raw), raw
    else:
        value, shown = _figure(raw, indicator=indicator, percent=percent)
        if isinstance(value, Missing):
            return value
    if problem := value_problem(indicator, value):
        shown = _plain(value) if shown is None else shown
        if isinstance(raw, float) and _too_precise(indicator, value):
            # What the cell shows may be rounded (a formula's 93.7142857142857 shown as 93.71).
            problem = _(
                "单元格中保存的数值是 %(value)s（显示的位数可能少于保存的位数，例如由公式算出），"
                "%(problem)s请用 ROUND 函数取整，或直接填写数值。"
            ) % {"value": shown, "problem": problem}
        elif shown not in problem:
            problem = _("“%(text)s”：%(problem)s") % {"text": shown, "problem": problem}
        raise ValueProblem(problem)
    return _tidy(value)


#: A number stored as text exactly as a person or an export writes it: ASCII digits, at most one
#: point, nothing else (not even a space).
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")


def _qualitative(indicator: Indicator) -> ValueProblem:
    return ValueProblem(
        _("指标“%(indicator)s”是定性指标，不填报数值，请在填报页面填写定性报告。")
        % {"indicator": indicator}
    )


def _figure(
    raw: Cell, *, indicator: Indicator, percent: bool
) -> tuple[Decimal, str | None] | tuple[Missing, None]:
    """A value cell's figure and how it appeared (``None``: as the figure, worked out only
    for a message), or :class:`Missing`; the figure is not checked against the rules yet."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Missing("", _("单元格为空")), None
    if isinstance(raw, str) and (marker := missing_marker(raw)):
        return Missing(marker, _("“%(marker)s”表示没有数值") % {"marker": marker}), None
    if indicator.is_qualitative:
        raise _qualitative(indicator)
    if isinstance(raw, bool):
        raise ValueProblem(
            _("单元格是逻辑值（%(v)s），不是数值。") % {"v": "TRUE" if raw else "FALSE"}
        )
    if isinstance(raw, dt.datetime | dt.date):
        raise ValueProblem(
            _("单元格是日期（%(v)s），不是数值；若本应是数字，请把单元格格式改为“常规”后重新填写。")
            % {"v": raw.isoformat(sep=" ") if isinstance(raw, dt.datetime) else raw.isoformat()}
        )
    if isinstance(raw, dt.time | dt.timedelta):
        raise ValueProblem(
            _("单元格是时间（%(v)s），不是数值；若本应是数字，请把单元格格式改为“常规”后重新填写。")
            % {"v": raw}
        )
    if isinstance(raw, int | float | Decimal):
        return _number_cell(raw, indicator=indicator, percent=percent)
    if isinstance(raw, str):
        return _text_cell(raw, indicator=indicator), raw.strip()
    raise ValueProblem(_("无法识别该单元格的内容，请填写数字，例如 93.71。"))


def _too_precise(indicator: Indicator, value: Decimal) -> bool:
    """The figure's only fault is having more decimals than the indicator keeps."""
    return (
        value.is_finite()
        and abs(value) < LARGEST_STORABLE
        and indicator.in_range(value)
        and decimal_places(value) > indicator.decimals
    )


def _number_cell(raw, *, indicator: Indicator, percent: bool) -> tuple[Decimal, str | None]:
    """A numeric cell's figure and how it appeared (for messages; ``None``: as the figure)."""
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueProblem(_("单元格不是有效的数字，请填写数字，例如 93.71。"))
        value = float_as_typed(raw)
    else:
        value = Decimal(raw)
    if not percent:
        return value, None
    shown = f"{_plain(value * 100)}%"
    if _fold(indicator.unit) != "%":
        raise ValueProblem(
            _(
                "单元格设置了百分比格式（显示为 %(shown)s），而指标“%(indicator)s”的单位是"
                "“%(unit)s”，不是百分比；请把单元格格式改为“常规”或“数值”后填写该指标的数值。"
            )
            % {"shown": shown, "indicator": indicator, "unit": indicator.unit or _("无")}
        )
    return value * 100, shown


def _text_cell(raw: str, *, indicator: Indicator) -> Decimal:
    """A number stored as text, with at most the indicator's own unit after it."""
    typed = raw.strip()
    if _fold(typed) in _EXCEL_ERRORS:
        raise ValueProblem(
            _("“%(text)s”是公式的错误值，请修正公式或直接填写数值。") % {"text": typed}
        )
    number, unit = split_unit(typed.replace("\u2212", "-"))
    if unit and _fold(unit) != _fold(indicator.unit):
        if indicator.unit:
            message = _(
                "“%(text)s”的单位是“%(typed_unit)s”，而指标“%(indicator)s”的单位是“%(unit)s”；"
                "请换算为“%(unit)s”后填写数字。"
            )
        else:
            message = _(
                "“%(text)s”带有单位“%(typed_unit)s”，而指标“%(indicator)s”没有计量单位；"
                "请只填写数字。"
            )
        raise ValueProblem(
            message
            % {"text": typed, "typed_unit": unit, "indicator": indicator, "unit": indicator.unit}
        )
    try:
        # The unit is already taken off; "%" is the only one parse_number knows and checks.
        value = parse_number(number, unit=indicator.unit)
    except ValidationError as exc:
        if exc.code == "grouping":
            raise ValueProblem(
                _("“%(text)s”的千位分隔符位置不对，请写作 1,576.43 或 1576.43。") % {"text": typed}
            ) from None
        raise ValueProblem(
            _("“%(text)s”不是数值，请填写数字，例如 93.71。") % {"text": typed}
        ) from None
    if value is None:  # cannot happen (the number part holds a digit); for the type checker
        raise ValueProblem(_("“%(text)s”不是数值，请填写数字，例如 93.71。") % {"text": typed})
    return value


# --- Periods --------------------------------------------------------------------------------

#: Indicator.frequency → the kind of period a date or month falls in.
_KIND_OF_FREQUENCY = {None: QUARTER, "quarterly": QUARTER, "half_yearly": HALF, "annual": YEAR}
_MONTHS_PER = {QUARTER: 3, HALF: 6, YEAR: 12}
#: The name of a kind of period, and a span of months that ends one, for messages.
_KIND_NAMES = {
    QUARTER: (gettext_noop("季度"), "1-9"),
    HALF: (gettext_noop("半年"), "1-6"),
    YEAR: (gettext_noop("年度"), "1-12"),
}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
YEAR_LOW, YEAR_HIGH = 1000, 2999  # reports.periods.PERIOD_REGEX

_Y = r"(?P<year>\d{4})"
_SEP = r"[-_./]"
_DASH = r"(?:-|~|至|到)"
#: (pattern, what it names), tried in order on the folded text (see :func:`_compact`).
_PERIOD_PATTERNS = [
    # 2024, 2024年, 2024年度, 2024全年, 2024.0 (a year typed in a number cell, saved as csv)
    (re.compile(rf"^{_Y}(?:年度?|年?全年|年年度|\.0+)?$"), "year"),
    (re.compile(r"^(?:本年度|全年|年度|本年)$"), "year"),
    # 2024Q3, 2024-Q3, 2024.Q3, 2024/Q3, 2024年Q3, Q3, Q3 2024, 2024年第3季度
    (re.compile(rf"^(?:{_Y}(?:年度?)?{_SEP}?)?第?q(?P<n>[1-4])(?:季度?)?(?:末|底)?$"), "quarter"),
    (re.compile(rf"^q(?P<n>[1-4]){_SEP}?{_Y}年?$"), "quarter"),
    # 2024年第三季度, 2024年三季度末, 2024年3季度, 三季度
    (re.compile(rf"^(?:{_Y}(?:年度?)?)?第?(?P<n>[一二三四1-4])季度?(?:末|底)?$"), "quarter"),
    # 2024S1, 2024-H1, S1 2024
    (re.compile(rf"^(?:{_Y}(?:年度?)?{_SEP}?)?[sh](?P<n>[12])$"), "half"),
    (re.compile(rf"^[sh](?P<n>[12]){_SEP}?{_Y}年?$"), "half"),
    # 2024年上半年, 2024上半年, 下半年
    (re.compile(rf"^(?:{_Y}(?:年度?)?)?(?P<h>[上下])半年度?(?:末|底)?$"), "half"),
    # 2024年前三季度 (January to the end of the third quarter)
    (re.compile(rf"^(?:{_Y}年?)?前(?P<n>[一二两三四1-4])个?季度?$"), "quarters_to"),
    # 2024年1-9月, 2024年1月至9月, 1-9月, 2024年4-6月
    (re.compile(rf"^(?:{_Y}年?)?(?P<a>\d{{1,2}})月?{_DASH}(?P<b>\d{{1,2}})月份?$"), "months"),
    # 2024-09-30, 2024/9/30, 2024年9月30日; 9月30日 (not 9-30, which could be a span of months)
    (re.compile(rf"^{_Y}年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日?$"), "date"),
    (re.compile(rf"^{_Y}(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})$"), "date"),
    (re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日$"), "date"),
    # 2024年9月, 2024-09, 2024/9, 9月
    (re.compile(rf"^{_Y}(?:年|{_SEP})(?P<m>\d{{1,2}})(?:月份?)?(?:末|底)?$"), "month"),
    (re.compile(r"^(?P<m>\d{1,2})月份?(?:末|底)?$"), "month"),
]
#: "2024-09-30 00:00:00" as a csv writes a date cell: the time of day says nothing of the period.
_TIME_OF_DAY = re.compile(r"[t\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$", re.IGNORECASE)
_BRACKETS = re.compile(r"[()\[\]【】《》〔〕]")
#: 截至2024年9月底, 2024年1-9月累计: cumulative wording around a period.
_AROUND = re.compile(r"^(?:截至|截止至?|截止到)|累计$")
_DASHES_IN_RANGE = re.compile(r"[‐‑–—―~〜]+")


def _compact(text: str, *, around: bool = True) -> str:
    """The text folded for matching: half-width, lower case, no spaces or brackets, and (with
    ``around``) no 截至 before or 累计 after."""
    text = _TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", text))
    text = _BRACKETS.sub("", _fold(text))
    text = _DASHES_IN_RANGE.sub("-", text)
    return _AROUND.sub("", text) if around else text


def read_period(raw: Cell, *, frequency: str | None = None, year: int | None = None) -> Period:
    """The period a period cell names.

    ``frequency`` is the indicator's (``quarterly``, ``half_yearly``, ``annual``; ``None`` reads as
    quarterly): a date or a month is read as the period of that frequency containing it, and a
    span of months (``1-9月``) as the period it ends. ``year`` is used for a period written
    without its year (``三季度``, ``1-9月``); a year in the text wins. Raises
    :class:`PeriodProblem`.
    """
    if frequency not in _KIND_OF_FREQUENCY:
        raise ValueError(f"unknown frequency: {frequency!r}")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise PeriodProblem(_("期间为空，请填写期间，例如 2024Q3 或 2024年第三季度。"))
    if isinstance(raw, bool):
        raise PeriodProblem(_("单元格是逻辑值，不是期间。"))
    if isinstance(raw, dt.date):  # a datetime is a date too
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        return _containing(day.year, day.month, frequency, text=day.isoformat())
    if isinstance(raw, dt.time | dt.timedelta):
        raise PeriodProblem(_("单元格是时间（%(v)s），不是期间。") % {"v": raw})
    if isinstance(raw, int | float | Decimal):
        return _year_cell(raw)
    if not isinstance(raw, str):
        raise PeriodProblem(_("无法识别该单元格的内容，请填写期间，例如 2024Q3。"))
    return _period_text(raw, frequency=frequency, year=year)


def _year_cell(raw) -> Period:
    """A number in a period cell: a year (2024 or 2024.0), and nothing else."""
    number = float_as_typed(raw) if isinstance(raw, float) else Decimal(raw)
    shown = _plain(number) if number.is_finite() else str(raw)
    if (
        not number.is_finite()
        or number != number.to_integral_value()
        or not 1000 <= abs(number) < 10000
    ):
        raise PeriodProblem(
            _("数字 %(v)s 不是期间：数字只能是年份（如 2024），季度请写作 2024Q3。") % {"v": shown}
        )
    return _checked(int(number), YEAR, 1, text=shown)


def _checked(year: int, kind: str, number: int, *, text: str) -> Period:
    if not YEAR_LOW <= year <= YEAR_HIGH:
        raise PeriodProblem(
            _("“%(text)s”中的年份 %(year)d 超出范围（应在 %(low)d 到 %(high)d 之间）。")
            % {"text": text, "year": year, "low": YEAR_LOW, "high": YEAR_HIGH}
        )
    return Period(year, kind, number)


def _containing(year: int, month: int, frequency: str | None, *, text: str) -> Period:
    """The period of ``frequency`` containing ``month`` of ``year``."""
    kind = _KIND_OF_FREQUENCY[frequency]
    return _checked(year, kind, (month - 1) // _MONTHS_PER[kind] + 1, text=text)


def _ending(year: int, first: int, last: int, frequency: str | None, *, text: str) -> Period:
    """The period of ``frequency`` that months ``first``–``last`` end: from January (cumulative)
    or exactly one period; ``last`` must be the period's last month."""
    kind = _KIND_OF_FREQUENCY[frequency]
    size = _MONTHS_PER[kind]
    if not 1 <= first <= last <= 12:
        raise PeriodProblem(_("“%(text)s”中的月份不对。") % {"text": text})
    if last % size or not (first == 1 or first == last - size + 1):
        raise PeriodProblem(
            _(
                "“%(text)s”不对应一个%(kind)s：累计数应从 1 月算到%(kind)s末（如 %(span)s 月），"
                "或正好是一个%(kind)s。"
            )
            % {"text": text, "kind": _(_KIND_NAMES[kind][0]), "span": _KIND_NAMES[kind][1]}
        )
    return _checked(year, kind, last // size, text=text)


def _match_period(text: str) -> tuple[str, re.Match] | None:
    """The first of :data:`_PERIOD_PATTERNS` the folded text matches: (what it names, match)."""
    for pattern, names in _PERIOD_PATTERNS:
        if match := pattern.match(text):
            return names, match
    return None


def _period_text(raw: str, *, frequency: str | None, year: int | None) -> Period:
    typed = raw.strip()
    found = _match_period(_compact(typed))
    if found is None:
        raise PeriodProblem(
            _(
                "“%(text)s”不是有效的期间，请写作 2024Q3、2024年第三季度、2024年上半年、"
                "2024年1-9月 或 2024。"
            )
            % {"text": typed}
        )
    names, match = found
    parts = match.groupdict()
    if parts.get("year") is not None:
        year = int(parts["year"])
    elif year is None:
        raise PeriodProblem(
            _("“%(text)s”没有写明年份，请写成带年份的期间（如 2024年第三季度），或在表头写明年份。")
            % {"text": typed}
        )
    if names == "year":
        return _checked(year, YEAR, 1, text=typed)
    if names == "quarter":
        return _checked(year, QUARTER, _CN_DIGITS.get(parts["n"]) or int(parts["n"]), text=typed)
    if names == "half":
        number = int(parts["n"]) if parts.get("n") else (1 if parts["h"] == "上" else 2)
        return _checked(year, HALF, number, text=typed)
    if names == "quarters_to":
        last = 3 * (_CN_DIGITS.get(parts["n"]) or int(parts["n"]))
        return _ending(year, 1, last, frequency, text=typed)
    if names == "months":
        return _ending(year, int(parts["a"]), int(parts["b"]), frequency, text=typed)
    month = int(parts["m"])
    if names == "date":
        try:
            dt.date(year if YEAR_LOW <= year <= YEAR_HIGH else 2000, month, int(parts["d"]))
        except ValueError:
            raise PeriodProblem(_("“%(text)s”不是有效的日期。") % {"text": typed}) from None
    elif not 1 <= month <= 12:
        raise PeriodProblem(_("“%(text)s”中的月份不对。") % {"text": typed})
    return _containing(year, month, frequency, text=typed)


# --- Periods and years in titles and headers ------------------------------------------------

#: Period wording inside a longer text (a sheet's title): each names its year, and none is a
#: bare date or month, which in a title is usually when the table was filled in.
_TITLE_PATTERNS = [
    re.compile(rf"(?<!\d){_Y}(?:年度?)?第?(?:[一二三四1-4]季度?|q[1-4])(?![0-9])"),
    re.compile(rf"(?<!\d){_Y}{_SEP}?q[1-4](?![0-9])"),
    re.compile(rf"(?<!\d){_Y}(?:年度?)?[上下]半年"),
    re.compile(rf"(?<!\d){_Y}{_SEP}?[sh][12](?![0-9])"),
    re.compile(rf"(?<!\d){_Y}年?前[一二两三四1-4]个?季度?"),
    re.compile(rf"(?<!\d){_Y}年?\d{{1,2}}月?{_DASH}\d{{1,2}}月"),
    re.compile(rf"(?<!\d){_Y}(?:年度|年?全年)"),
    re.compile(rf"(?:截至|截止至?|截止到){_Y}年\d{{1,2}}月(?:\d{{1,2}}日)?(?:末|底)?"),
]


def find_period_in_text(text: Cell, *, frequency: str | None = None) -> Period | None:
    """The one period a title such as “2025年第二季度质量强区指标完成情况表” names, if any.

    Quarters, half-years, cumulative spans (“（2024年1-9月）”), 2024年度 / 2024全年, and
    “截至2024年9月底”. A bare “2024年” is not a period here (see :func:`find_year_in_text`);
    nor is a bare date, usually when the table was filled in. A text naming two different
    periods (a comparison) names none; a year beside a finer period of that year (2024年度第三季度)
    is read as the finer one.
    """
    compact = _compact(str(text or ""), around=False)
    found: set[Period] = set()
    for pattern in _TITLE_PATTERNS:
        for match in pattern.finditer(compact):
            try:
                found.add(read_period(match[0], frequency=frequency))
            except PeriodProblem:
                continue
    finer_years = {p.year for p in found if p.kind != YEAR}
    found = {p for p in found if p.kind != YEAR or p.year not in finer_years}
    return found.pop() if len(found) == 1 else None


_YEAR_IN_TEXT = re.compile(rf"(?<!\d){_Y}(?=年|{_SEP}?[qsh][1-4](?![0-9]))")
_YEAR_ALONE = re.compile(rf"^{_Y}(?:\.0+)?$")
#: A full date in a title (“填报日期：2025年1月8日”) is when the table was filled in, not the
#: year of its figures, unless it is what the figures run to (“截至2024年9月30日”).
_FILLED_ON = re.compile(
    r"(?<!截至)(?<!截止)(?<!止至)(?<!止到)(?<!\d)"
    r"\d{4}(?:年\d{1,2}月\d{1,2}日|(?P<sep>[-/.])\d{1,2}(?P=sep)\d{1,2}(?!\d))"
)


def find_year_in_text(text: Cell) -> int | None:
    """The one year a header (“2024年”, “2024年度”, 2024, 2024.0) or a title names, if any.

    In a longer text only a year followed by 年 (or by Q3, S1) counts, so “GB/T 19001-2016” names
    none; two different years name none; a year outside 1000–2999 is not a year.
    """
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        try:
            period = _year_cell(text)
        except PeriodProblem:
            return None
        return period.year
    compact = _FILLED_ON.sub("", _compact(str(text or ""), around=False))
    if match := _YEAR_ALONE.match(compact):
        years = {int(match["year"])}
    else:
        years = {int(m["year"]) for m in _YEAR_IN_TEXT.finditer(compact)}
    years = {y for y in years if YEAR_LOW <= y <= YEAR_HIGH}
    return years.pop() if len(years) == 1 else None
