"""DHIS2's ``/api/dataValueSets``: reading and sending data values as a DHIS2 client does.

A system that speaks DHIS2's Web API (guide, "Data values":
https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/data.html) reads
QualityHub's figures and sends its own with the requests it already makes to DHIS2:

- ``GET /api/dataValueSets`` (``.json`` / ``.csv``, or ``Accept``): the values the user may see
  (``reports.models.ReportedValue.visible_to``: a department's own, the office's all), filtered
  by DHIS2's parameters, in DHIS2's JSON or its data-value CSV, streamed row by row so that a
  million values never sit in memory.
- ``POST /api/dataValueSets`` (``Content-Type: application/json``, ``application/csv`` or
  ``text/csv``): a dataValueSet read by ``reports.exchange.dhis2`` and checked by the file
  import's checking step, answered with DHIS2's import summary (DHIS2 2.40's web message
  wrapping an ``ImportSummary``). The office's values are written by the office's import
  service (approved, as a file import is); a department's reporter's as drafts of their own
  department, one by one through the form's service. Either way all of it or none of it.

Identifiers are the ones QualityHub exports: ``dataElement`` the indicator's code,
``orgUnit`` the department's code, ``period`` QualityHub's period id (``2024``, ``2024S1``,
``2024Q3``), ``dataSet`` a plan document's code; combos DHIS2's default only. docs/api.md,
"DHIS2-compatible endpoints", says what is taken from DHIS2 and what differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.access import department_of, is_office
from departments.models import Department
from indicators.models import Indicator, Target
from qualityhub.spreadsheets import MAX_BYTES, format_number, neutralise
from reports.choices import ChangeVia
from reports.exchange.checking import CHANGES_SHOWN, ImportPreview, RowError, parse_values_file
from reports.exchange.dhis2 import CSV_COLUMNS, DEFAULT_COMBO_UID, Dhis2Table, read_dhis2
from reports.exchange.parsing import ImportFileError
from reports.exchange.services import import_values
from reports.models import ReportedValue
from reports.periods import HALF, QUARTER, YEAR, Period
from reports.reporting.rules import RuleViolation
from reports.reporting.services import (
    ANY_VERSION,
    StaleValueError,
    WorkflowError,
    reported_value_save_draft,
)

from .base import ApiViewMixin

#: Rows read from the database per round trip while a GET streams its values.
STREAM_CHUNK = 2000
#: The import strategies DHIS2 takes (and its older spellings, read as today's).
STRATEGIES = {
    "CREATE_AND_UPDATE": "CREATE_AND_UPDATE",
    "CREATE": "CREATE",
    "UPDATE": "UPDATE",
    "DELETE": "DELETE",
    "NEW_AND_UPDATES": "CREATE_AND_UPDATE",
    "NEW": "CREATE",
    "UPDATES": "UPDATE",
    "DELETES": "DELETE",
}
#: DHIS2's CSV media type (what DHIS2 writes) and the common one; both are read and written.
CSV_TYPES = ("application/csv", "text/csv")
#: The first and last year a QualityHub period can have (``reports.periods``).
_FIRST_YEAR, _LAST_YEAR = 1000, 2999


# --- Reading the request and writing the response ---------------------------------------------


class _RawParser(BaseParser):
    """The payload as bytes: ``reports.exchange.dhis2`` reads it as the file import does (a
    JSON parser would turn 93.10 into a float)."""

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return b"" if stream is None else stream.read(MAX_BYTES + 1)


class JsonPayloadParser(_RawParser):
    media_type = "application/json"


class CsvPayloadParser(_RawParser):
    media_type = "application/csv"


class TextCsvPayloadParser(_RawParser):
    media_type = "text/csv"


class CsvRenderer(BaseRenderer):
    """Chooses DHIS2's CSV (``.csv``, ``Accept: application/csv``). The values themselves are
    streamed by the view, and refusals are JSON; this renders anything else as one CSV row."""

    media_type = "application/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        items = data.items() if isinstance(data, dict) else [("detail", data)]
        writer.writerow([key for key, _value in items])
        writer.writerow([neutralise(str(value)) for _key, value in items])
        return buffer.getvalue().encode("utf-8")


class TextCsvRenderer(CsvRenderer):
    media_type = "text/csv"


def _web_message(status: int, message: str, *, response: dict | None = None):
    """DHIS2's web message: ``{httpStatus, httpStatusCode, status, message[, response]}``."""
    names = {
        200: "OK",
        400: "Bad Request",
        409: "Conflict",
        413: "Payload Too Large",
    }
    outcome = "OK" if status == 200 else (response or {}).get("status", "ERROR")
    body = {
        "httpStatus": names[status],
        "httpStatusCode": status,
        "status": outcome,
        "message": message,
    }
    if response is not None:
        body["response"] = response
    return HttpResponse(
        json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace"),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class QueryProblem(Exception):
    """A GET parameter DHIS2 would refuse with 409 Conflict; the message says why."""


# --- GET: reading values ----------------------------------------------------------------------


@dataclass
class ValueQuery:
    """The values a GET asks for, read from DHIS2's parameters."""

    data_sets: list[str] = field(default_factory=list)
    data_elements: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    org_units: list[str] = field(default_factory=list)
    last_updated: dt.datetime | None = None
    limit: int | None = None


def _many(params, name: str) -> list[str]:
    """A repeatable parameter; DHIS2 also takes one value holding several, comma-separated."""
    found = []
    for value in params.getlist(name):
        found.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(found))


