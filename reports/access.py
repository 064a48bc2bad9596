"""The one gate for reads: every object a view touches comes through here.

Each helper answers with the object, or raises :class:`~django.http.Http404`: an object outside
the user's role is answered exactly like one that does not exist, so nobody learns what another
department has. A page that only the office may open answers 404 to everyone else, for the same
reason. What a user's role is comes from ``departments.access``, never from the request.

Services check the acting user's role again (``require_*`` below), as a second line.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from departments.access import department_of, is_department_user, is_office
from departments.models import Department
from indicators.models import Indicator
from reports.models import ImportJob, QualitativeReport, ReportedValue, Scorecard, ScorecardRun


def _pk(value) -> int:
    """A primary key from a URL or a form; anything that is not one is "not found"."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def office_required(view):
    """A page of the leadership-group office (and administrators); 404 for anyone else."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_office(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """A page for department users and the office: the two roles QualityHub knows."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (is_office(request.user) or is_department_user(request.user)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def value_for_user(user, pk) -> ReportedValue:
    return _get(
        ReportedValue.objects.visible_to(user).select_related(
            "indicator", "department", "document"
        ),
        pk,
    )


def report_for_user(user, pk) -> QualitativeReport:
    return _get(
        QualitativeReport.objects.visible_to(user).select_related(
            "task", "indicator", "department"
        ),
        pk,
    )


def scorecard_for_user(user, pk) -> Scorecard:
    return _get(Scorecard.objects.visible_to(user).select_related("department", "run"), pk)


def run_for_user(user, pk) -> ScorecardRun:
    return _get(ScorecardRun.objects.visible_to(user), pk)


def job_for_user(user, pk) -> ImportJob:
    return _get(ImportJob.objects.visible_to(user), pk)


def _get(queryset, pk):
    obj = queryset.filter(pk=_pk(pk)).first()
    if obj is None:
        raise Http404
    return obj


def department_for_user(user, code: str) -> Department:
    """A current department's page: the office sees any, a department user only its own."""
    if is_office(user):
        department = Department.objects.current().filter(code=code).first()
    elif is_department_user(user) and department_of(user).code == code:
        department = department_of(user)
    else:
        department = None
    if department is None:
        raise Http404
    return department


def form_department_for(user, code: str) -> tuple[Department, bool]:
    """Whose quarterly form the user opens, and whether read-only.

    A department user always gets their own department's form, whatever the URL says; the office
    reads any current department's form.
    """
    if is_department_user(user):
        return department_of(user), False
    if is_office(user):
        department = Department.objects.current().filter(code=code).first()
        if department is None:
            raise Http404
        return department, True
    raise Http404


def indicator_for_user(user, code: str) -> Indicator:
    """An indicator's page: the catalogue is open to the office and to every department."""
    indicator_scope(user)  # anyone else: 404
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise Http404
    return indicator


def indicator_scope(user) -> list[Department] | None:
    """Whose figures the user may see on an indicator's pages: None for every department."""
    if is_office(user):
        return None
    if is_department_user(user):
        return [department_of(user)]
    raise Http404


def scorecard_scope(user) -> Department | None:
    """The department a user may render scorecards for: None means every one (the office)."""
    if is_office(user):
        return None
    if is_department_user(user):
        return department_of(user)
    raise Http404


# --- The second line: services check the acting user's role themselves -----------------------


def require_department_member(user, department: Department) -> None:
    """Only a reporter or reviewer of ``department`` enters its figures."""
    if user is None or department_of(user) != department:
        raise PermissionDenied("only the department's own users enter its figures")


def require_office(user) -> None:
    """Review, periods, imports and office corrections: the office and administrators.

    ``None`` is the system itself (a command, the catalogue load, a job), which may.
    """
    if user is not None and not is_office(user):
        raise PermissionDenied("only the leadership-group office may do this")
