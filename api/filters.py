"""The filters of the API's lists (django-filter): codes, periods, states, years.

A filter value that cannot be one (a period like 2026Q5, a state that does not exist, a year of
thirty digits) is a 400 with the field's message, never an empty list that hides the mistake.
Codes that match nothing give an empty list, as a search would.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.choices import DepartmentStatus
from departments.models import Department
from departments.selectors import current_department_ids
from indicators.choices import (
    Category,
    DocumentKind,
    Frequency,
    ResponsibilityRole,
    ValueKind,
)
from indicators.models import Document, Indicator, Responsibility, Target, Task
from reports.choices import GapStatus, PeriodStatus, ValueSource, ValueState
from reports.models import (
    GapResult,
    QualitativeReport,
    ReportedValue,
    ReportingPeriod,
    Scorecard,
    ScorecardRun,
)
from reports.periods import Period


class PeriodFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return text
        try:
            return Period.parse(text.strip().upper()).id
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s”不是有效的期间，应写作 2024、2024S1 或 2024Q3。"),
                params={"value": text[:20]},
            ) from None


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodFormField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2200)
        super().__init__(*args, **kwargs)


def _code(field_name: str, help_text) -> django_filters.CharFilter:
    return django_filters.CharFilter(field_name=field_name, max_length=200, help_text=help_text)


def _choice(field_name: str, choices) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(field_name=field_name, choices=choices)


def _held_by(department_code: str) -> Q:
    """Responsibilities held today by the department ``department_code`` (under any name)."""
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        return Q(pk__in=[])
    names = [pk for pk, today in current_department_ids().items() if today == department.pk]
    return Q(department_id__in=names or [department.pk])


class DocumentFilter(django_filters.FilterSet):
    kind = _choice("kind", DocumentKind.choices)
    year = YearFilter(field_name="issued_year", help_text=_("发布年份"))

    class Meta:
        model = Document
        fields = []


class IndicatorFilter(django_filters.FilterSet):
    category = _choice("category", Category.choices)
    frequency = _choice("frequency", Frequency.choices)
    value_kind = _choice("value_kind", ValueKind.choices)
    document = django_filters.CharFilter(
        method="by_document", max_length=200, help_text=_("设定目标的文件代码")
    )
    department = django_filters.CharFilter(
        method="by_department", max_length=200, help_text=_("负有职责或被指定填报的现部门代码")
    )

    class Meta:
        model = Indicator
        fields = []

    def by_document(self, queryset, name, value):
        return queryset.filter(
            pk__in=Target.objects.filter(document__code=value).values("indicator")
        )

    def by_department(self, queryset, name, value):
        held = Responsibility.objects.filter(_held_by(value), indicator__isnull=False)
        return queryset.filter(
            Q(pk__in=held.values("indicator")) | Q(assignments__department__code=value)
        ).distinct()


class TargetFilter(django_filters.FilterSet):
    indicator = _code("indicator__code", _("指标代码"))
    document = _code("document__code", _("文件代码"))
    year = YearFilter(field_name="year", help_text=_("目标年份"))

    class Meta:
        model = Target
        fields = []


class DepartmentFilter(django_filters.FilterSet):
    status = _choice("status", DepartmentStatus.choices)

    class Meta:
        model = Department
        fields = []


class TaskFilter(django_filters.FilterSet):
    document = _code("document__code", _("文件代码"))

    class Meta:
        model = Task
        fields = []


class ResponsibilityFilter(django_filters.FilterSet):
    indicator = _code("indicator__code", _("指标代码"))
    task = _code("task__code", _("任务代码"))
    document = _code("document__code", _("文件代码"))
    role = _choice("role", ResponsibilityRole.choices)
    department = django_filters.CharFilter(
        method="by_department",
        max_length=200,
        help_text=_("部门代码：该部门（含其已撤并、更名的前身）的职责"),
    )

    class Meta:
        model = Responsibility
        fields = []

    def by_department(self, queryset, name, value):
        return queryset.filter(_held_by(value))


class ReportingPeriodFilter(django_filters.FilterSet):
    status = _choice("status", PeriodStatus.choices)

    class Meta:
        model = ReportingPeriod
        fields = []


class ReportedValueFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text=_("期间：2026Q3、2026S1 或 2026"))
    department = _code("department__code", _("部门代码"))
    indicator = _code("indicator__code", _("指标代码"))
    state = _choice("state", ValueState.choices)
    source = _choice("source", ValueSource.choices)
    outlier = django_filters.BooleanFilter(help_text=_("true：超出预期范围的数值"))
    followup = django_filters.BooleanFilter(help_text=_("true：标记跟进的数值"))

    class Meta:
        model = ReportedValue
        fields = []


class QualitativeReportFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text=_("季度，例如 2026Q3"))
    department = _code("department__code", _("部门代码"))
    task = _code("task__code", _("任务代码"))
    indicator = _code("indicator__code", _("定性指标代码"))
    state = _choice("state", ValueState.choices)

    class Meta:
        model = QualitativeReport
        fields = []


class GapResultFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text=_("期间"))
    department = _code("department__code", _("部门代码"))
    indicator = _code("indicator__code", _("指标代码"))
    status = _choice("status", GapStatus.choices)
    region = django_filters.BooleanFilter(
        field_name="department", lookup_expr="isnull", help_text=_("true：只看全区数值")
    )

    class Meta:
        model = GapResult
        fields = []


class ScorecardFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text=_("季度"))
    department = _code("department__code", _("部门代码"))

    class Meta:
        model = Scorecard
        fields = []


class ScorecardRunFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text=_("季度"))

    class Meta:
        model = ScorecardRun
        fields = []
