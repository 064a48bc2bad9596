"""How a department is marked wherever it is shown as responsible.

Two marks: 「待确认」 where the department's resolution to today's department is not confirmed
(the row, or any row along its successors, has ``unconfirmed``: the date or the successor of a
reform could not be found), with the reasons; and 「协调机构」 for a coordinating office (a
leadership group's office, the government's inspection office) rather than a department.

The pages show the marks with ``{% department_mark %}`` (``departments/templatetags``); files
and the API write :meth:`DepartmentMark.text` or the fields themselves. Every department's mark
comes from :func:`department_marks` (or :func:`marks_of`, for rows a reader already holds) in
a fixed number of queries, never one query per department.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import DepartmentKind
from .models import Department
from .selectors import unconfirmed_reasons


@dataclass(frozen=True)
class DepartmentMark:
    """A department's marks: its kind and why its resolution is unconfirmed (if it is)."""

    kind: str = DepartmentKind.DEPARTMENT
    reasons: tuple[str, ...] = ()

    @property
    def unconfirmed(self) -> bool:
        return bool(self.reasons)

    @property
    def coordinating(self) -> bool:
        return self.kind == DepartmentKind.COORDINATING_OFFICE

    @property
    def kind_label(self) -> str:
        return str(DepartmentKind(self.kind).label) if self.coordinating else ""

    @property
    def reasons_text(self) -> str:
        return "；".join(self.reasons)

    def __bool__(self) -> bool:
        return self.unconfirmed or self.coordinating

    def notes(self) -> list[str]:
        """The marks as words, for a file or a printed page, where no tooltip can be read:
        ``协调机构``, ``待确认：<reasons>``."""
        notes = []
        if self.coordinating:
            notes.append(self.kind_label)
        if self.unconfirmed:
            notes.append(_("待确认：%(reasons)s") % {"reasons": self.reasons_text})
        return notes

    def text(self) -> str:
        """The marks in brackets, or nothing: ``（协调机构；待确认：…）``."""
        notes = self.notes()
        return f"（{'；'.join(notes)}）" if notes else ""


NO_MARK = DepartmentMark()


def merge(first: DepartmentMark, second: DepartmentMark) -> DepartmentMark:
    """One mark for two rows shown as one (two historical wordings of today's department)."""
    reasons = first.reasons + tuple(r for r in second.reasons if r not in first.reasons)
    kind = first.kind if first.coordinating else second.kind
    return DepartmentMark(kind=kind, reasons=reasons)


def department_marks() -> dict[int, DepartmentMark]:
    """Every department's pk → its :class:`DepartmentMark`, in two queries."""
    return marks_of(Department.objects.only("pk", "kind"))


def marks_of(departments: Iterable[Department]) -> dict[int, DepartmentMark]:
    """:func:`department_marks` for department rows already read: their kind from the rows, the
    reasons along every chain of successors from one query."""
    reasons = unconfirmed_reasons()
    return {
        d.pk: DepartmentMark(kind=d.kind, reasons=tuple(dict.fromkeys(reasons.get(d.pk, ()))))
        for d in departments
    }


def mark_of(marks: dict[int, DepartmentMark], department) -> DepartmentMark:
    """The mark of a department, given as a row or a pk; no mark for ``None``."""
    pk = getattr(department, "pk", department)
    return marks.get(pk, NO_MARK) if pk is not None else NO_MARK
