"""The API's resources under ``/api/v1/``: reads through the one read gate, writes through the
write services.

Every row comes from a ``.visible_to(user)`` queryset or a ``reports.access`` helper, so a
department user sees only their department's values, reports, gaps and scorecards (another
department's answer 404, as on the site), while the catalogue (documents, indicators, targets,
tasks, departments, responsibilities) and the reporting periods are open to every role, as the
site's indicator pages are. A department's own figures and reports are written through
``reports.reporting.services`` with ``via=ChangeVia.API``; the department, state and reviewer
never come from the request.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from departments.access import department_of, is_office
from departments.marks import department_marks
from departments.models import Department
from departments.selectors import current_department_ids
from indicators.models import Document, Indicator, Responsibility, Target, Task
from qualityhub.numbers import parse_number
from reports.access import (
    department_for_user,
    report_for_user,
    run_for_user,
    scorecard_for_user,
    scorecard_scope,
    value_for_user,
)
from reports.assessment.selectors import default_year, final_assessment, target_years
from reports.choices import ChangeVia
from reports.models import (
    GapResult,
    QualitativeReport,
    ReportedValue,
    ReportingPeriod,
    Scorecard,
    ScorecardRun,
)
from reports.periods import Period
from reports.reporting import rules
from reports.reporting.selectors import reporting_problem
from reports.reporting.services import (
    qualitative_report_save_draft,
    reported_value_save_draft,
    row_approve,
    row_reopen,
    row_return,
    row_submit,
)
from reports.scorecards.views import scorecard_file

from . import filters, serializers
from .base import ApiViewMixin
from .errors import Invalid, service_errors
from .pagination import GenerationCachedList, GenerationCountedPagination

FORBIDDEN_ENTRY = gettext_lazy("只有本部门的填报员或审核员可以填报、修改或提交本部门的数据。")
FORBIDDEN_REVIEW = gettext_lazy("只有领导小组办公室可以审核、退回或重新打开。")


class ReadOnly(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A paged, filtered list and a detail page."""


# --- The catalogue ------------------------------------------------------------------------------


class CurrentCodesMixin:
    """Today's department of every department and every department's marks (kind, unconfirmed
    resolution), read once per request (not once per row)."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        codes = dict(Department.objects.values_list("pk", "code"))
        context["current_codes"] = {
            pk: codes[today] for pk, today in current_department_ids().items()
        }
        context["department_marks"] = department_marks()
        return context


@extend_schema(tags=["catalogue"])
class DocumentViewSet(ReadOnly):
    """Source documents: plans that set targets, articles that report figures."""

    queryset = Document.objects.defer("source_text").order_by("issued_year", "code")
    serializer_class = serializers.DocumentSerializer
    filterset_class = filters.DocumentFilter
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"


@extend_schema(tags=["catalogue"])
class IndicatorViewSet(ReadOnly):
    """Indicators with their targets."""

    # A document's full text is for checking quotes; the API never reads it.
    queryset = (
        Indicator.objects.select_related("region_department")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=Target.objects.select_related("document")
                .defer("document__source_text")
                .order_by("year", "document__code", "pk"),
            )
        )
        .order_by("code")
    )
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


@extend_schema(tags=["catalogue"])
class TargetViewSet(ReadOnly):
    queryset = (
        Target.objects.select_related("indicator", "document")
        .defer("document__source_text")
        .order_by("indicator__code", "year", "document__code", "pk")
    )
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    lookup_value_regex = r"[0-9]+"


@extend_schema(tags=["catalogue"])
class DepartmentViewSet(CurrentCodesMixin, ReadOnly):
    """Departments, with the successor of a merged or renamed one and today's department."""

    queryset = Department.objects.select_related("successor").order_by("code")
    serializer_class = serializers.DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


