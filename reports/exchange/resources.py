"""Reported values in the admin's django-import-export screens.

Exports use the columns of QualityHub's own export, with Chinese headers, and neutralise any
text cell a spreadsheet would run as a formula. Imports do not use django-import-export's
row-by-row save: the admin's preview and confirmation call :mod:`reports.exchange`, so a file
gets the same checks (encodings, names, periods, numbers, formula injection), the same
all-or-nothing set-based write and the same history as on the import page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from departments.access import is_office
from qualityhub.resources import UploadedTable
from qualityhub.spreadsheets import SpreadsheetError, cell_text, neutralise
from reports.models import ReportedValue

from .checking import check_rows
from .exports import VALUE_COLUMNS
from .parsing import LABELS, ImportFileError, is_json, read_rows
from .services import import_values


class ValuesFile(UploadedTable):
    """An uploaded values file, read by :func:`reports.exchange.parsing.read_rows`: xlsx, csv in
    UTF-8 or GBK, or DHIS2 JSON, decided by the content."""

    def get_title(self):
        return _("xlsx / csv（UTF-8 或 GBK）/ DHIS2 JSON，按内容识别")

    def read(self, data: bytes) -> list[list[str]]:
        return read_rows(data)

    def create_dataset(self, in_stream):
        try:
            dataset = super().create_dataset(in_stream)
        except SpreadsheetError as exc:
            raise ImportFileError(str(exc)) from None
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        # A DHIS2 JSON file is data, not a spreadsheet: no formula-injection check.
        dataset.qualityhub_spreadsheet = not is_json(data)
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
        """Check the file with :mod:`reports.exchange`; write it (all or nothing) unless dry run."""
        user = kwargs.get("user")
        filename = kwargs.get("file_name") or "admin"
        headers = [str(h or "") for h in dataset.headers or []]
        result = Result()
        result.diff_headers = [*LABELS.values()]
        rows = [headers, *([cell_text(c) for c in row] for row in dataset)]
        try:
            if user is not None and not is_office(user):
                raise ImportFileError(_("只有领导小组办公室和系统管理员可以导入填报数值。"))
            preview = check_rows(
                rows, filename, spreadsheet=getattr(dataset, "qualityhub_spreadsheet", True)
            )
        except ImportFileError as exc:
            if raise_errors:
                raise
            result.append_base_error(Error(exc))
            return result
        if preview.errors:
            result.diff_headers = headers  # the invalid rows are shown as the file has them
            for error in preview.errors:
                cells = dict(zip(headers, rows[error.row - 1], strict=False))
                result.append_invalid_row(
                    error.row, cells, ValidationError({error.column: [error.message]})
                )
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
