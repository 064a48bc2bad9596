"""Reported values in the admin's django-import-export screens.

Exports use the columns of QualityHub's own export, with Chinese headers, and neutralise any
text cell a spreadsheet would run as a formula. Imports do not use django-import-export's
row-by-row save: the admin's preview and confirmation call :mod:`reports.exchange`, so a file
gets the same checks (encodings, names, periods, numbers, formula injection), the same
all-or-nothing set-based write and the same history as on the import page.
"""

from __future__ import annotations

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from departments.access import is_office
from qualityhub.resources import UploadedTable
from qualityhub.spreadsheets import neutralise
from reports.models import ReportedValue

from .checking import parse_values_file
from .exports import VALUE_COLUMNS
from .layout import FIELD_LABELS
from .parsing import ImportFileError
from .services import import_values

#: What the admin's preview shows of each row.
DIFF_FIELDS = ("indicator", "department", "period", "value", "note")


class ValuesFile(UploadedTable):
    """An uploaded values file (xlsx, xls, csv in UTF-8 or GBK, or DHIS2 JSON/csv, decided by
    the content), handed whole to :mod:`reports.exchange`, which finds its tables itself."""

    def get_title(self):
        return _("xlsx / xls / csv（UTF-8 或 GBK）/ DHIS2，按内容识别")

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        if not data.strip():
            raise ImportFileError(_("文件是空的。"))
        dataset = tablib.Dataset(["file"], headers=["file"])
        dataset.qualityhub_data = data
        return dataset


class Neutralised(widgets.CharWidget):
    """Text as written, with a leading apostrophe where a spreadsheet would see a formula."""

    def render(self, value, obj=None, **kwargs):
        return neutralise(super().render(value, obj, **kwargs) or "")


class ReportedValueResource(resources.ModelResource):
    indicator_code = fields.Field(
        attribute="indicator__code", column_name="指标代码", widget=Neutralised()
    )
    indicator = fields.Field(
        attribute="indicator__name_zh", column_name="指标名称", widget=Neutralised()
    )
    department_code = fields.Field(
        attribute="department__code", column_name="部门代码", widget=Neutralised()
    )
    department = fields.Field(
        attribute="department__name_zh", column_name="部门名称", widget=Neutralised()
    )
    period = fields.Field(attribute="period", column_name="期间", widget=Neutralised())
    value = fields.Field(
        attribute="value", column_name="数值", widget=widgets.DecimalWidget(coerce_to_string=False)
    )
    unit = fields.Field(attribute="indicator__unit", column_name="计量单位", widget=Neutralised())
    note = fields.Field(attribute="note", column_name="说明", widget=Neutralised())

    class Meta:
        model = ReportedValue
        fields = VALUE_COLUMNS  # the columns of QualityHub's own export, in its order
        export_order = VALUE_COLUMNS

    def get_queryset(self):
        return ReportedValue.objects.select_related("indicator", "department").order_by(
            "indicator__code", "department__code", "period"
        )


class ReportedValueImportResource(ReportedValueResource):
    """The admin's import of reported values, handed to :mod:`reports.exchange`."""

    def get_user_visible_fields(self):
        """The columns an import reads (shown above the admin's upload form)."""
        return [
            fields.Field(column_name=_("指标（代码或名称）")),
            fields.Field(column_name=_("部门（代码、现名或原名）")),
            fields.Field(column_name=_("期间（如 2024Q3、2024年第三季度）")),
            fields.Field(column_name=_("数值")),
            fields.Field(column_name=_("说明（可选）")),
        ]

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Check the file with :mod:`reports.exchange`; write it (all or nothing) unless dry run.

        Errors, and values that need confirming, are listed with their sheet, row and column.
        Values that need confirming are refused here: the import page lets the office check
        and confirm them one by one.
        """
        user = kwargs.get("user")
        filename = kwargs.get("file_name") or "admin"
        result = Result()
        result.diff_headers = [FIELD_LABELS[name] for name in DIFF_FIELDS]
        try:
            if user is not None and not is_office(user):
                raise ImportFileError(_("只有领导小组办公室和系统管理员可以导入填报数值。"))
            preview = parse_values_file(dataset.qualityhub_data, filename)
        except ImportFileError as exc:
            if raise_errors:
                raise
            result.append_base_error(Error(exc))
            return result
        problems = [(e.sheet, e.row, e.column, e.message) for e in preview.errors] + [
            (
                f["sheet"],
                f["row"],
                f["column"],
                f["message"] + _("（请在导入页面 /reports/imports/ 核对并确认）"),
            )
            for f in preview.flags
        ]
        if problems:
            result.diff_headers = [_("工作表"), _("行"), _("列"), _("问题")]
            for sheet, row, column, message in problems:
                cells = dict(zip(result.diff_headers, (sheet, row, column, message), strict=True))
                result.append_invalid_row(row, cells, ValidationError({column: [message]}))
            return result
        for row in preview.rows:
            row_result = RowResult()
            row_result.import_type = {
                "new": RowResult.IMPORT_TYPE_NEW,
                "updated": RowResult.IMPORT_TYPE_UPDATE,
            }.get(row.outcome, RowResult.IMPORT_TYPE_SKIP)
            row_result.diff = [
                f"{row.indicator.code} {row.indicator.name_zh}",
                str(row.department),
                row.period,
                f"{row.value:f}",
                row.note,
            ]
            row_result.object_repr = f"{row.indicator} · {row.department} · {row.period}"
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        result.total_rows = len(preview.rows)
        if not dry_run:
            # What was written, read afresh under lock: a value may have changed since the preview.
            counts = import_values(preview, acting_user=user)
            result.totals[RowResult.IMPORT_TYPE_NEW] = counts["new"]
            result.totals[RowResult.IMPORT_TYPE_UPDATE] = counts["updated"]
            result.totals[RowResult.IMPORT_TYPE_SKIP] = counts["unchanged"]
        return result
