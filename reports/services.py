"""Writes to reported values. Every path (form, admin, import, catalogue, job) comes through here,
so each change is validated the same way and lands in the value's history."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.models import Document, Indicator

from .choices import ChangeVia, ValueSource, ValueState
from .models import ReportedValue, ReportedValueChange
from .periods import Period


class StaleValueError(Exception):
    """The value changed since the writer read it; ``current`` is the newer row."""

    def __init__(self, current: ReportedValue):
        self.current = current
        super().__init__(
            _("该数值已被他人修改（当前值：%(value)s），请刷新后再保存。")
            % {"value": current.value if current.value is not None else "—"}
        )


def _record_change(
    rv: ReportedValue,
    *,
    old: dict,
    action: str,
    via: str,
    acting_user: AbstractBaseUser | None,
    comment: str = "",
) -> ReportedValueChange:
    return ReportedValueChange.objects.create(
        reported_value=rv,
        changed_by=acting_user,
        via=via,
        action=action,
        old_value=old.get("value"),
        new_value=rv.value,
        old_note=old.get("note", ""),
        new_note=rv.note,
        old_state=old.get("state", ""),
        new_state=rv.state,
        comment=comment,
    )


@transaction.atomic
def reported_value_write(
    *,
    indicator: Indicator,
    department: Department,
    period: str,
    value: Decimal | None,
    note: str = "",
    state: str = ValueState.DRAFT,
    source: str = ValueSource.FORM,
    document: Document | None = None,
    clause: str = "",
    quote: str = "",
    acting_user: AbstractBaseUser | None,
    via: str = ChangeVia.FORM,
    expected_version: int | None = None,
    comment: str = "",
) -> tuple[ReportedValue, bool]:
    """Create or update the value for indicator × department × period.

    Returns the row and whether anything changed. ``expected_version`` is the version the writer
    last read; if the row has moved on since, :class:`StaleValueError` is raised and nothing is
    written. A write that changes nothing records nothing.
    """
    period = Period.parse(period).id
    if value is not None:
        value = Decimal(value)
        if not indicator.in_range(value):
            raise ValueError(
                _("%(value)s 超出指标“%(indicator)s”的有效范围。")
                % {"value": value, "indicator": indicator}
            )
    rv = (
        ReportedValue.objects.select_for_update()
        .filter(indicator=indicator, department=department, period=period)
        .first()
    )
    if rv is None:
        rv = ReportedValue.objects.create(
            indicator=indicator,
            department=department,
            period=period,
            value=value,
            note=note,
            state=state,
            source=source,
            document=document,
            clause=clause,
            quote=quote,
            updated_by=acting_user,
        )
        _record_change(
            rv, old={}, action="create", via=via, acting_user=acting_user, comment=comment
        )
        return rv, True

    if expected_version is not None and rv.version != expected_version:
        raise StaleValueError(rv)
    old = {"value": rv.value, "note": rv.note, "state": rv.state}
    new = {"value": value, "note": note, "state": state}
    citation_old = (rv.source, rv.document_id, rv.clause, rv.quote)
    citation_new = (source, document.pk if document else None, clause, quote)
    if old == new and citation_old == citation_new:
        return rv, False
    rv.value, rv.note, rv.state = value, note, state
    rv.source, rv.document, rv.clause, rv.quote = source, document, clause, quote
    rv.version += 1
    rv.updated_by = acting_user
    rv.save()
    _record_change(rv, old=old, action="update", via=via, acting_user=acting_user, comment=comment)
    return rv, True
