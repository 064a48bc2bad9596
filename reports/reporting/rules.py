"""The rules a figure and a workflow step must meet, each written once (see docs/reporting.md).

Everything here is pure: it takes objects and values, returns a reason in Chinese (or ``None``)
and reads nothing from the database. The services in ``reports.reporting.services`` enforce these
rules on every write, whoever calls them; forms and file checks call the same functions to show
the reason beside the field before anything is written.

A figure must
  - fit the database column (at most 14 digits before the decimal point, 6 after);
  - lie in the indicator's valid range (a rate is 0–100);
  - have no more decimals than the indicator's precision (whole numbers for counts).

A department's figure needs an explanatory note when it (1) moves away from its target compared
with the previous period, or (2) changes by more than ``UNUSUAL_CHANGE`` (20 %) of the previous
figure. Both compare with the department's own figure for the previous period; a first figure
needs no note.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indicators.choices import Comparator
from indicators.models import Indicator, Target
from qualityhub.numbers import decimal_places
from reports.choices import ValueState
from reports.periods import QUARTER, Period

UNUSUAL_CHANGE = Decimal("0.20")
#: ReportedValue.value is numeric(20, 6): 14 digits before the point.
LARGEST_STORABLE = Decimal(10) ** 14


class RuleViolation(Exception):
    """A figure or note that breaks a rule; ``field`` is where the message belongs."""

    def __init__(self, message: str, *, field: str = "value"):
        super().__init__(message)
        self.field = field


def _plain(number: Decimal | int | None) -> str:
    return "—" if number is None else f"{Decimal(str(number)).normalize():f}"


def value_problem(indicator: Indicator, value: Decimal) -> str | None:
    """Why ``value`` cannot be this indicator's figure, or ``None`` if it can."""
    if not value.is_finite() or abs(value) >= LARGEST_STORABLE:
        return _("%(value)s 超出可保存的范围（整数部分最多 14 位）。") % {"value": _plain(value)}
    if not indicator.in_range(value):
        return _(
            "%(value)s 超出指标“%(indicator)s”的有效范围：应在 %(low)s 到 %(high)s 之间"
            "（单位：%(unit)s）。"
        ) % {
            "value": _plain(value),
            "indicator": indicator,
            "low": _plain(indicator.min_value),
            "high": _plain(indicator.max_value),
            "unit": indicator.unit or _("无"),
        }
    if decimal_places(value) > indicator.decimals:
        if indicator.decimals:
            return _("最多保留 %(n)d 位小数。") % {"n": indicator.decimals}
        return _("应填写整数。")
    return None


def check_value(indicator: Indicator, value: Decimal | None) -> None:
    """Raise :class:`RuleViolation` unless ``value`` (None: left empty) may be stored."""
    if value is not None and (problem := value_problem(indicator, value)):
        raise RuleViolation(problem)


def moves_away_from_target(target: Target | None, previous: Decimal, value: Decimal) -> bool:
    if target is None or target.value is None or target.is_met_by(value):
        return False
    goal = target.value
    if target.comparator in (Comparator.GTE, Comparator.GT):
        return value < previous
    if target.comparator in (Comparator.LTE, Comparator.LT):
        return value > previous
    return abs(value - goal) > abs(previous - goal)


def note_required_reason(
    target: Target | None, previous: Decimal | None, value: Decimal | None
) -> str | None:
    """Why this figure needs a note, in Chinese, or ``None`` if it does not."""
    if value is None or previous is None:
        return None
    if moves_away_from_target(target, previous, value):
        return _("数值较上期（%(previous)s）偏离目标，请在说明中写明原因。") % {
            "previous": _plain(previous)
        }
    if previous != 0 and abs(value - previous) / abs(previous) > UNUSUAL_CHANGE:
        return _("数值较上期（%(previous)s）变动超过20%%，请在说明中写明原因。") % {
            "previous": _plain(previous)
        }
    return None


def check_note(
    target: Target | None, previous: Decimal | None, value: Decimal | None, note: str
) -> None:
    reason = note_required_reason(target, previous, value)
    if reason and not note.strip():
        raise RuleViolation(reason, field="note")


# --- Workflow -------------------------------------------------------------------------------

#: action → (states it may start from, state it leads to)
TRANSITIONS = {
    "submit": ((ValueState.DRAFT, ValueState.RETURNED), ValueState.SUBMITTED),
    "approve": ((ValueState.SUBMITTED,), ValueState.APPROVED),
    "return": ((ValueState.SUBMITTED,), ValueState.RETURNED),
    "reopen": ((ValueState.APPROVED,), ValueState.RETURNED),
}
#: Actions that need a comment saying why.
COMMENT_REQUIRED = {
    "return": gettext_noop("退回时请填写退回意见，说明需要如何修改。"),
    "reopen": gettext_noop("重新打开已审核通过的数值时必须填写原因。"),
}


def comment_problem(action: str, comment: str) -> str | None:
    """Why ``comment`` will not do for ``action`` (a return or reopen needs one)."""
    if action in COMMENT_REQUIRED and not comment.strip():
        return _(COMMENT_REQUIRED[action])
    return None


def reporting_period_problem(period: Period) -> str | None:
    """The office opens and closes entry by quarter."""
    if period.kind != QUARTER:
        return _("填报期间按季度设置，例如 2026Q3。")
    return None


# --- Data quality: the expected range -------------------------------------------------------
#
# As DHIS2's outlier detection (median and MAD), on entry: see docs/data-quality.md.