def read_query(params) -> ValueQuery:
    """DHIS2's parameters of ``GET /api/dataValueSets``; raises QueryProblem (409)."""
    query = ValueQuery(
        data_sets=_many(params, "dataSet"),
        data_elements=_many(params, "dataElement"),
        org_units=_many(params, "orgUnit"),
    )
    for text in _many(params, "period"):
        try:
            query.periods.append(Period.parse(text).id)
        except ValueError:
            raise QueryProblem(
                _("期间（period）“%(text)s”无效：应写作 2024、2024S1 或 2024Q3。")
                % {"text": text[:50]}
            ) from None
    start, end = params.get("startDate", "").strip(), params.get("endDate", "").strip()
    if bool(start) != bool(end):
        raise QueryProblem(_("startDate 与 endDate 须同时给出。"))
    if start:
        query.start, query.end = _date(start, "startDate"), _date(end, "endDate")
        if query.start > query.end:
            raise QueryProblem(_("startDate 不能晚于 endDate。"))
    updated = params.get("lastUpdated", "").strip()
    if updated:
        moment = _moment(updated)
        if moment is None or not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
            raise QueryProblem(
                _(
                    "lastUpdated“%(text)s”无效：应为日期或时间，"
                    "例如 2024-10-01 或 2024-10-01T08:00:00。"
                )
                % {"text": updated[:50]}
            )
        query.last_updated = moment
    limit = params.get("limit", "").strip()
    if limit:
        if not (limit.isascii() and limit.isdigit()) or int(limit) > 2**31:
            raise QueryProblem(_("limit 应为不小于 0 的整数。"))
        query.limit = int(limit)
    return query


def _date(text: str, name: str) -> dt.date:
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise QueryProblem(
            _("%(name)s“%(text)s”不是有效日期，应写作 2024-01-31。")
            % {"name": name, "text": text[:50]}
        )
    return day


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def periods_between(start: dt.date, end: dt.date) -> list[str]:
    """Every QualityHub period (year, half-year, quarter) lying wholly within start–end, as
    DHIS2 reads ``startDate``/``endDate``."""
    found = []
    for year in range(max(start.year, _FIRST_YEAR), min(end.year, _LAST_YEAR) + 1):
        for kind, parts in ((YEAR, 1), (HALF, 2), (QUARTER, 4)):
            for number in range(1, parts + 1):
                period = Period(year, kind, number)
                if start <= period.start and period.end <= end:
                    found.append(period.id)
    return found


