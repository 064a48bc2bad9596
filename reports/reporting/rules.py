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

from decimal import Decimal

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
