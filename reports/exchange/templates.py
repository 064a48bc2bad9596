"""Blank files to fill in and import: one per resource, as xlsx or csv, with Chinese headers.

The xlsx has a second sheet, 填写说明, listing each column's English name (accepted as a header
too), whether it is required, and what to write in it; allowed values are listed for columns
with a fixed set of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.resources import DepartmentResource
from indicators.resources import IndicatorResource, ResponsibilityResource, TargetResource
from qualityhub.spreadsheets import XlsxBook

from .layout import FIELD_LABELS

#: The values template's columns, with the English header each also accepts, and which are
#: required (:mod:`.layout` reads many more spellings of each).
TEMPLATE_COLUMNS = {
    "indicator": True,
    "department": True,
    "period": True,
    "value": True,
    "note": False,
}


@dataclass(frozen=True)
class Column:
    header: str  # Chinese, as the template writes it
    english: str  # accepted on import as well
    required: bool
    help: str


def _value_columns() -> list[Column]:
    helps = {
        "indicator": _("指标代码或指标名称，例如 MFG_PRODUCT_PASS_RATE 或 制造业产品质量合格率"),
        "department": _("部门代码、现名或原名（历史名称按今天的部门计），例如 AMR 或 市场监管局"),
        "period": _("2024Q3、2024-Q3、2024年第三季度；半年 2024S1、2024年上半年；年度 2024"),
        "value": _("数字，可写 93.71、93.71%、１，５７６ 或 1,576.43；百分比指标可带 %"),
        "note": _("可选；与上期相比变化超过 20% 或偏离目标时建议说明原因"),
    }
    return [
        Column(FIELD_LABELS[name], name, required, helps[name])
        for name, required in TEMPLATE_COLUMNS.items()
    ]


#: What a catalogue file must fill in besides the row's key, and what to write in some columns;
#: the services (``indicators.services``) check the same on import.
REQUIRED_BESIDES_KEY = {"comparator", "clause", "department_as_written", "role", "name_zh"}
EXTRA_HELP = {
    "comparator": gettext_lazy(
        "也可写作 ≥ ≤ > < =，或原文的说法：以上、不低于、不少于、达到（≥）；超过、高于（>）；"
        "以下、以内、不超过、控制在（≤）；低于、少于、不足（<）"
    ),
    "value": gettext_lazy("数字，照原文填写，如 96、96.5 或 96.5%（单位为 % 时）；定性指标留空"),
    "quote": gettext_lazy(
        "文件中的原句，须逐字出现在该文件的原文中；确实无法引用时留空并填写下一列的理由"
    ),
    "no_quote_reason": gettext_lazy("仅在原文一列留空时填写：为何无法引用原文"),
}


def _resource_columns(resource_class) -> list[Column]:
    resource = resource_class()
    model = resource._meta.model
    required = set(resource._meta.import_id_fields) | (REQUIRED_BESIDES_KEY & set(resource.fields))
    columns = []
    for name, field in resource.fields.items():
        try:
            model_field = model._meta.get_field(field.attribute or name)
        except FieldDoesNotExist:
            model_field = None
        help_text = str(getattr(model_field, "verbose_name", "") or "")
        if model_field is not None and model_field.choices:
            allowed = "、".join(f"{value}（{label}）" for value, label in model_field.choices)
            help_text = _("%(name)s，可填：%(allowed)s") % {"name": help_text, "allowed": allowed}
        if model_field is not None and model_field.is_relation:
            help_text = _("%(name)s的代码") % {"name": help_text}
        if name in EXTRA_HELP:
            help_text = f"{help_text}：{EXTRA_HELP[name]}"
        columns.append(Column(field.column_name, name, name in required, help_text))
    return columns


def _resources() -> dict[str, tuple[str, Callable[[], list[Column]]]]:
    return {
        "values": (_("填报数值"), _value_columns),
        "departments": (_("部门"), lambda: _resource_columns(DepartmentResource)),
        "indicators": (_("指标"), lambda: _resource_columns(IndicatorResource)),
        "targets": (_("目标"), lambda: _resource_columns(TargetResource)),
        "responsibilities": (_("职责分工"), lambda: _resource_columns(ResponsibilityResource)),
    }


def template_choices() -> list[tuple[str, str]]:
    return [(key, title) for key, (title, _columns) in _resources().items()]


def import_template(resource: str, kind: str) -> tuple[str, bytes]:
    """The file name and bytes of a blank template; KeyError for an unknown resource or kind."""
    title, columns_of = _resources()[resource]
    columns = columns_of()
    if kind == "csv":
        line = ",".join(c.header for c in columns) + "\r\n"
        # With a BOM, Excel on a Chinese-locale Windows opens the UTF-8 headers correctly.
        return f"{title}导入模板.csv", b"\xef\xbb\xbf" + line.encode("utf-8")
    if kind != "xlsx":
        raise KeyError(kind)
    book = XlsxBook()
    sheet = book.sheet(_("模板"))
    sheet.widths([18] * len(columns))
    sheet.append([c.header for c in columns], bold=True)
    guide = book.sheet(_("填写说明"))
    guide.widths([18, 28, 8, 80])
    guide.append([_("列"), _("英文列名（也可用作表头）"), _("必填"), _("填写说明")], bold=True)
    for column in columns:
        guide.append(
            [column.header, column.english, _("是") if column.required else _("否"), column.help]
        )
    return f"{title}导入模板.xlsx", book.save()