def visible_values(user, query: ValueQuery):
    """The values the query names, through the read gate: rows (``values_list``) in id order."""
    values = ReportedValue.objects.visible_to(user)
    if query.data_sets:
        known = set(
            Target.objects.filter(document__code__in=query.data_sets).values_list(
                "document__code", flat=True
            )
        )
        if missing := [code for code in query.data_sets if code not in known]:
            raise QueryProblem(
                _("找不到数据集（dataSet，QualityHub 的规划文件代码）“%(code)s”。")
                % {"code": missing[0][:50]}
            )
        values = values.filter(
            indicator_id__in=Subquery(
                Target.objects.filter(document__code__in=query.data_sets).values("indicator_id")
            )
        )
    if query.data_elements:
        found = dict(
            Indicator.objects.filter(code__in=query.data_elements).values_list("code", "pk")
        )
        if missing := [code for code in query.data_elements if code not in found]:
            raise QueryProblem(
                _("找不到数据元（dataElement，QualityHub 的指标代码）“%(code)s”。")
                % {"code": missing[0][:50]}
            )
        values = values.filter(indicator_id__in=found.values())
    if query.org_units:
        own = department_of(user)
        units = Department.objects.filter(code__in=query.org_units)
        if own is not None:
            units = units.filter(pk=own.pk)  # anything else is "not found", as for a page
        found = dict(units.values_list("code", "pk"))
        if missing := [code for code in query.org_units if code not in found]:
            raise QueryProblem(
                _("找不到组织机构（orgUnit，QualityHub 的部门代码）“%(code)s”，或无权查看。")
                % {"code": missing[0][:50]}
            )
        values = values.filter(department_id__in=found.values())
    if query.periods:
        values = values.filter(period__in=query.periods)
    elif query.start is not None:
        values = values.filter(period__in=periods_between(query.start, query.end))
    if query.last_updated is not None:
        values = values.filter(updated_at__gte=query.last_updated)
    values = values.order_by("pk").values_list(
        "indicator__code",
        "period",
        "department__code",
        "value",
        "updated_by__username",
        "created_at",
        "updated_at",
        "note",
        "followup",
    )
    if query.limit is not None:
        values = values[: query.limit]
    return values


