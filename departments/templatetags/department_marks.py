"""``{% department_mark department %}``: the marks of a department shown as responsible
(「协调机构」, 「待确认」 with the reasons as its title), from :mod:`departments.marks`."""

from django import template

from departments.choices import DepartmentKind
from departments.marks import DepartmentMark, department_marks, mark_of

register = template.Library()

_CACHE_KEY = "department_marks"


def _marks(context) -> dict:
    """Every department's mark, read once per rendered template, however many are marked."""
    cache = context.render_context
    if _CACHE_KEY not in cache:
        cache[_CACHE_KEY] = department_marks()
    return cache[_CACHE_KEY]


@register.inclusion_tag("departments/_mark.html", takes_context=True)
def department_mark(context, department, kind=True) -> dict:
    """The marks of ``department``: a department row, its pk, or a :class:`DepartmentMark`
    a reader has already worked out (the assessment's departments, for one). ``kind=False``
    leaves out 「协调机构」 where the page already says it (the rows of an office's own form)."""
    if isinstance(department, DepartmentMark):
        mark = department
    elif department is None or department == "":
        mark = None
    else:
        mark = mark_of(_marks(context), department)
    return {"mark": mark, "show_kind": kind}


@register.filter
def kind_suffix(department) -> str:
    """``（协调机构）`` after a coordinating office's name where no badge fits (a select's
    options); nothing for a department. Reads the row's own field, no query."""
    kind = getattr(department, "kind", DepartmentKind.DEPARTMENT)
    return DepartmentMark(kind=kind).text()
