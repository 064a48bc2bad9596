"""The base of the catalogue's django-import-export resources in the admin: Chinese headers,
English accepted, formula-safe exports, and imports that go through the catalogue services,
all or nothing, with errors named by the file's own row numbers.

django-import-export saves row by row with ``ModelResource.save_instance``; the catalogue must
not, because every catalogue write has to be validated, compared and announced by its service
(``indicators.services``, ``departments.services``). So :class:`BilingualResource` overrides
``import_data`` (as ``reports.exchange.resources.ReportedValueImportResource`` does for values)
and builds the ``Result`` the admin's preview and confirmation show.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

import tablib
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.formats.base_formats import Format
from import_export.results import Result, RowResult

from qualityhub.spreadsheets import (
    SpreadsheetError,
    format_number,
    neutralise,
    read_table,
    undo_neutralise,
)


class UploadedTable(Format):
    """An upload for django-import-export whose type (xlsx, csv in UTF-8 or GBK…) is decided by
    its content, so the admin offers this one format. Blank rows are kept, so a row's number in
    every message is the number the file shows (the header is row 1)."""

    def __init__(self, encoding=None):
        self.encoding = encoding  # unused: the encoding is found from the bytes

    def get_title(self):
        return _("xlsx / csv（UTF-8 或 GBK），按内容识别")

    def get_extension(self):
        return "xlsx"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def read(self, data: bytes) -> list[list[str]]:
        """The file's cells as text, header first (raising with a message in Chinese)."""
        return read_table(data)

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        rows = self.read(data)
        if not rows or not any(cell.strip() for cell in rows[0]):
            raise SpreadsheetError(_("文件是空的，或第 1 行没有表头。"))
        if not any(cell.strip() for row in rows[1:] for cell in row):
            raise SpreadsheetError(_("文件只有表头，没有数据行。"))
        width = max(len(row) for row in rows)
        padded = [row + [""] * (width - len(row)) for row in rows]
        return tablib.Dataset(*padded[1:], headers=padded[0])


class CatalogueFile(UploadedTable):
    """An uploaded catalogue file (departments, indicators, targets, responsibilities)."""


class NumberWidget(widgets.Widget):
    """A number exported without trailing zeros (96.5, not 96.500000); imports read the cell
    as written and leave the parsing to the service."""

    def clean(self, value, row=None, **kwargs):
        return value

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else format_number(value)


def fold(header) -> str:
    """A header compared without case, surrounding spaces or full-width forms."""
    return unicodedata.normalize("NFKC", str(header or "")).strip().lower()


