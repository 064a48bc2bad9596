"""When a figure needs an explanatory note (see docs/reporting.md).

A reporter must explain a figure that (1) moves away from its target compared with the
previous period, or (2) changes by more than ``UNUSUAL_CHANGE`` (20 %) of the previous figure,
which is outside the indicator's usual range of movement. Both compare with the department's own
figure for the previous period; a first figure needs no note.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from indicators.choices import Comparator
from indicators.models import Target

UNUSUAL_CHANGE = Decimal("0.20")


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
            "previous": f"{previous.normalize():f}"
        }
    if previous != 0 and abs(value - previous) / abs(previous) > UNUSUAL_CHANGE:
        return _("数值较上期（%(previous)s）变动超过20%%，请在说明中写明原因。") % {
            "previous": f"{previous.normalize():f}"
        }
    return None
