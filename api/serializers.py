"""How the API writes QualityHub's rows as JSON, and reads what a client sends.

Rows name each other by code (an indicator, a department, a document), never by database id,
except the rows that have no code (targets, responsibilities, values, reports, gaps, scorecards).
Figures are strings in plain decimal notation ("98.4"), so that no digit is lost to a float.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.marks import DepartmentMark, mark_of, marks_of
from departments.models import Department
from indicators.models import Document, Indicator, Responsibility, Target, Task
from reports.choices import ChangeAction, ChangeVia, TaskStatus, choice_label
from reports.models import (
    GapResult,
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
    Scorecard,
    ScorecardRun,
)
from reports.periods import Period

from .text import UNSTORABLE

# --- Fields -------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "example": "98.4"})
class Figure(serializers.Field):
    """A stored figure as a string in plain notation ("98.4", "1576000"), or null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        return f"{Decimal(value).normalize():f}"


@extend_schema_field({"type": "string", "example": "98.4", "maxLength": 40})
class FigureInput(serializers.Field):
    """A figure as typed: a string ("98.4", "1,576.43", "93.71%") or a JSON number; null or ""
    leaves the figure empty. It is parsed by the indicator's rules in the view."""

    default_error_messages = {"invalid": _('请填写数字（字符串或数值），例如 "93.71"。')}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        text = str(data)
        if len(text) > 40:
            raise serializers.ValidationError(_("数值过长（最多 40 个字符）。"))
        if UNSTORABLE.search(text):
            raise serializers.ValidationError(_("含有无法保存的字符（例如空字符）。"))
        return text

    def to_representation(self, value):
        return value


class Text(serializers.CharField):
    """Text a client sends: no NUL, no lone surrogate (no database column can hold them)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if UNSTORABLE.search(text):
            raise serializers.ValidationError(_("含有无法保存的字符（例如空字符）。"))
        return text


class Code(serializers.CharField):
    """The code of a related row, read from ``source`` (``indicator.code``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class NullableCode(Code):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        try:
            return super().get_attribute(instance)
        except (AttributeError, KeyError):
            return None


# --- The catalogue ------------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True)
    horizon_years = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Document
        fields = [
            "code",
            "kind",
            "title",
            "title_zh",
            "title_en",
            "issuer_zh",
            "issued_on",
            "issued_year",
            "date_note",
            "horizon_years",
            "source_file",
            "note",
        ]


class TargetSerializer(serializers.ModelSerializer):
    indicator = Code(source="indicator.code")
    document = Code(source="document.code")
    value = Figure()

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "document",
            "year",
            "comparator",
            "value",
            "clause",
            "quote",
            "no_quote_reason",
            "note",
        ]


class IndicatorTargetSerializer(TargetSerializer):
    class Meta(TargetSerializer.Meta):
        fields = [f for f in TargetSerializer.Meta.fields if f != "indicator"]


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    min_value = Figure()
    max_value = Figure()
    region_department = NullableCode(source="region_department.code")
    targets = IndicatorTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "unit",
            "value_kind",
            "decimals",
            "min_value",
            "max_value",
            "frequency",
            "category",
            "aggregation",
            "region_department",
            "region_parts",
            "note",
            "targets",
        ]


class MarkFields(serializers.Serializer):
    """Whether a department's resolution to today's department is unconfirmed, and why (the
    ``unconfirmed`` texts along its chain of successors), read from the view's
    ``department_marks`` (one read per request), else from the row."""

    resolution_unconfirmed = serializers.SerializerMethodField()
    unconfirmed_reasons = serializers.SerializerMethodField()

    def _department(self, obj) -> Department:
        return obj

    def _mark(self, obj) -> DepartmentMark:
        department = self._department(obj)
        marks = self.context.get("department_marks")
        if marks is None:
            marks = marks_of([department])
        return mark_of(marks, department)

    def get_resolution_unconfirmed(self, obj) -> bool:
        return self._mark(obj).unconfirmed

    def get_unconfirmed_reasons(self, obj) -> list[str]:
        return list(self._mark(obj).reasons)


class DepartmentSerializer(MarkFields, serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    successor = NullableCode(source="successor.code")
    current_department = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = [
            "code",
            "name",
            "name_zh",
            "short_name_zh",
            "name_en",
            "kind",
            "status",
            "successor",
            "current_department",
            "unconfirmed",
            "resolution_unconfirmed",
            "unconfirmed_reasons",
            "note",
        ]

    def get_current_department(self, department: Department) -> str:
        """Today's department: this one, or the one its successors lead to."""
        current = self.context.get("current_codes", {}).get(department.pk)
        return current or department.current().code


class TaskSerializer(serializers.ModelSerializer):
    document = Code(source="document.code")

    class Meta:
        model = Task
        fields = ["code", "document", "title_zh", "clause", "quote", "no_quote_reason", "note"]


class ResponsibilitySerializer(MarkFields, serializers.ModelSerializer):
    """A responsibility; ``resolution_unconfirmed`` and ``unconfirmed_reasons`` are those of the
    department the document names."""

    indicator = NullableCode(source="indicator.code")
    task = NullableCode(source="task.code")
    department = Code(source="department.code")
    department_kind = serializers.CharField(source="department.kind", read_only=True)
    current_department = serializers.SerializerMethodField()
    document = Code(source="document.code")

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "indicator",
            "task",
            "department",
            "department_kind",
            "current_department",
            "department_as_written",
            "resolution_unconfirmed",
            "unconfirmed_reasons",
            "role",
            "document",
            "clause",
            "quote",
            "no_quote_reason",
            "note",
        ]

    def get_current_department(self, responsibility: Responsibility) -> str:
        current = self.context.get("current_codes", {}).get(responsibility.department_id)
        return current or responsibility.department.current().code

    def _department(self, responsibility: Responsibility) -> Department:
        return responsibility.department


