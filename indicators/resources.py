"""django-import-export resources for the catalogue, with Chinese column headers.

English headers are accepted too. Every row goes through the catalogue services
(:mod:`indicators.services`), so an imported target is checked exactly like one added in the
admin: comparators as written (≥, 以上, 不低于…), numbers as typed, a quote found in the
document's text or a reason for having none. Rows are matched by natural key (codes; indicator
× document × year for targets), so importing the same file twice changes nothing. The admin
shows a dry-run preview with each error at its row as the file numbers it; a file with any
error writes nothing (:class:`qualityhub.resources.BilingualResource`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import ForeignKeyWidget

from departments.models import Department
from departments.services import catalogue_batch
from qualityhub.resources import BilingualResource, NumberWidget, resolve

from .choices import ResponsibilityRole
from .models import Document, Indicator, Responsibility, Target
from .parsing import parse_choice, parse_year
from .services import indicator_save, responsibility_save, target_save


def _merged(current: models.Model | None, names: tuple[str, ...], values: dict) -> dict:
    """The service's fields: the file's cells where it has the column, else the row as stored
    (or nothing, for a new row: the service's defaults apply)."""
    merged = {name: getattr(current, name) for name in names} if current is not None else {}
    merged.update({name: value for name, value in values.items() if name in names})
    return merged


class CatalogueResource(BilingualResource):
    """A catalogue resource: one change announcement (gap recomputation) per imported file."""

    def write_batch(self):
        return catalogue_batch()


class IndicatorResource(CatalogueResource):
    code = fields.Field(attribute="code", column_name="代码")
    name_zh = fields.Field(attribute="name_zh", column_name="名称")
    name_en = fields.Field(attribute="name_en", column_name="英文名称")
    unit = fields.Field(attribute="unit", column_name="单位")
    value_kind = fields.Field(attribute="value_kind", column_name="数值类型")
    decimals = fields.Field(attribute="decimals", column_name="小数位数")
    min_value = fields.Field(
        attribute="min_value", column_name="有效范围下限", widget=NumberWidget()
    )
    max_value = fields.Field(
        attribute="max_value", column_name="有效范围上限", widget=NumberWidget()
    )
    frequency = fields.Field(attribute="frequency", column_name="填报频率")
    category = fields.Field(attribute="category", column_name="类别")
    aggregation = fields.Field(attribute="aggregation", column_name="全区汇总方式")

    SERVICE_FIELDS = (
        "code",
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
    )

    class Meta:
        model = Indicator
        import_id_fields = ("code",)
        fields = (
            "code",
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
        )

    def import_row_values(self, values, *, user):
        current = Indicator.objects.filter(code=values["code"]).first()
        return indicator_save(
            indicator=current,
            acting_user=user,
            **_merged(current, self.SERVICE_FIELDS, values),
        )


def _indicator(text: str) -> Indicator:
    return resolve(Indicator, text, "code", "name_zh", field="indicator", label=_("指标"))


def _document(text: str) -> Document:
    return resolve(Document, text, "code", "title_zh", field="document", label=_("文件"))


def _together(*lookups):
    """Run each lookup, raising all their errors at once (so one pass shows every problem)."""
    found, errors = [], {}
    for lookup, *args in lookups:
        try:
            found.append(lookup(*args))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            found.append(None)
    if errors:
        raise ValidationError(errors)
    return found


class TargetResource(CatalogueResource):
    indicator = fields.Field(
        attribute="indicator", column_name="指标", widget=ForeignKeyWidget(Indicator, "code")
    )
    document = fields.Field(
        attribute="document", column_name="文件", widget=ForeignKeyWidget(Document, "code")
    )
    year = fields.Field(attribute="year", column_name="目标年份")
    comparator = fields.Field(attribute="comparator", column_name="比较方式")
    value = fields.Field(attribute="value", column_name="目标值", widget=NumberWidget())
    clause = fields.Field(attribute="clause", column_name="条款")
    quote = fields.Field(attribute="quote", column_name="原文")
    no_quote_reason = fields.Field(attribute="no_quote_reason", column_name="无原文引用的理由")

    SERVICE_FIELDS = ("comparator", "value", "clause", "quote", "no_quote_reason", "note")

    class Meta:
        model = Target
        import_id_fields = ("indicator", "document", "year")
        fields = (
            "indicator",
            "document",
            "year",
            "comparator",
            "value",
            "clause",
            "quote",
            "no_quote_reason",
        )

    def import_row_values(self, values, *, user):
        indicator, document, year = _together(
            (_indicator, values["indicator"]),
            (_document, values["document"]),
            (_year, values["year"]),
        )
        current = Target.objects.filter(indicator=indicator, document=document, year=year).first()
        return target_save(
            target=current,
            indicator=indicator,
            document=document,
            year=year,
            acting_user=user,
            **{"comparator": "", "clause": "", **_merged(current, self.SERVICE_FIELDS, values)},
        )


def _year(text: str) -> int:
    try:
        return parse_year(text)
    except ValidationError as exc:
        raise ValidationError({"year": exc.messages}) from None


def _department(text: str, as_written: str) -> Department:
    """By code, name or any alias; from the document's own wording when the column is empty."""
    name = text or as_written
    department = Department.objects.resolve(name) if name else None
    if department is None:
        raise ValidationError(
            {
                "department": _("找不到部门“%(name)s”：请填写部门代码、名称或别名。")
                % {"name": name}
                if name
                else _("请填写部门。")
            }
        )
    return department


def _role(text: str) -> str:
    try:
        return parse_choice(text, ResponsibilityRole)
    except ValidationError as exc:
        raise ValidationError({"role": exc.messages}) from None


class ResponsibilityResource(CatalogueResource):
    indicator = fields.Field(
        attribute="indicator", column_name="指标", widget=ForeignKeyWidget(Indicator, "code")
    )
    department = fields.Field(
        attribute="department", column_name="部门", widget=ForeignKeyWidget(Department, "code")
    )
    department_as_written = fields.Field(
        attribute="department_as_written", column_name="原文部门写法"
    )
    role = fields.Field(attribute="role", column_name="职责")
    document = fields.Field(
        attribute="document", column_name="文件", widget=ForeignKeyWidget(Document, "code")
    )
    clause = fields.Field(attribute="clause", column_name="条款")
    quote = fields.Field(attribute="quote", column_name="原文")
    no_quote_reason = fields.Field(attribute="no_quote_reason", column_name="无原文引用的理由")

    SERVICE_FIELDS = ("department_as_written", "clause", "quote", "no_quote_reason", "note")

    class Meta:
        model = Responsibility
        import_id_fields = ("indicator", "department", "document", "role")
        fields = (
            "indicator",
            "department",
            "department_as_written",
            "role",
            "document",
            "clause",
            "quote",
            "no_quote_reason",
        )

    def import_row_values(self, values, *, user):
        indicator, department, document, role = _together(
            (_indicator, values["indicator"]),
            (_department, values["department"], values.get("department_as_written", "")),
            (_document, values["document"]),
            (_role, values["role"]),
        )
        current = Responsibility.objects.filter(
            indicator=indicator, department=department, document=document, role=role
        ).first()
        return responsibility_save(
            responsibility=current,
            indicator=indicator,
            department=department,
            document=document,
            role=role,
            acting_user=user,
            **{"clause": "", **_merged(current, self.SERVICE_FIELDS, values)},
        )