#: The expected range is computed from at most the latest ``BOUNDS_HISTORY`` approved figures of
#: the indicator × department, and only from at least ``BOUNDS_MIN_HISTORY`` of them.
BOUNDS_HISTORY, BOUNDS_MIN_HISTORY = 12, 4
#: median ± OUTLIER_SPREAD × MAD_SCALE × MAD.
OUTLIER_SPREAD = Decimal(3)
#: Scales the MAD to the standard deviation of normally distributed figures.
MAD_SCALE = Decimal("1.4826")
#: Scales the mean absolute deviation likewise (√(π/2)); used where the MAD is 0.
MEAN_AD_SCALE = Decimal("1.2533")


@dataclass(frozen=True)
class ExpectedRange:
    """The range a figure is expected in: set by the office, or computed from the history.

    Either end may be open (``None``) for a range the office set.
    """

    low: Decimal | None
    high: Decimal | None
    set_by_office: bool = False
    figures: int = 0  # how many approved figures it was computed from (0: set by the office)

    def outside(self, value: Decimal | int | None) -> bool:
        return is_outside(value, self.low, self.high)

    def reason(self, value: Decimal | int | None) -> str | None:
        return outside_bounds_reason(value, self.low, self.high, set_by_office=self.set_by_office)

    @property
    def text(self) -> str:
        return range_text(self.low, self.high, approximate=not self.set_by_office)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def expected_bounds(
    history: list[Decimal | int],
    *,
    decimals: int = 6,
    valid_low: Decimal | int | None = None,
    valid_high: Decimal | int | None = None,
) -> tuple[Decimal, Decimal] | None:
    """(low, high) a new figure is expected in, from the department's earlier figures.

    ``history`` is oldest first; the latest ``BOUNDS_HISTORY`` count. With fewer than
    ``BOUNDS_MIN_HISTORY`` there are no bounds (``None``). The bounds are median ± 3 × 1.4826 ×
    MAD; where more than half the figures are equal (MAD 0), the mean absolute deviation × 1.2533
    stands in for it, so one different figure does not make every other value stand out. They
    are rounded outwards to the indicator's ``decimals`` (a figure shown inside the range is
    inside it) and kept within the indicator's valid range.
    """
    figures = [Decimal(str(x)) for x in history if x is not None][-BOUNDS_HISTORY:]
    if len(figures) < BOUNDS_MIN_HISTORY:
        return None
    centre = _median(figures)
    deviations = [abs(x - centre) for x in figures]
    spread = MAD_SCALE * _median(deviations)
    if not spread:
        spread = MEAN_AD_SCALE * sum(deviations) / len(deviations)
    spread *= OUTLIER_SPREAD
    step = Decimal(1).scaleb(-min(max(int(decimals), 0), 6))
    low = (centre - spread).quantize(step, rounding=ROUND_FLOOR)
    high = (centre + spread).quantize(step, rounding=ROUND_CEILING)
    if valid_low is not None and Decimal(str(valid_low)) <= high:
        low = max(low, Decimal(str(valid_low)))
    if valid_high is not None and Decimal(str(valid_high)) >= low:
        high = min(high, Decimal(str(valid_high)))
    return low, high


def is_outside(
    value: Decimal | int | None, low: Decimal | int | None, high: Decimal | int | None
) -> bool:
    """Whether ``value`` lies outside [low, high] (an end that is ``None`` is open)."""
    if value is None:
        return False
    value = Decimal(str(value))
    return (low is not None and value < Decimal(str(low))) or (
        high is not None and value > Decimal(str(high))
    )


def range_text(
    low: Decimal | int | None, high: Decimal | int | None, *, approximate: bool = True
) -> str:
    """The range as the messages show it: 约 30–40, 不低于 30, 不高于 40."""
    if low is not None and high is not None:
        text = f"{_plain(low)}–{_plain(high)}"
        return _("约 %(range)s") % {"range": text} if approximate else text
    if low is not None:
        return _("不低于 %(low)s") % {"low": _plain(low)}
    if high is not None:
        return _("不高于 %(high)s") % {"high": _plain(high)}
    return ""


def outside_bounds_reason(
    value: Decimal | int | None,
    low: Decimal | int | None,
    high: Decimal | int | None,
    *,
    set_by_office: bool = False,
) -> str | None:
    """Why this figure needs a note because it lies outside its expected range, or ``None``."""
    if not is_outside(value, low, high):
        return None
    values = {"value": _plain(value), "range": range_text(low, high, approximate=not set_by_office)}
    if set_by_office:
        return (
            _("数值 %(value)s 超出办公室为该部门设定的预期范围（%(range)s），请在说明中写明原因。")
            % values
        )
    return _("数值 %(value)s 超出该部门历史预期范围（%(range)s），请在说明中写明原因。") % values


def check_expected_range(
    expected: ExpectedRange | None, value: Decimal | int | None, note: str
) -> None:
    """A department's figure outside its expected range is accepted only with a note."""
    if expected is not None and (reason := expected.reason(value)) and not note.strip():
        raise RuleViolation(reason, field="note")


def bounds_problem(low: Decimal | None, high: Decimal | None) -> str | None:
    """Why the office's expected range will not do, or ``None``."""
    if low is None and high is None:
        return _("请至少填写下限或上限中的一个。")
    for end in (low, high):
        if end is not None and (not end.is_finite() or abs(end) >= LARGEST_STORABLE):
            return _("%(value)s 超出可保存的范围（整数部分最多 14 位）。") % {"value": _plain(end)}
        if end is not None and decimal_places(end) > 6:
            return _("最多保留 %(n)d 位小数。") % {"n": 6}
    if low is not None and high is not None and low > high:
        return _("下限不能大于上限。")
    return None