def cell(value) -> str:
    """A cell as text, with the apostrophe an export puts before formula-like text removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, float):
        value = Decimal(repr(value))
    return undo_neutralise(str(value)).strip()


class BilingualResource(resources.ModelResource):
    """Column headers in Chinese; the English ones (the field names) are accepted on import.

    Exported text that a spreadsheet would run as a formula gets a leading apostrophe, which an
    import of the same file takes off again.

    Imports: each row is handed to :meth:`import_row_values`, which a subclass implements with
    the catalogue services. Every row runs in its own savepoint inside one transaction; a row
    the service refuses is reported with the file's row number and its Chinese messages, and
    any refused row, like a dry run, rolls the whole file back. A clean file is written in
    that one transaction, and importing it again changes nothing.
    """

    def write_batch(self) -> AbstractContextManager:
        """What a file's rows are written in (the catalogue: one change announcement)."""
        return nullcontext()

    def import_row_values(self, values: dict[str, str], *, user):
        """Write one row (``values``: field name → cell text, only the file's columns) and
        return the service's ``Saved`` (``obj``, ``outcome``); raise ``ValidationError``."""
        raise NotImplementedError

    # --- Headers ----------------------------------------------------------------------------

    def header_names(self) -> dict[str, str]:
        """Every accepted header (folded) → field name: the Chinese column name, the field's
        name and its model attribute."""
        names = {}
        for name, field in self.fields.items():
            for header in (field.column_name, name, field.attribute):
                if header:
                    names.setdefault(fold(header), name)
        return names

    def _columns(self, headers) -> tuple[dict[int, str], list[str]]:
        accepted = self.header_names()
        columns: dict[int, str] = {}
        problems = []
        for index, header in enumerate(headers or []):
            if not fold(header):
                continue
            name = accepted.get(fold(header))
            if name is None:
                problems.append(_("无法识别的列“%(header)s”。") % {"header": str(header).strip()})
            elif name in columns.values():
                problems.append(
                    _("列“%(header)s”出现了两次。") % {"header": self.fields[name].column_name}
                )
            else:
                columns[index] = name
        for name in self._meta.import_id_fields:
            if name not in columns.values():
                problems.append(
                    _("缺少列“%(header)s”。") % {"header": self.fields[name].column_name}
                )
        if problems:
            problems.append(
                _("可用的列：%(headers)s。")
                % {"headers": "、".join(f.column_name for f in self.get_import_fields())}
            )
        return columns, problems

    # --- Import -----------------------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Check every row through the services; write the file (all or nothing) unless dry run.

        The file is always one transaction, whatever ``use_transactions`` says; failed rows are
        reported in the result, not collected in a dataset.
        """
        user = kwargs.get("user")
        result = Result()
        fields = self.get_import_fields()
        result.diff_headers = [field.column_name for field in fields]
        columns, problems = self._columns(dataset.headers)
        if problems:
            result.append_invalid_row(1, {}, self._row_error(1, ValidationError(problems)))
            return self._finish(result, raise_errors)
        with transaction.atomic():
            with self.write_batch():
                for number, row in self._rows(dataset):
                    values = {name: cell(row[index]) for index, name in columns.items()}
                    shown = {self.fields[name].column_name: v for name, v in values.items()}
                    try:
                        with transaction.atomic():
                            saved = self.import_row_values(values, user=user)
                    except ValidationError as exc:
                        result.append_invalid_row(number, shown, self._row_error(number, exc))
                        continue
                    except DatabaseError:  # a rule the checks missed: refused, never a 500
                        conflict = ValidationError(_("该行与数据库中已有的数据冲突，未能保存。"))
                        result.append_invalid_row(number, shown, self._row_error(number, conflict))
                        continue
                    result.append_row_result(self._row_result(saved, fields))
                    result.increment_row_result_total(result.rows[-1])
            if dry_run or result.invalid_rows:
                transaction.set_rollback(True)
        result.total_rows = len(result.rows) + len(result.invalid_rows)
        result.totals[RowResult.IMPORT_TYPE_INVALID] = len(result.invalid_rows)
        return self._finish(result, raise_errors)

    @staticmethod
    def _rows(dataset) -> Iterator[tuple[int, tuple]]:
        """(row number in the file, cells) for every row with something in it."""
        for number, row in enumerate(dataset, start=2):
            if any(cell(value) for value in row):
                yield number, row

    def _row_result(self, saved, fields) -> RowResult:
        row_result = RowResult()
        row_result.import_type = {
            "created": RowResult.IMPORT_TYPE_NEW,
            "updated": RowResult.IMPORT_TYPE_UPDATE,
        }.get(saved.outcome, RowResult.IMPORT_TYPE_SKIP)
        row_result.diff = [self.export_field(field, saved.obj) for field in fields]
        row_result.add_instance_info(saved.obj)
        row_result.instance = saved.obj  # the admin's log of what the import did
        return row_result

    def _row_error(self, number: int, exc: ValidationError) -> ValidationError:
        """The service's messages keyed by the file's column names, each naming the row."""
        labels = {NON_FIELD_ERRORS: NON_FIELD_ERRORS}
        model = self._meta.model
        for name, field in self.fields.items():
            labels[field.attribute or name] = field.column_name
            labels[name] = field.column_name
        by_field = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        prefix = _("第 %(n)d 行：") % {"n": number} if number > 1 else _("第 1 行（表头）：")
        errors: dict[str, list[str]] = {}
        for name, texts in by_field.items():
            label = labels.get(name) or _verbose_name(model, name)
            errors.setdefault(label, []).extend(prefix + str(text) for text in texts)
        return ValidationError(errors)

    @staticmethod
    def _finish(result: Result, raise_errors: bool) -> Result:
        if raise_errors and result.invalid_rows:
            raise result.invalid_rows[0].error
        return result

    # --- Export -----------------------------------------------------------------------------

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return neutralise(value) if isinstance(value, str) else value


def _verbose_name(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # not a model field: show the name as the service gave it
        return name


def resolve(model: type[models.Model], text: str, *lookups: str, field: str, label: str):
    """The row of ``model`` whose ``lookups`` (tried in order) equal ``text``, or
    ``ValidationError`` on ``field``: an import names rows by code or by Chinese name."""
    if not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    for lookup in lookups:
        found = list(model._default_manager.filter(**{lookup: text})[:2])
        if len(found) == 1:
            return found[0]
    raise ValidationError(
        {field: _("找不到%(label)s“%(text)s”。") % {"label": label, "text": text}}
    )


class CatalogueImportMixin:
    """The admin side of a catalogue import: the one :class:`CatalogueFile` format, and
    messages in Chinese where django-import-export would show English or a traceback."""

    import_formats = [CatalogueFile]

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file", _("无法读取该文件：请上传 .xlsx 或 CSV（UTF-8 或 GBK 编码）文件。")
            )

    def process_result(self, result, request):
        """After the confirmation: a file that no longer passes (the catalogue changed since
        the preview) is refused whole, with its errors, and the upload form shown again."""
        if result.has_validation_errors() or result.has_errors():
            for row in result.invalid_rows[:10]:
                messages.error(request, " ".join(m for ms in row.error_dict.values() for m in ms))
            messages.error(request, _("文件未导入（没有写入任何一行）：请改正后重新上传。"))
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)