# --- Periods ------------------------------------------------------------------------------------


class ReportingPeriodSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = ReportingPeriod
        fields = ["period", "label", "deadline", "status"]

    def get_label(self, row: ReportingPeriod) -> str:
        return Period.parse(row.period).label


# --- Values and reports -------------------------------------------------------------------------


class WorkflowFields(serializers.ModelSerializer):
    """The review workflow's fields, shared by values and qualitative reports."""

    department = Code(source="department.code")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    submitted_by = NullableCode(source="submitted_by.username")
    reviewed_by = NullableCode(source="reviewed_by.username")
    updated_by = NullableCode(source="updated_by.username")


WORKFLOW_FIELDS = [
    "department",
    "period",
    "state",
    "state_label",
    "version",
    "updated_at",
    "updated_by",
    "submitted_at",
    "submitted_by",
    "reviewed_at",
    "reviewed_by",
    "review_comment",
]


class ReportedValueSerializer(WorkflowFields):
    indicator = Code(source="indicator.code")
    value = Figure()
    document = NullableCode(source="document.code")
    expected_low = Figure(help_text=_("数据质量检查给出的预期范围下限"))
    expected_high = Figure(help_text=_("数据质量检查给出的预期范围上限"))
    detail_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportedValue
        fields = [
            "id",
            "indicator",
            *WORKFLOW_FIELDS,
            "value",
            "note",
            "source",
            "evidence_name",
            "document",
            "clause",
            "quote",
            "created_at",
            "outlier",
            "expected_low",
            "expected_high",
            "followup",
            "detail_url",
        ]
        read_only_fields = fields

    def get_detail_url(self, row: ReportedValue) -> str:
        """The value's page on the site, with its history."""
        return _absolute(self.context, reverse("reports:value_detail", args=[row.pk]))


class QualitativeReportSerializer(WorkflowFields):
    task = NullableCode(source="task.code")
    indicator = NullableCode(source="indicator.code")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    detail_url = serializers.SerializerMethodField()

    class Meta:
        model = QualitativeReport
        fields = [
            "id",
            "task",
            "indicator",
            *WORKFLOW_FIELDS,
            "status",
            "status_label",
            "narrative",
            "detail_url",
        ]
        read_only_fields = fields

    def get_detail_url(self, row: QualitativeReport) -> str:
        return _absolute(self.context, reverse("reports:qualitative_detail", args=[row.pk]))


class ChangeFields(serializers.ModelSerializer):
    changed_by = NullableCode(source="changed_by.username")
    old_state = serializers.CharField(read_only=True, help_text=_("空：新建"))
    new_state = serializers.CharField(read_only=True)
    via_label = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()

    def get_via_label(self, change) -> str:
        return choice_label(ChangeVia, change.via)

    def get_action_label(self, change) -> str:
        return choice_label(ChangeAction, change.action)


CHANGE_FIELDS = ["id", "changed_at", "changed_by", "via", "via_label", "action", "action_label"]


class ReportedValueChangeSerializer(ChangeFields):
    old_value = Figure()
    new_value = Figure()

    class Meta:
        model = ReportedValueChange
        fields = [
            *CHANGE_FIELDS,
            "old_value",
            "new_value",
            "old_note",
            "new_note",
            "old_state",
            "new_state",
            "comment",
        ]
        read_only_fields = fields


class QualitativeReportChangeSerializer(ChangeFields):
    class Meta:
        model = QualitativeReportChange
        fields = [
            *CHANGE_FIELDS,
            "old_status",
            "new_status",
            "old_narrative",
            "new_narrative",
            "old_state",
            "new_state",
            "comment",
        ]
        read_only_fields = fields


# --- What a client sends ------------------------------------------------------------------------


class ValueCreateSerializer(serializers.Serializer):
    indicator = Text(max_length=64, help_text=_("指标代码"))
    period = Text(max_length=20, help_text=_("期间：2026Q3、2026S1 或 2026"))
    value = FigureInput(required=False, default=None)
    note = Text(required=False, allow_blank=True, max_length=2000, default="")
    version = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("读到的版本；0 表示此前没有数值"),
    )


