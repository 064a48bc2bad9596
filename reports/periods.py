"""Reporting periods as ISO-style ids, as DHIS2 writes them.

``2024`` is a year, ``2024S1`` a half-year, ``2024Q3`` a quarter. The id is what the database
stores; :class:`Period` gives it arithmetic (next, previous, containing year) and dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: The same pattern is enforced by a database check constraint on every period column.
PERIOD_REGEX = r"^[12][0-9]{3}(Q[1-4]|S[12])?$"
_PERIOD_RE = re.compile(r"^(?P<year>[12]\d{3})(?:(?P<kind>[QS])(?P<n>[1-4]))?$")

YEAR, HALF, QUARTER = "Y", "S", "Q"
_PARTS_PER_YEAR = {YEAR: 1, HALF: 2, QUARTER: 4}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str = YEAR
    number: int = 1

    @classmethod
    def parse(cls, period_id: str) -> Period:
        match = _PERIOD_RE.match(period_id.strip()) if isinstance(period_id, str) else None
        if not match:
            raise ValueError(f"not a period id: {period_id!r}")
        kind = match["kind"] or YEAR
        number = int(match["n"] or 1)
        if number > _PARTS_PER_YEAR[kind]:
            raise ValueError(f"not a period id: {period_id!r}")
        return cls(int(match["year"]), kind, number)

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        return cls(day.year, QUARTER, (day.month - 1) // 3 + 1)

    @property
    def id(self) -> str:
        return str(self.year) if self.kind == YEAR else f"{self.year}{self.kind}{self.number}"

    def __str__(self) -> str:
        return self.id

    @property
    def months(self) -> int:
        return 12 // _PARTS_PER_YEAR[self.kind]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, (self.number - 1) * self.months + 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Period:
        if self.number < _PARTS_PER_YEAR[self.kind]:
            return Period(self.year, self.kind, self.number + 1)
        return Period(self.year + 1, self.kind, 1)

    def previous(self) -> Period:
        if self.number > 1:
            return Period(self.year, self.kind, self.number - 1)
        return Period(self.year - 1, self.kind, _PARTS_PER_YEAR[self.kind])

    @property
    def closing_quarter(self) -> Period:
        """The quarter whose form shows a row of this period: the quarter itself, Q2 or Q4 for a
        half-year, Q4 for a year (the quarter whose closing closes the row)."""
        return Period(self.year, QUARTER, self.number * 4 // _PARTS_PER_YEAR[self.kind])

    @property
    def label(self) -> str:
        """The period as the active language writes it: 2024年第三季度, or 2024 Q3 in English."""
        if not (get_language() or "zh-hans").startswith("en"):
            return self.label_zh
        if self.kind == YEAR:
            return str(self.year)
        return f"{self.year} {'H' if self.kind == HALF else 'Q'}{self.number}"

    @property
    def label_zh(self) -> str:
        if self.kind == YEAR:
            return f"{self.year}年"
        if self.kind == HALF:
            return f"{self.year}年{'上' if self.number == 1 else '下'}半年"
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"


def validate_period_id(value: str) -> None:
    try:
        Period.parse(value)
    except ValueError:
        raise ValidationError(
            _("“%(value)s”不是有效的期间，应写作 2024、2024S1 或 2024Q3。"),
            code="invalid_period",
            params={"value": value},
        ) from None