def _stamp(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def json_stream(rows) -> Iterator[bytes]:
    """``{"dataValues": [...]}``, written as the rows arrive."""
    yield b'{"dataValues":['
    separator = ""
    batch = []
    for code, period, unit, value, stored_by, created, updated, note, followup in rows.iterator(
        chunk_size=STREAM_CHUNK
    ):
        batch.append(
            separator
            + json.dumps(
                {
                    "dataElement": code,
                    "period": period,
                    "orgUnit": unit,
                    "categoryOptionCombo": DEFAULT_COMBO_UID,
                    "attributeOptionCombo": DEFAULT_COMBO_UID,
                    "value": None if value is None else format_number(value),
                    "storedBy": stored_by or "",
                    "created": _stamp(created),
                    "lastUpdated": _stamp(updated),
                    "comment": note,
                    "followup": followup,
                },
                ensure_ascii=False,
            )
        )
        separator = ","
        if len(batch) >= STREAM_CHUNK:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield ("".join(batch) + "]}").encode("utf-8")


def csv_stream(rows) -> Iterator[bytes]:
    """DHIS2's data-value CSV (``reports.exchange.dhis2.CSV_COLUMNS``, the value sixth), lines
    ending in ``\\n`` and formula-like text neutralised, as ``export_values --format dhis2-csv``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = rows.iterator(chunk_size=STREAM_CHUNK)
    for count, (
        code,
        period,
        unit,
        value,
        stored_by,
        _created,
        updated,
        note,
        followup,
    ) in enumerate(rows, start=1):
        writer.writerow(
            [
                neutralise(code),
                period,
                neutralise(unit),
                DEFAULT_COMBO_UID,
                DEFAULT_COMBO_UID,
                "" if value is None else format_number(value),
                neutralise(stored_by or ""),
                _stamp(updated),
                neutralise(note),
                "true" if followup else "false",
                "false",
            ]
        )
        if count % STREAM_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- POST: importing values -------------------------------------------------------------------


#: DHIS2's error codes for the same conflicts (dhis2-core ``ErrorCode``), by DHIS2 property.
ERROR_CODES = {
    "dataElement": "E7610",  # Data element not found or not accessible
    "period": "E7611",  # Period not valid
    "orgUnit": "E7612",  # Organisation unit not found or not accessible
    "value": "E7619",  # Value must match data element's type constraints
    "comment": "E7620",  # Invalid comment
}
#: Where the checking step puts a message (its column's label) → DHIS2's property.
_PROPERTIES = (
    ("指标", "dataElement"),
    ("部门", "orgUnit"),
    ("期间", "period"),
    ("数值", "value"),
    ("说明", "comment"),
)


@dataclass
class ImportResult:
    """What an import did, in DHIS2's terms; ``errors`` stop it (nothing is written)."""

    total: int
    dry_run: bool
    strategy: str
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    conflicts: list[dict] = field(default_factory=list)
    errors: int = 0
    rejected: set[int] = field(default_factory=set)

    def conflict(self, index: int | None, prop: str, message: str, *, row=None, code=None):
        """One conflict, as DHIS2 2.40 writes it: ``object`` the text sent for ``prop`` (the
        data element where the value as a whole is concerned), ``objects`` the value's data
        element, period and org unit."""
        if index is not None:
            self.rejected.add(index)
        objects = {}
        if row is not None:
            sent = {
                "dataElement": row.data_element,
                "period": row.period,
                "orgUnit": row.org_unit,
                "value": row.value,
                "comment": row.comment,
            }
            objects = {k: sent[k] for k in ("dataElement", "period", "orgUnit") if sent[k]}
            obj = sent.get(prop, row.data_element)
        else:
            obj = "dataValueSet"
        entry = {"object": obj, "objects": objects, "value": message, "property": prop}
        code = ERROR_CODES.get(prop) if code is None else code
        if code:
            entry["errorCode"] = code
        entry["indexes"] = [] if index is None else [index]
        self.conflicts.append(entry)

    @property
    def status(self) -> str:
        if self.errors:
            return "ERROR"
        return "WARNING" if self.conflicts else "SUCCESS"

    def summary(self) -> dict:
        """DHIS2's ``ImportSummary`` (2.40: importOptions, description, importCount, conflicts,
        rejectedIndexes, dataSetComplete)."""
        if self.errors:
            description = _("有 %(n)d 处错误，未写入任何数据。") % {"n": self.errors}
        elif self.dry_run:
            description = _("试运行（dryRun）：未写入任何数据。")
        else:
            description = _("导入完成。")
        shown = self.conflicts[:CHANGES_SHOWN]
        if len(self.conflicts) > len(shown):
            description += _("冲突共 %(n)d 处，仅列出前 %(shown)d 处。") % {
                "n": len(self.conflicts),
                "shown": len(shown),
            }
        return {
            "responseType": "ImportSummary",
            "status": self.status,
            "importOptions": {
                "idSchemes": {},
                "dryRun": self.dry_run,
                "async": False,
                "importStrategy": self.strategy,
            },
            "description": description,
            "importCount": {
                "imported": self.imported,
                "updated": self.updated,
                "ignored": self.ignored,
                "deleted": 0,
            },
            "conflicts": shown,
            "rejectedIndexes": sorted(self.rejected)[:CHANGES_SHOWN],
            "dataSetComplete": "false",
        }

    def response(self):
        if self.status == "SUCCESS":
            return _web_message(200, _("导入成功。"), response=self.summary())
        message = (
            _("导入出错，未写入任何数据，请查看导入摘要。")
            if self.errors
            else _("存在冲突，请查看导入摘要。")
        )
        return _web_message(409, message, response=self.summary())


class PayloadProblem(Exception):
    """A payload that cannot be read at all: 400 (or 413), with one conflict saying why."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


def _refusal(problem: Exception, status: int, *, dry_run: bool, strategy: str):
    result = ImportResult(total=0, dry_run=dry_run, strategy=strategy, errors=1)
    result.conflict(None, "dataValueSet", str(problem), code="")
    return _web_message(
        status, _("导入出错，未写入任何数据，请查看导入摘要。"), response=result.summary()
    )


def _flag(params, name: str, payload: dict) -> bool:
    """A true/false import parameter: the payload's (as DHIS2 reads its XML attributes) or the
    query's; anything else than true/false is refused."""
    value = payload.get(name, params.get(name, "false"))
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("", "true", "false"):
        raise PayloadProblem(_("%(name)s 应为 true 或 false。") % {"name": name})
    return text == "true"


def read_payload(data: bytes, media_type: str) -> tuple[dict, Dhis2Table]:
    """The payload's set-level fields (JSON) and its values; raises PayloadProblem (400/413)
    for what is not a DHIS2 dataValueSet, ImportFileError (409) for one QualityHub refuses."""
    if len(data) > MAX_BYTES:
        raise PayloadProblem(
            _("请求内容超过 %(mb)d MB，请分批发送。") % {"mb": MAX_BYTES // 2**20}, status=413
        )
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise PayloadProblem(_("请求内容为空。"))
    payload: dict = {}
    if media_type == "application/json":
        if text[:1] != b"{":
            raise PayloadProblem(
                _(
                    "Content-Type 为 application/json，"
                    '但内容不是 JSON 对象（{"dataValues": [...]}）。'
                )
            )
        try:
            payload = json.loads(text.decode("utf-8"), parse_float=str, parse_int=str)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise PayloadProblem(_("JSON 格式有误，无法读取。")) from None
        try:  # a lone surrogate ("\ud800") is valid JSON but no text column can hold it
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadProblem(
                _("JSON 中含有无法处理的字符（单独的代理字符 \\ud800–\\udfff）。")
            ) from None
    elif text[:1] == b"{":
        raise PayloadProblem(_("Content-Type 为 CSV，但内容是 JSON；请改用 application/json。"))
    table = read_dhis2(data)
    return payload, table


def import_data_values(
    user,
    data: bytes,
    *,
    media_type: str,
    params,
) -> HttpResponse:
    """Check and write a posted dataValueSet; the response is DHIS2's import summary."""
    dry_run, strategy = False, "CREATE_AND_UPDATE"
    try:
        payload, table = read_payload(data, media_type)
        dry_run = _flag(params, "dryRun", payload)
        accept_flags = _flag(params, "acceptFlags", payload)
        asked = str(payload.get("importStrategy") or params.get("importStrategy") or strategy)
        strategy = STRATEGIES.get(asked.strip().upper(), "")
        if not strategy:
            strategy = "CREATE_AND_UPDATE"
            raise PayloadProblem(
                _(
                    "importStrategy“%(text)s”无效："
                    "应为 CREATE_AND_UPDATE、CREATE、UPDATE 或 DELETE。"
                )
                % {"text": asked[:50]}
            )
    except PayloadProblem as exc:
        return _refusal(exc, exc.status, dry_run=dry_run, strategy=strategy)
    except ImportFileError as exc:
        return _refusal(exc, 409, dry_run=dry_run, strategy=strategy)

    result = ImportResult(total=len(table.rows), dry_run=dry_run, strategy=strategy)
    rows = {row.row: (index, row) for index, row in enumerate(table.rows)}
    if strategy == "DELETE":
        for index, row in enumerate(table.rows):
            result.conflict(
                index,
                "deleted",
                _(
                    "QualityHub 不通过接口删除数值（importStrategy=DELETE）："
                    "数值只能通过填报与审核流程修改，未删除。"
                ),
                row=row,
                code="",
            )
        result.ignored = len(table.rows)
        return result.response()
    if not table.rows:
        return result.response()

    department = None if is_office(user) else department_of(user)
    filename = "dataValueSets." + ("json" if table.kind == "json" else "csv")
    try:
        preview = parse_values_file(data, filename, department=department)
    except ImportFileError as exc:
        return _refusal(exc, 409, dry_run=dry_run, strategy=strategy)

    for skipped in preview.skipped:
        index, row = rows.get(skipped["row"], (None, None))
        prop = "deleted" if row is not None and row.deleted else "value"
        result.conflict(index, prop, skipped["reason"], row=row, code="")
        result.ignored += 1
    for error in preview.errors:
        _error_conflict(result, error, rows)
    if department is None and preview.flags and not accept_flags:
        for flagged in preview.flags:
            index, row = rows.get(flagged["row"], (None, None))
            result.conflict(
                index,
                "value",
                flagged["message"] + _("确认无误后，请加参数 acceptFlags=true 重新发送。"),
                row=row,
            )
            result.errors += 1
    if result.errors:
        result.ignored = result.total
        return result.response()

    to_write = _apply_strategy(result, preview, rows)
    if department is None:
        _write_office(result, preview, to_write, user=user, filename=filename)
    else:
        _write_drafts(result, to_write, rows, user=user, department=department)
    if result.errors:
        result.imported = result.updated = 0
        result.ignored = result.total
    return result.response()


def _error_conflict(result: ImportResult, error: RowError, rows: dict) -> None:
    index, row = rows.get(error.row, (None, None))
    prop = next(
        (name for label, name in _PROPERTIES if error.column.startswith(label)), "dataValue"
    )
    result.conflict(index, prop, error.message, row=row)
    result.errors += 1


def _apply_strategy(result: ImportResult, preview: ImportPreview, rows: dict) -> list:
    """The checked rows the strategy writes; the others become conflicts, ignored."""
    keep = []
    for parsed in preview.rows:
        index, row = rows.get(parsed.row, (None, None))
        if result.strategy == "CREATE" and parsed.outcome != "new":
            result.conflict(
                index,
                "value",
                _("数值已存在，importStrategy=CREATE 只新增，未修改。"),
                row=row,
                code="",
            )
            result.ignored += 1
        elif result.strategy == "UPDATE" and parsed.outcome == "new":
            result.conflict(
                index,
                "value",
                _("数值不存在，importStrategy=UPDATE 只修改已有数值，未新增。"),
                row=row,
                code="",
            )
            result.ignored += 1
        else:
            keep.append(parsed)
    return keep


def _write_office(result, preview, to_write, *, user, filename) -> None:
    """The office's values: the office's import service (approved, set-based), or in a dry
    run the counts the checking step found."""
    if result.dry_run or not to_write:
        counts = {
            "new": sum(r.outcome == "new" for r in to_write),
            "updated": sum(r.outcome == "updated" for r in to_write),
            "unchanged": sum(r.outcome == "unchanged" for r in to_write),
        }
    else:
        preview.rows = to_write
        try:
            counts = import_values(preview, acting_user=user, accept_flags=True, via=ChangeVia.API)
        except ImportFileError as exc:
            result.conflict(None, "dataValueSet", str(exc), code="")
            result.errors += 1
            return
    result.imported += counts["new"]
    result.updated += counts["updated"]
    result.ignored += counts["unchanged"]


def closing_quarter(period: Period) -> Period:
    """The quarter whose form shows a row of ``period`` (an annual row: Q4): its closing
    closes the row, as on the form."""
    parts = {YEAR: 1, HALF: 2, QUARTER: 4}[period.kind]
    return Period(period.year, QUARTER, period.number * 4 // parts)


def _write_drafts(result, to_write, rows, *, user, department) -> None:
    """A department's values: each a draft through the form's service (an ``ANY_VERSION``
    write: a DHIS2 client replaces what is there, as a file does), all in one transaction
    that is rolled back on any conflict or in a dry run."""
    with transaction.atomic():
        for parsed in to_write:
            index, row = rows.get(parsed.row, (None, None))
            try:
                with transaction.atomic():
                    _rv, changed = reported_value_save_draft(
                        indicator=parsed.indicator,
                        department=department,
                        period=parsed.period,
                        value=parsed.value,
                        note=parsed.note,
                        acting_user=user,
                        expected_version=ANY_VERSION,
                        quarter=closing_quarter(Period.parse(parsed.period)),
                        via=ChangeVia.API,
                    )
            except RuleViolation as exc:
                prop = "comment" if exc.field == "note" else "value"
                result.conflict(index, prop, str(exc), row=row)
                result.errors += 1
                continue
            except (WorkflowError, StaleValueError) as exc:
                result.conflict(index, "value", str(exc), row=row, code="")
                result.errors += 1
                continue
            if not changed:
                result.ignored += 1
            elif parsed.outcome == "new":
                result.imported += 1
            else:
                result.updated += 1
        if result.errors or result.dry_run:
            transaction.set_rollback(True)


# --- The views and their OpenAPI description ---------------------------------------------------


class Dhis2DataValueSerializer(serializers.Serializer):
    """One data value as ``GET /api/dataValueSets`` writes it."""

    dataElement = serializers.CharField(help_text="指标代码")
    period = serializers.CharField(help_text="期间：2024、2024S1、2024Q3")
    orgUnit = serializers.CharField(help_text="部门代码")
    categoryOptionCombo = serializers.CharField(help_text="DHIS2 默认组合 HllvX50cXC0")
    attributeOptionCombo = serializers.CharField(help_text="DHIS2 默认组合 HllvX50cXC0")
    value = serializers.CharField(allow_null=True, help_text="数值（文字，按原样）")
    storedBy = serializers.CharField(help_text="最后修改人")
    created = serializers.CharField()
    lastUpdated = serializers.CharField()
    comment = serializers.CharField(help_text="说明")
    followup = serializers.BooleanField(help_text="办公室标记跟进")


class Dhis2DataValueSetSerializer(serializers.Serializer):
    dataValues = Dhis2DataValueSerializer(many=True)


class Dhis2DataValueInSerializer(serializers.Serializer):
    """One data value as DHIS2 sends it; only dataElement, period, orgUnit and value matter
    (period and orgUnit may come from the set)."""

    dataElement = serializers.CharField()
    period = serializers.CharField(required=False)
    orgUnit = serializers.CharField(required=False)
    categoryOptionCombo = serializers.CharField(required=False)
    attributeOptionCombo = serializers.CharField(required=False)
    value = serializers.CharField(required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True)
    storedBy = serializers.CharField(required=False, allow_blank=True)
    lastUpdated = serializers.CharField(required=False, allow_blank=True)
    followup = serializers.BooleanField(required=False)
    deleted = serializers.BooleanField(required=False)


class Dhis2DataValueSetInSerializer(serializers.Serializer):
    dataSet = serializers.CharField(required=False)
    completeDate = serializers.CharField(required=False)
    period = serializers.CharField(required=False)
    orgUnit = serializers.CharField(required=False)
    attributeOptionCombo = serializers.CharField(required=False)
    dataValues = Dhis2DataValueInSerializer(many=True)


_CONFLICTS = inline_serializer(
    "Dhis2ImportConflict",
    {
        "object": serializers.CharField(),
        "objects": serializers.DictField(child=serializers.CharField()),
        "value": serializers.CharField(),
        "property": serializers.CharField(),
        "errorCode": serializers.CharField(required=False),
        "indexes": serializers.ListField(child=serializers.IntegerField()),
    },
    many=True,
)
_SUMMARY = inline_serializer(
    "Dhis2ImportSummary",
    {
        "responseType": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["SUCCESS", "WARNING", "ERROR"]),
        "importOptions": serializers.DictField(),
        "description": serializers.CharField(),
        "importCount": inline_serializer(
            "Dhis2ImportCount",
            {
                "imported": serializers.IntegerField(),
                "updated": serializers.IntegerField(),
                "ignored": serializers.IntegerField(),
                "deleted": serializers.IntegerField(),
            },
        ),
        "conflicts": _CONFLICTS,
        "rejectedIndexes": serializers.ListField(child=serializers.IntegerField()),
        "dataSetComplete": serializers.CharField(),
    },
)
_IMPORT_MESSAGE = inline_serializer(
    "Dhis2ImportMessage",
    {
        "httpStatus": serializers.CharField(),
        "httpStatusCode": serializers.IntegerField(),
        "status": serializers.CharField(),
        "message": serializers.CharField(),
        "response": _SUMMARY,
    },
)
_WEB_MESSAGE = inline_serializer(
    "Dhis2WebMessage",
    {
        "httpStatus": serializers.CharField(),
        "httpStatusCode": serializers.IntegerField(),
        "status": serializers.CharField(),
        "message": serializers.CharField(),
    },
)

_GET_DESCRIPTION = (
    "DHIS2 的 dataValueSets（docs/api.md）：按 DHIS2 的参数读取用户可见的数值，"
    "部门用户只见本部门，办公室见全部；JSON 或 DHIS2 数据值 CSV，流式输出。"
    "dataElement＝指标代码，orgUnit＝部门代码，period＝2024、2024S1、2024Q3，"
    "dataSet＝规划文件代码。"
)
_POST_DESCRIPTION = (
    "发送 DHIS2 dataValueSet（JSON 或 CSV），返回 DHIS2 2.40 的导入摘要。"
    "办公室的数值按导入写入（审核通过），部门用户的数值为本部门草稿；"
    "有任何错误则全部不写入。importStrategy=DELETE 不删除任何数值。"
)
_GET_PARAMETERS = [
    OpenApiParameter(
        "dataSet",
        str,
        many=True,
        description="数据集：QualityHub 的规划文件代码（该文件设有目标的指标）。可重复。",
    ),
    OpenApiParameter("dataElement", str, many=True, description="数据元：指标代码。可重复。"),
    OpenApiParameter("period", str, many=True, description="期间：2024、2024S1、2024Q3。可重复。"),
    OpenApiParameter("startDate", OpenApiTypes.DATE, description="起始日期（与 endDate 同用）"),
    OpenApiParameter("endDate", OpenApiTypes.DATE, description="结束日期（与 startDate 同用）"),
    OpenApiParameter("orgUnit", str, many=True, description="组织机构：部门代码。可重复。"),
    OpenApiParameter("lastUpdated", str, description="只取此后修改的数值（日期或时间，ISO 8601）"),
    OpenApiParameter("limit", int, description="最多返回的数值个数"),
]
_POST_PARAMETERS = [
    OpenApiParameter("dryRun", bool, description="试运行：检查并返回导入摘要，不写入。"),
    OpenApiParameter(
        "importStrategy",
        str,
        enum=["CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE"],
        description="DELETE：每个数值作为冲突忽略，QualityHub 不通过接口删除数值。",
    ),
    OpenApiParameter(
        "acceptFlags",
        bool,
        description="办公室：确认需核对的数值（疑似把 94 % 填成 0.94，或超出预期范围）后写入。",
    ),
]
_POST_REQUEST = {
    "application/json": Dhis2DataValueSetInSerializer,
    "application/csv": OpenApiTypes.STR,
    "text/csv": OpenApiTypes.STR,
}
_POST_RESPONSES = {
    (200, "application/json"): _IMPORT_MESSAGE,
    (400, "application/json"): _IMPORT_MESSAGE,
    (409, "application/json"): _IMPORT_MESSAGE,
    (413, "application/json"): _IMPORT_MESSAGE,
}
_POST_EXAMPLE = OpenApiExample(
    "DHIS2 批量数据值",
    value={
        "dataValues": [
            {
                "dataElement": "MFG_PRODUCT_PASS_RATE",
                "period": "2024Q3",
                "orgUnit": "AMR",
                "value": "93.1",
            }
        ]
    },
    request_only=True,
)


def _get_responses(formats: tuple[str, ...]) -> dict:
    responses = {(409, "application/json"): _WEB_MESSAGE}
    if "json" in formats:
        responses[(200, "application/json")] = Dhis2DataValueSetSerializer
    if "csv" in formats:
        for media_type in CSV_TYPES:
            responses[(200, media_type)] = OpenApiTypes.STR
    return responses


class DataValueSetsView(ApiViewMixin, APIView):
    """DHIS2's ``/api/dataValueSets``: read values (GET) and send them (POST).

    Who may call it, the language and the refusals (401, 404, 415…) are the API's own
    (``api.base``); a refusal is JSON even where CSV was asked for.
    """

    parser_classes = [JsonPayloadParser, CsvPayloadParser, TextCsvPayloadParser]
    renderer_classes = [JSONRenderer, CsvRenderer, TextCsvRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        operation_id="dhis2_data_value_sets_read",
        summary="读取数据值（DHIS2 dataValueSets）",
        description=_GET_DESCRIPTION,
        parameters=_GET_PARAMETERS,
        responses=_get_responses(("json", "csv")),
        tags=["DHIS2"],
    )
    def get(self, request, *args, **kwargs):
        try:
            rows = visible_values(request.user, read_query(request.query_params))
        except QueryProblem as exc:
            return _web_message(409, str(exc))
        if request.accepted_renderer.format == "csv":
            response = StreamingHttpResponse(
                csv_stream(rows), content_type=f"{request.accepted_media_type}; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="dataValueSets.csv"'
            return response
        return StreamingHttpResponse(json_stream(rows), content_type="application/json")

    @extend_schema(
        operation_id="dhis2_data_value_sets_import",
        summary="发送数据值（DHIS2 dataValueSets），返回导入摘要",
        description=_POST_DESCRIPTION,
        parameters=_POST_PARAMETERS,
        request=_POST_REQUEST,
        responses=_POST_RESPONSES,
        examples=[_POST_EXAMPLE],
        tags=["DHIS2"],
    )
    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, bytes) else b""
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        return import_data_values(
            request.user, data, media_type=media_type, params=request.query_params
        )


class DataValueSetsJsonView(DataValueSetsView):
    """``/api/dataValueSets.json``: the values as JSON, whatever ``Accept`` says."""

    @extend_schema(
        operation_id="dhis2_data_value_sets_read_json",
        summary="读取数据值（JSON）",
        description=_GET_DESCRIPTION,
        parameters=_GET_PARAMETERS,
        responses=_get_responses(("json",)),
        tags=["DHIS2"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="dhis2_data_value_sets_import_json",
        summary="发送数据值（DHIS2 dataValueSets），返回导入摘要",
        description=_POST_DESCRIPTION,
        parameters=_POST_PARAMETERS,
        request=_POST_REQUEST,
        responses=_POST_RESPONSES,
        tags=["DHIS2"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class DataValueSetsCsvView(DataValueSetsView):
    """``/api/dataValueSets.csv``: the values as DHIS2's CSV, whatever ``Accept`` says."""

    @extend_schema(
        operation_id="dhis2_data_value_sets_read_csv",
        summary="读取数据值（CSV）",
        description=_GET_DESCRIPTION,
        parameters=_GET_PARAMETERS,
        responses=_get_responses(("csv",)),
        tags=["DHIS2"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="dhis2_data_value_sets_import_csv",
        summary="发送数据值（DHIS2 dataValueSets），返回导入摘要",
        description=_POST_DESCRIPTION,
        parameters=_POST_PARAMETERS,
        request=_POST_REQUEST,
        responses=_POST_RESPONSES,
        tags=["DHIS2"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