class ValueUpdateSerializer(serializers.Serializer):
    value = FigureInput(required=False)
    note = Text(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, help_text=_("读到的版本（乐观锁）")
    )


class ReportCreateSerializer(serializers.Serializer):
    task = Text(required=False, allow_blank=True, max_length=40, help_text=_("任务代码"))
    indicator = Text(
        required=False, allow_blank=True, max_length=64, help_text=_("定性指标代码（与任务二选一）")
    )
    period = Text(max_length=20, help_text=_("季度，例如 2026Q3"))
    status = serializers.ChoiceField(
        choices=[*TaskStatus.choices, ("", "")], required=False, default=""
    )
    narrative = Text(required=False, allow_blank=True, max_length=4000, default="")
    version = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)


class ReportUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*TaskStatus.choices, ("", "")], required=False)
    narrative = Text(required=False, allow_blank=True, max_length=4000)
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("可选：读到的版本；与当前版本不符时不执行（409）"),
    )


class ApproveSerializer(SubmitSerializer):
    comment = Text(required=False, allow_blank=True, max_length=2000, default="")


class ReturnSerializer(SubmitSerializer):
    comment = Text(max_length=2000, allow_blank=True, help_text=_("退回意见（必填）"))


class ReopenSerializer(SubmitSerializer):
    reason = Text(max_length=2000, allow_blank=True, help_text=_("重新打开的原因（必填）"))


# --- Gaps, scorecards ---------------------------------------------------------------------------


class GapResultSerializer(serializers.ModelSerializer):
    indicator = Code(source="indicator.code")
    department = NullableCode(source="department.code", help_text=_("空：全区数值"))
    target = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    actual = Figure()
    target_value = Figure()
    gap = Figure()
    projection = Figure()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = GapResult
        fields = [
            "id",
            "indicator",
            "department",
            "period",
            "target",
            "actual",
            "target_value",
            "gap",
            "percent_of_target",
            "progress",
            "ratio",
            "required_pace",
            "projection",
            "status",
            "status_label",
            "is_demo",
            "computed_at",
        ]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    department = Code(source="department.code")
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    pdf = serializers.SerializerMethodField()
    xlsx = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "department",
            "period",
            "created_at",
            "run",
            "fingerprint",
            "pdf",
            "xlsx",
            "page_url",
        ]
        read_only_fields = fields

    def get_pdf(self, row: Scorecard) -> str:
        """The PDF, through the API (token or session)."""
        return _absolute(self.context, reverse("api:scorecard-pdf", args=[row.pk]))

    def get_xlsx(self, row: Scorecard) -> str:
        return _absolute(self.context, reverse("api:scorecard-xlsx", args=[row.pk]))

    def get_page_url(self, row: Scorecard) -> str:
        """The snapshot's page on the site (a signed-in browser)."""
        return _absolute(self.context, reverse("reports:scorecard_detail", args=[row.pk]))


class ScorecardRunSerializer(serializers.ModelSerializer):
    department = NullableCode(source="department.code", help_text=_("空：全部部门"))
    created_by = NullableCode(source="created_by.username")
    failures = serializers.ListField(child=serializers.JSONField(), read_only=True)

    class Meta:
        model = ScorecardRun
        fields = ["id", "period", "department", "total", "failures", "created_at", "created_by"]
        read_only_fields = fields


# --- The final assessment -----------------------------------------------------------------------


class NamedDepartmentSerializer(serializers.Serializer):
    department = serializers.SerializerMethodField()
    name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    as_written = serializers.CharField()
    source = serializers.CharField(help_text=_("document、office 或 other"))
    kind = serializers.CharField(
        source="mark.kind", help_text=_("department 或 coordinating_office")
    )
    resolution_unconfirmed = serializers.BooleanField(source="mark.unconfirmed")
    unconfirmed_reasons = serializers.ListField(
        source="mark.reasons", child=serializers.CharField()
    )

    def get_department(self, named) -> str | None:
        return self.context.get("department_codes", {}).get(named.department_id)


class AssessmentRowSerializer(serializers.Serializer):
    document = serializers.CharField(source="target.document.code")
    document_title = serializers.CharField(source="target.document.display_title")
    clause = serializers.CharField(source="target.clause")
    target = serializers.IntegerField(source="target.pk")
    indicator = serializers.CharField(source="target.indicator.code")
    indicator_name = serializers.CharField(source="target.indicator.display_name")
    unit = serializers.CharField(source="target.indicator.unit")
    year = serializers.IntegerField(source="target.year")
    comparator = serializers.CharField(source="target.comparator")
    target_value = Figure(source="target.value")
    last_value = Figure()
    last_period = serializers.CharField()
    met = serializers.BooleanField(allow_null=True)
    gap = Figure()
    percent_of_target = Figure()
    status = serializers.CharField()
    status_label = serializers.CharField()
    narrative = serializers.CharField()
    is_demo = serializers.BooleanField()
    departments = NamedDepartmentSerializer(many=True)


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path
