from decimal import Decimal

from django import template

from indicators.selectors import format_decimal
from indicators.units import unit_label as _unit_label
from reports.choices import GapStatus
from reports.periods import Period

register = template.Library()


@register.filter
def num(value) -> str:
    """A decimal as people write it: 96.500000 → 96.5; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


@register.filter
def period_label(period_id) -> str:
    try:
        return Period.parse(str(period_id)).label
    except ValueError:
        return str(period_id)


@register.simple_tag
def formfield(form, name: str, key: str):
    """The bound field ``<name>_<key>`` of a dynamic form, or None if the row is read-only."""
    return form.field(name, key) if form is not None else None


@register.filter
def status_label(status) -> str:
    try:
        return str(GapStatus(status).label)
    except ValueError:
        return str(status)


@register.filter
def unit_label(unit) -> str:
    """A unit string (个, 万件, %) as the interface's language shows it."""
    return _unit_label(str(unit or ""))
