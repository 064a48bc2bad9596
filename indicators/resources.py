"""django-import-export resources for the catalogue, with Chinese column headers.

English headers are accepted too: ``before_import`` renames them to the Chinese ones. Rows are
matched by natural key (codes), so importing the same file twice changes nothing; the admin
shows a dry-run preview with row errors before anything is written, in one transaction.
"""

from __future__ import annotations

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from departments.models import Department
from qualityhub.resources import BilingualResource

from .models import Document, Indicator, Responsibility, Target


class IndicatorResource(BilingualResource):
    code = fields.Field(attribute="code", column_name="代码")
    name_zh = fields.Field(attribute="name_zh", column_name="名称")
    name_en = fields.Field(attribute="name_en", column_name="英文名称")
    unit = fields.Field(attribute="unit", column_name="单位")
    value_kind = fields.Field(attribute="value_kind", column_name="数值类型")
    decimals = fields.Field(attribute="decimals", column_name="小数位数")
    min_value = fields.Field(attribute="min_value", column_name="有效范围下限")
    max_value = fields.Field(attribute="max_value", column_name="有效范围上限")
    frequency = fields.Field(attribute="frequency", column_name="填报频率")
    category = fields.Field(attribute="category", column_name="类别")
    aggregation = fields.Field(attribute="aggregation", column_name="全区汇总方式")

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
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class TargetResource(BilingualResource):
    indicator = fields.Field(
        attribute="indicator", column_name="指标", widget=ForeignKeyWidget(Indicator, "code")
    )
    document = fields.Field(
        attribute="document", column_name="文件", widget=ForeignKeyWidget(Document, "code")
    )
    year = fields.Field(attribute="year", column_name="目标年份")
    comparator = fields.Field(attribute="comparator", column_name="比较方式")
    value = fields.Field(attribute="value", column_name="目标值")
    clause = fields.Field(attribute="clause", column_name="条款")
    quote = fields.Field(attribute="quote", column_name="原文")

    class Meta:
        model = Target
        import_id_fields = ("indicator", "document", "year")
        fields = ("indicator", "document", "year", "comparator", "value", "clause", "quote")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class ResponsibilityResource(BilingualResource):
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
        )
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