@extend_schema(tags=["catalogue"])
class TaskViewSet(ReadOnly):
    """Qualitative tasks of the plans."""

    queryset = (
        Task.objects.select_related("document")
        .defer("document__source_text")
        .order_by("document__code", "code")
    )
    serializer_class = serializers.TaskSerializer
    filterset_class = filters.TaskFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


@extend_schema(tags=["catalogue"])
class ResponsibilityViewSet(CurrentCodesMixin, ReadOnly):
    """Who answers for an indicator or task, as each document assigns it."""

    queryset = (
        Responsibility.objects.select_related("indicator", "task", "department", "document")
        .defer("document__source_text")
        .order_by("document__code", "clause", "pk")
    )
    serializer_class = serializers.ResponsibilitySerializer
    filterset_class = filters.ResponsibilityFilter
    lookup_value_regex = r"[0-9]+"


@extend_schema(tags=["periods"])
class ReportingPeriodViewSet(ReadOnly):
    """The quarters the office opened or closed for entry, with their deadlines."""

    queryset = ReportingPeriod.objects.order_by("-period")
    serializer_class = serializers.ReportingPeriodSerializer
    filterset_class = filters.ReportingPeriodFilter
    lookup_field = "period"
    lookup_value_regex = r"[0-9A-Za-z]+"


# --- Values and qualitative reports -------------------------------------------------------------


def _own_department(user) -> Department:
    """The department a department user writes for; anyone else may not enter figures."""
    department = department_of(user)
    if department is None:
        raise _forbidden(FORBIDDEN_ENTRY)
    return department


def _forbidden(message: str) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(message)


def _period(text: str, *, field: str = "period") -> Period:
    try:
        return Period.parse(text.strip().upper())
    except ValueError:
        raise Invalid(
            _("“%(value)s”不是有效的期间，应写作 2024、2024S1 或 2024Q3。") % {"value": text[:20]},
            field=field,
        ) from None


def _figure(indicator: Indicator, raw: str | None):
    if raw is None:
        return None
    try:
        return parse_number(raw, unit=indicator.unit)
    except DjangoValidationError as exc:
        raise Invalid(exc.messages[0], field="value", code="rule_violation") from None


def _paged(view, queryset, serializer_class):
    page = view.paginate_queryset(queryset)
    data = serializer_class(page, many=True, context=view.get_serializer_context()).data
    return view.get_paginated_response(data)


class WorkflowViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Values and reports: submit (the department), approve / return / reopen (the office)."""

    lookup_value_regex = r"[0-9]+"
    change_serializer = None

    def _current(self, row):
        return self.get_serializer(row).data

    def _errors(self, forbidden: str):
        return service_errors(forbidden=forbidden, current=self._current)

    def _respond(self, row, created: bool = False):
        return Response(
            self.get_serializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=serializers.SubmitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the row for review (the department's own users)."""
        row = self.get_object()
        data = self._valid(serializers.SubmitSerializer)
        with self._errors(FORBIDDEN_ENTRY):
            # The version is compared under the row's lock, so that a write between the read
            # above and the submission is not submitted unseen.
            row = row_submit(
                row,
                acting_user=request.user,
                via=ChangeVia.API,
                expected_version=data.get("version"),
            )
        return self._respond(row)

    @extend_schema(request=serializers.ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted row (the office)."""
        row = self.get_object()
        data = self._valid(serializers.ApproveSerializer)
        with self._errors(FORBIDDEN_REVIEW):
            row = row_approve(
                row,
                acting_user=request.user,
                comment=data["comment"],
                via=ChangeVia.API,
                expected_version=data.get("version"),
            )
        return self._respond(row)

    @extend_schema(request=serializers.ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted row for correction, saying what to correct (the office)."""
        row = self.get_object()
        data = self._valid(serializers.ReturnSerializer)
        self._comment("return", data["comment"], "comment")
        with self._errors(FORBIDDEN_REVIEW):
            row = row_return(
                row,
                acting_user=request.user,
                comment=data["comment"],
                via=ChangeVia.API,
                expected_version=data.get("version"),
            )
        return self._respond(row)

    @extend_schema(request=serializers.ReopenSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Unlock an approved row for correction, stating why (the office)."""
        row = self.get_object()
        data = self._valid(serializers.ReopenSerializer)
        self._comment("reopen", data["reason"], "reason")
        with self._errors(FORBIDDEN_REVIEW):
            row = row_reopen(
                row,
                acting_user=request.user,
                reason=data["reason"],
                via=ChangeVia.API,
                expected_version=data.get("version"),
            )
        return self._respond(row)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _comment(self, step: str, text: str, field: str) -> None:
        # The role is checked first, so that a department user learns they may not review,
        # rather than that the comment is missing.
        if not is_office(self.request.user):
            raise _forbidden(FORBIDDEN_REVIEW)
        if problem := rules.comment_problem(step, text):
            raise Invalid(problem, field=field)


@extend_schema(tags=["values"])
class ReportedValueViewSet(GenerationCachedList, WorkflowViewSet):
    """Reported values: a department's figures and their review."""

    pagination_class = GenerationCountedPagination

    queryset = ReportedValue.objects.none()
    serializer_class = serializers.ReportedValueSerializer
    filterset_class = filters.ReportedValueFilter

    def get_queryset(self):
        return (
            ReportedValue.objects.visible_to(self.request.user)
            .select_related(
                "indicator", "department", "document", "submitted_by", "reviewed_by", "updated_by"
            )
            .defer("document__source_text")
            .order_by("pk")
        )

    def get_object(self):
        return value_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request=serializers.ValueCreateSerializer,
        responses={
            200: serializers.ReportedValueSerializer,
            201: serializers.ReportedValueSerializer,
        },
    )
    def create(self, request):
        """Save the department's own figure as a draft (create it, or update it by ``version``).

        The department is the user's own. ``version`` is the version read (0: there was no
        figure yet); if the figure has changed since, nothing is saved and the answer is 409
        with the figure as it is now.
        """
        department = _own_department(request.user)
        data = self._valid(serializers.ValueCreateSerializer)
        indicator = Indicator.objects.filter(code=data["indicator"].strip()).first()
        if indicator is None:
            raise Invalid(
                _("没有代码为“%(code)s”的指标。") % {"code": data["indicator"][:64]},
                field="indicator",
            )
        period = _period(data["period"])
        if problem := reporting_problem(department, period, indicator=indicator):
            raise Invalid(problem, field="indicator")
        value = _figure(indicator, data["value"])
        with self._errors(FORBIDDEN_ENTRY):
            row, changed = reported_value_save_draft(
                indicator=indicator,
                department=department,
                period=period.id,
                value=value,
                note=data["note"].strip(),
                acting_user=request.user,
                expected_version=data["version"],
                quarter=period.closing_quarter,
                via=ChangeVia.API,
            )
        if row is None:
            raise Invalid(_("没有要保存的内容：请填写数值或说明。"), field="value")
        return self._respond(row, created=changed and row.version == 1)

    @extend_schema(request=serializers.ValueUpdateSerializer)
    def partial_update(self, request, pk=None):
        """Change the department's own draft (or returned) figure; ``version`` is required."""
        row = self.get_object()
        data = self._valid(serializers.ValueUpdateSerializer)
        value = _figure(row.indicator, data["value"]) if "value" in data else row.value
        note = data["note"].strip() if "note" in data else row.note
        period = Period.parse(row.period)
        with self._errors(FORBIDDEN_ENTRY):
            row, _changed = reported_value_save_draft(
                indicator=row.indicator,
                department=row.department,
                period=row.period,
                value=value,
                note=note,
                acting_user=request.user,
                expected_version=data["version"],
                quarter=period.closing_quarter,
                via=ChangeVia.API,
            )
        return self._respond(row)

    @extend_schema(responses=serializers.ReportedValueChangeSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def history(self, request, pk=None):
        """Every recorded change of the value: who, when, by which path (``via``), old and new."""
        row = self.get_object()
        changes = row.changes.select_related("changed_by").order_by("changed_at", "id")
        return _paged(self, changes, serializers.ReportedValueChangeSerializer)


@extend_schema(tags=["qualitative reports"])
class QualitativeReportViewSet(WorkflowViewSet):
    """A department's status and narrative for a task or qualitative indicator, and its review."""

    pagination_class = GenerationCountedPagination

    queryset = QualitativeReport.objects.none()
    serializer_class = serializers.QualitativeReportSerializer
    filterset_class = filters.QualitativeReportFilter

    def get_queryset(self):
        return (
            QualitativeReport.objects.visible_to(self.request.user)
            .select_related(
                "task", "indicator", "department", "submitted_by", "reviewed_by", "updated_by"
            )
            .order_by("pk")
        )

    def get_object(self):
        return report_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request=serializers.ReportCreateSerializer,
        responses={
            200: serializers.QualitativeReportSerializer,
            201: serializers.QualitativeReportSerializer,
        },
    )
    def create(self, request):
        """Save the department's own report for a task (or qualitative indicator) as a draft."""
        department = _own_department(request.user)
        data = self._valid(serializers.ReportCreateSerializer)
        task_code, indicator_code = data.get("task", "").strip(), data.get("indicator", "").strip()
        if bool(task_code) == bool(indicator_code):
            raise Invalid(_("请填写任务代码或定性指标代码（二选一）。"), field="task")
        task = indicator = None
        if task_code:
            task = Task.objects.filter(code=task_code).first()
            if task is None:
                raise Invalid(
                    _("没有代码为“%(code)s”的任务。") % {"code": task_code[:40]}, field="task"
                )
        else:
            indicator = Indicator.objects.filter(code=indicator_code).first()
            if indicator is None or not indicator.is_qualitative:
                raise Invalid(
                    _("没有代码为“%(code)s”的定性指标。") % {"code": indicator_code[:64]},
                    field="indicator",
                )
        period = _period(data["period"])
        if problem := reporting_problem(department, period, indicator=indicator, task=task):
            raise Invalid(problem, field="task" if task else "indicator")
        with self._errors(FORBIDDEN_ENTRY):
            row, changed = qualitative_report_save_draft(
                task=task,
                indicator=indicator,
                department=department,
                period=period.id,
                status=data["status"],
                narrative=data["narrative"].strip(),
                acting_user=request.user,
                expected_version=data["version"],
                via=ChangeVia.API,
            )
        if row is None:
            raise Invalid(_("没有要保存的内容：请选择进展或填写进展情况。"), field="status")
        return self._respond(row, created=changed and row.version == 1)

    @extend_schema(request=serializers.ReportUpdateSerializer)
    def partial_update(self, request, pk=None):
        """Change the department's own draft (or returned) report; ``version`` is required."""
        row = self.get_object()
        data = self._valid(serializers.ReportUpdateSerializer)
        with self._errors(FORBIDDEN_ENTRY):
            row, _changed = qualitative_report_save_draft(
                task=row.task,
                indicator=row.indicator,
                department=row.department,
                period=row.period,
                status=data.get("status", row.status),
                narrative=data["narrative"].strip() if "narrative" in data else row.narrative,
                acting_user=request.user,
                expected_version=data["version"],
                via=ChangeVia.API,
            )
        return self._respond(row)

    @extend_schema(responses=serializers.QualitativeReportChangeSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def history(self, request, pk=None):
        """Every recorded change of the report."""
        row = self.get_object()
        changes = row.changes.select_related("changed_by").order_by("changed_at", "id")
        return _paged(self, changes, serializers.QualitativeReportChangeSerializer)


# --- Gaps and scorecards ------------------------------------------------------------------------


@extend_schema(tags=["gaps"])
class GapResultViewSet(ReadOnly):
    """What the gap engine computed; a department user sees their own series only."""

    pagination_class = GenerationCountedPagination

    queryset = GapResult.objects.none()
    serializer_class = serializers.GapResultSerializer
    filterset_class = filters.GapResultFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            GapResult.objects.visible_to(self.request.user)
            .select_related("indicator", "department")
            .order_by("indicator__code", "period", "pk")
        )


FILE_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@extend_schema(tags=["scorecards"])
class ScorecardViewSet(ReadOnly):
    """Scorecard snapshots the user may see (the office: all; a department: its own)."""

    queryset = Scorecard.objects.none()
    serializer_class = serializers.ScorecardSerializer
    filterset_class = filters.ScorecardFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            Scorecard.objects.visible_to(self.request.user)
            .select_related("department")
            .defer("data", "html")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        return scorecard_for_user(self.request.user, self.kwargs["pk"])

    def _file(self, request, pk, kind):
        scorecard_for_user(request.user, pk)  # 404 outside the user's role, before the view
        # The site's own download view, with the same access check, for the API's user.
        return scorecard_file(request._request, pk=pk, kind=kind)

    @extend_schema(responses={(200, FILE_TYPES["pdf"]): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None)
    def pdf(self, request, pk=None):
        """The snapshot's PDF."""
        return self._file(request, pk, "pdf")

    @extend_schema(responses={(200, FILE_TYPES["xlsx"]): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None)
    def xlsx(self, request, pk=None):
        """The snapshot's workbook."""
        return self._file(request, pk, "xlsx")


@extend_schema(tags=["scorecards"])
class ScorecardRunViewSet(ReadOnly):
    """Scorecard renderings: the office follows all, anyone else the ones they started."""

    queryset = ScorecardRun.objects.none()
    serializer_class = serializers.ScorecardRunSerializer
    filterset_class = filters.ScorecardRunFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            ScorecardRun.objects.visible_to(self.request.user)
            .select_related("department", "created_by")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        return run_for_user(self.request.user, self.kwargs["pk"])


# --- The final assessment -----------------------------------------------------------------------


@extend_schema(
    tags=["assessment"],
    parameters=[
        OpenApiParameter(
            "year",
            OpenApiTypes.INT,
            description=gettext_lazy("目标年份；默认为最近一个已结束的目标年份"),
        ),
        OpenApiParameter(
            "department",
            OpenApiTypes.STR,
            description=gettext_lazy("部门代码；部门用户只能查看本部门"),
        ),
    ],
    responses=serializers.AssessmentRowSerializer(many=True),
)
class AssessmentView(ApiViewMixin, APIView):
    """The final assessment of a target year: every target, met or not, by how much, and who
    answers for it (region-wide, or one department's own)."""

    def get(self, request):
        department = self._department(request)
        years = target_years()
        year = self._year(request, years)
        rows = final_assessment(year, department=department).rows if year is not None else []
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        context = {
            "request": request,
            "department_codes": dict(Department.objects.values_list("pk", "code")),
        }
        data = serializers.AssessmentRowSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)

    @property
    def pagination_class(self):
        return api_settings.DEFAULT_PAGINATION_CLASS

    @staticmethod
    def _department(request) -> Department | None:
        code = (request.query_params.get("department") or "").strip()
        own = scorecard_scope(request.user)
        if own is not None:
            return department_for_user(request.user, code) if code else own
        return department_for_user(request.user, code) if code else None

    @staticmethod
    def _year(request, years: list[int]) -> int | None:
        text = (request.query_params.get("year") or "").strip()
        if not text:
            return default_year(years)
        year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None
        if year not in years:
            raise Invalid(
                _("“%(text)s”年没有目标。有目标的年份：%(years)s")
                % {"text": text[:20], "years": "、".join(map(str, years)) or "—"},
                field="year",
            )
        return year
