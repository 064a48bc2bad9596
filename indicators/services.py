"""Writes to the catalogue: documents, indicators, targets, tasks, responsibilities and the
office's reporting assignments, and the fixture loader that goes through them.

Each entity has ``<entity>_clean`` (the values as stored, or ``ValidationError`` with Chinese
messages keyed by field), ``<entity>_save`` (clean, write what differs, announce the change so
that gaps are recomputed) and ``<entity>_delete``. The pattern, and the helpers shared with the
departments' services, are described in :mod:`departments.services`. Admin forms, the admin's
imports and :func:`catalog_load` all call these, so a rule lives in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from departments.choices import DepartmentKind, DepartmentStatus
from departments.models import Department, DepartmentAlias
from departments.services import (
    DELETED,
    UNCHANGED,
    Errors,
    NameOwners,
    Saved,
    StayedBehind,
    catalogue_batch,
    check_length,
    delete,
    department_alias_clean,
    department_clean,
    no_name_message,
    require,
    rows_follow_successors,
    same_name_message,
    text,
    write,
)

from .catalog import (
    Catalog,
    CatalogError,
    read_catalog,
    read_source_text,
    squeeze,
    validate_catalog,
)
from .choices import (
    Aggregation,
    Category,
    Comparator,
    DocumentKind,
    Frequency,
    ResponsibilityRole,
    ValueKind,
)
from .models import (
    AliasSource,
    Document,
    Indicator,
    IndicatorAlias,
    ReportingAssignment,
    Responsibility,
    Target,
    Task,
)
from .parsing import parse_choice, parse_comparator, parse_int, parse_value, parse_year
from .selectors import reporting_departments

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: Plans older than the People's Republic are not in scope; target years are 2000–2100.
DOCUMENT_YEAR_MIN = 1949


# --- Quotes -----------------------------------------------------------------------------------


def _check_quote(errors: Errors, document: Document | None, quote: str, reason: str) -> None:
    """A quote, or an explicit reason why there is none; a quote occurs in the document's text.

    A document without source text (none uploaded yet) cannot be checked; every document the
    admin creates has one, and the loader stores each fixture document's quote file.
    """
    if not quote and not reason:
        errors.add(
            "quote",
            _("请填写原文引用；确实无法引用原文时，在“无原文引用的理由”中说明理由。"),
        )
        return
    if quote and document is not None and document.contains_quote(quote) is False:
        errors.add(
            "quote",
            _("在文件“%(document)s”的原文中找不到这段引用（空白不计，标点须与原文一致）：%(quote)s")
            % {"document": document, "quote": quote[:80]},
        )


def _check_citation(errors: Errors, values: dict) -> None:
    require(errors, "document", values["document"], _("请选择文件。"))
    require(errors, "clause", values["clause"], _("请填写条款，例如 一（二）。"))
    _check_quote(errors, values["document"], values["quote"], values["no_quote_reason"])


def _others(model: type[models.Model], instance: models.Model | None) -> models.QuerySet:
    queryset = model._default_manager.all()
    if instance is not None and instance.pk:
        queryset = queryset.exclude(pk=instance.pk)
    return queryset


def _stored(model: type[models.Model], instance: models.Model | None, *fields: str):
    """Fields of ``instance`` as the database holds them (a form may already have changed the
    instance in memory); ``None`` for a new row."""
    if instance is None or instance.pk is None:
        return None
    return model._default_manager.filter(pk=instance.pk).values(*fields).first()


# --- Documents --------------------------------------------------------------------------------


def _years(raw) -> list[int]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[\s,，、;；]+", raw.strip("[] ")) if part]
    if not isinstance(raw, list | tuple):
        raise ValidationError(_("目标年份请写成年份列表，例如 [2025, 2035]。"))
    return sorted({parse_year(year) for year in raw})


def document_clean(
    *,
    document: Document | None = None,
    code: str,
    kind: str,
    title_zh: str,
    title_en: str = "",
    issuer_zh: str = "",
    issued_on: dt.date | None = None,
    issued_year,
    date_note: str = "",
    horizon_years=None,
    source_text: str,
    source_file: str = "",
    quote_file: str = "",
    note: str = "",
) -> dict:
    """A source document as stored. Its ``source_text`` (an uploaded text, or a fixture
    document's quote file) is required: every quote citing the document is checked against it,
    and a changed text must still contain the quotes already citing the document."""
    errors = Errors()
    values = {
        "code": text(code),
        "kind": kind,
        "title_zh": text(title_zh),
        "title_en": text(title_en),
        "issuer_zh": text(issuer_zh),
        "issued_on": issued_on,
        "issued_year": None,
        "date_note": text(date_note),
        "horizon_years": [],
        "source_text": (source_text or "").strip(),
        "source_file": text(source_file),
        "quote_file": text(quote_file),
        "note": text(note),
    }
    require(errors, "code", values["code"], _("请填写文件代码，例如 plan-2026。"))
    if values["code"] and not _SLUG.match(values["code"]):
        errors.add("code", _("文件代码只能用英文字母、数字、连字符和下划线，例如 plan-2026。"))
    elif values["code"] and _others(Document, document).filter(code=values["code"]).exists():
        errors.add("code", _("文件代码“%(code)s”已被使用。") % {"code": values["code"]})
    try:
        values["kind"] = parse_choice(kind, DocumentKind)
    except ValidationError as exc:
        errors.add("kind", exc)
    require(errors, "title_zh", values["title_zh"], _("请填写文件标题。"))
    try:
        values["issued_year"] = parse_year(issued_year, low=DOCUMENT_YEAR_MIN)
    except ValidationError as exc:
        errors.add("issued_year", exc)
    if issued_on is not None and values["issued_year"] and issued_on.year != values["issued_year"]:
        errors.add("issued_on", _("发布日期与发布年份不一致。"))
    try:
        values["horizon_years"] = _years(horizon_years)
    except ValidationError as exc:
        errors.add("horizon_years", exc)
    if not values["source_text"]:
        errors.add("source_text", _("请上传文件原文（.txt 纯文本），引用将与之逐字核对。"))
    check_length(errors, Document, values)
    stored = _stored(Document, document, "source_text")
    if stored and values["source_text"] and stored["source_text"] != values["source_text"]:
        _check_existing_quotes(errors, document, values["source_text"])
    errors.raise_if_any()
    return values


def _check_existing_quotes(errors: Errors, document: Document, source_text: str) -> None:
    """A new text for a document must still contain every quote already citing it."""
    probe = Document(source_text=source_text)
    missing = [
        row
        for queryset in (
            Target.objects.filter(document=document).select_related("indicator"),
            Task.objects.filter(document=document),
            Responsibility.objects.filter(document=document),
            IndicatorAlias.objects.filter(document=document),
        )
        for row in queryset.exclude(quote="")
        if not probe.contains_quote(row.quote)
    ]
    if missing:
        errors.add(
            "source_text",
            _("新原文中找不到该文件已有的 %(n)d 条引用，例如“%(quote)s”（%(row)s）。")
            % {"n": len(missing), "quote": missing[0].quote[:60], "row": missing[0]},
        )


@transaction.atomic
def document_save(*, document: Document | None = None, acting_user, **fields) -> Saved[Document]:
    """Create a document, or update ``document``; ``fields`` are those of
    :func:`document_clean`."""
    values = document_clean(document=document, **fields)
    return write(Document, document, values, acting_user=acting_user)


@transaction.atomic
def document_delete(*, document: Document, acting_user) -> None:
    delete(document, acting_user=acting_user)


# --- Indicators -------------------------------------------------------------------------------


def indicator_clean(
    *,
    indicator: Indicator | None = None,
    code: str,
    name_zh: str,
    name_en: str = "",
    unit: str = "",
    value_kind: str,
    decimals=2,
    min_value=None,
    max_value=None,
    frequency: str = Frequency.QUARTERLY,
    category: str,
    aggregation: str = Aggregation.LEAD,
    region_department: Department | None = None,
    region_parts: str = "",
    note: str = "",
) -> dict:
    """An indicator as stored: fixed choices by code or Chinese label, an ordered valid range,
    and a region rule that cannot add up one regional figure several times.

    ``region_department`` (``lead`` only) names the department whose figure is the region's:
    a current department that reports the indicator (:func:`_check_region_department`).
    ``sum`` needs ``region_parts``: each reporting department's part, the parts disjoint.
    """
    errors = Errors()
    values = {
        "code": text(code),
        "name_zh": text(name_zh),
        "name_en": text(name_en),
        "unit": text(unit),
        "value_kind": value_kind,
        "decimals": decimals,
        "min_value": None,
        "max_value": None,
        "frequency": frequency,
        "category": category,
        "aggregation": aggregation,
        "region_department": region_department,
        "region_parts": text(region_parts),
        "note": text(note),
    }
    require(errors, "code", values["code"], _("请填写指标代码。"))
    if values["code"] and not _CODE.match(values["code"]):
        errors.add(
            "code",
            _("指标代码只能用大写英文字母、数字和下划线，以字母开头，例如 MFG_PRODUCT_PASS_RATE。"),
        )
    elif values["code"] and _others(Indicator, indicator).filter(code=values["code"]).exists():
        errors.add("code", _("指标代码“%(code)s”已被使用。") % {"code": values["code"]})
    require(errors, "name_zh", values["name_zh"], _("请填写指标名称。"))
    for name, choices in (
        ("value_kind", ValueKind),
        ("frequency", Frequency),
        ("category", Category),
        ("aggregation", Aggregation),
    ):
        try:
            values[name] = parse_choice(values[name], choices)
        except ValidationError as exc:
            errors.add(name, exc)
    try:
        values["decimals"] = parse_int(decimals if decimals not in (None, "") else 2, low=0, high=6)
    except ValidationError as exc:
        errors.add("decimals", exc)
    for name, raw in (("min_value", min_value), ("max_value", max_value)):
        try:
            values[name] = parse_value(raw, unit=values["unit"])
        except ValidationError as exc:
            errors.add(name, exc)
    low, high = values["min_value"], values["max_value"]
    if low is not None and high is not None and low > high:
        errors.add("max_value", _("有效范围上限不能小于下限。"))
    if "aggregation" not in errors:
        _check_region_rule(errors, indicator, values)
    check_length(errors, Indicator, values)
    stored = _stored(Indicator, indicator, "value_kind")
    if stored and "value_kind" not in errors:
        qualitative_before = stored["value_kind"] == ValueKind.QUALITATIVE
        qualitative_now = values["value_kind"] == ValueKind.QUALITATIVE
        if qualitative_before != qualitative_now and indicator.targets.exists():
            errors.add(
                "value_kind",
                _("该指标已有目标：定性与定量之间的改变会使目标值失去意义，请先修改或删除目标。"),
            )
    errors.raise_if_any()
    return values


def _check_region_rule(errors: Errors, indicator: Indicator | None, values: dict) -> None:
    aggregation, department = values["aggregation"], values["region_department"]
    if department is not None and aggregation != Aggregation.LEAD:
        errors.add(
            "region_department",
            _("只有“取一个部门的数值”方式才指定全区数值填报部门：请清空此项，或改用该方式。"),
        )
    elif department is not None:
        _check_region_department(errors, indicator, department)
    if aggregation == Aggregation.SUM and not values["region_parts"]:
        errors.add(
            "region_parts",
            _(
                "“各部门分项求和”须逐个写明每个填报部门所报的部分，且各部分互不重叠。"
                "几个部门报的是同一个全区统计数时，请改用“取一个部门的数值”。"
            ),
        )
    elif aggregation != Aggregation.SUM and values["region_parts"]:
        errors.add(
            "region_parts",
            _("只有“各部门分项求和”方式才填写各部门所报部分：请清空此项。"),
        )


def _check_region_department(
    errors: Errors, indicator: Indicator | None, department: Department
) -> None:
    """The region department is a current department, and one that reports the indicator.

    Which departments report is checked when the choice changes (a load or an edit of another
    field keeps a stored choice). An indicator that no department reports yet (a new one, or a
    figure only published in an article) may name any current department: the one whose
    figures the office enters for it.
    """
    if department.status != DepartmentStatus.CURRENT:
        errors.add(
            "region_department",
            _("“%(name)s”是历史部门，请指定现部门“%(current)s”。")
            % {"name": department.name_zh, "current": department.current().name_zh},
        )
        return
    stored = _stored(Indicator, indicator, "region_department")
    if stored is not None and stored["region_department"] == department.pk:
        return
    reporting = reporting_departments(indicator.pk).get(indicator.pk, []) if indicator else []
    if reporting and department not in reporting:
        errors.add(
            "region_department",
            _("“%(name)s”对该指标没有填报职责。全区数值须取填报该指标的部门之一：%(choices)s。")
            % {
                "name": department.name_zh,
                "choices": "、".join(d.short_name_zh or d.name_zh for d in reporting),
            },
        )


@transaction.atomic
def indicator_save(
    *, indicator: Indicator | None = None, acting_user, **fields
) -> Saved[Indicator]:
    """Create an indicator, or update ``indicator``; ``fields`` are those of
    :func:`indicator_clean`."""
    values = indicator_clean(indicator=indicator, **fields)
    return write(Indicator, indicator, values, acting_user=acting_user)


@transaction.atomic
def indicator_delete(*, indicator: Indicator, acting_user) -> None:
    delete(indicator, acting_user=acting_user)


# --- Indicator aliases ------------------------------------------------------------------------


def indicator_spellings(*, exclude_alias: int | None = None) -> NameOwners:
    """Every name of every indicator (code, Chinese and English names, aliases) by the
    indicator's pk, as files compare names. Two queries."""
    names = [
        (name, pk)
        for pk, *spellings in Indicator.objects.values_list("pk", "code", "name_zh", "name_en")
        for name in spellings
    ]
    aliases = IndicatorAlias.objects.exclude(pk=exclude_alias).values_list("name", "indicator_id")
    return NameOwners.of([*names, *aliases])


def indicator_alias_clean(
    *,
    alias: IndicatorAlias | None = None,
    indicator: Indicator | None,
    name: str,
    source: str = AliasSource.OFFICE,
    document: Document | None = None,
    clause: str = "",
    quote: str = "",
) -> dict:
    """Another name of an indicator, as stored.

    A document's wording cites the document, the clause and a passage that contains the name
    verbatim, checked against the document's text like any quote. A name the office confirmed
    (a file wrote it) cites nothing. Either way the name belongs to this indicator alone: it is
    not another indicator's name or alias, also as files compare names (the region's prefix,
    quotes, spaces and a unit in brackets aside), or a file writing it would find the other.
    """
    errors = Errors()
    values = {
        "indicator": indicator,
        "name": text(name),
        "source": source,
        "document": document,
        "clause": text(clause),
        "quote": text(quote),
    }
    if indicator is None:
        errors.add("indicator", _("请选择指标。"))
    require(errors, "name", values["name"], _("请填写指标的另一种写法。"))
    try:
        values["source"] = parse_choice(source, AliasSource)
    except ValidationError as exc:
        errors.add("source", exc)
    check_length(errors, IndicatorAlias, values)
    if values["source"] == AliasSource.DOCUMENT:
        require(errors, "document", document, _("请选择使用该写法的文件。"))
        require(errors, "clause", values["clause"], _("请填写条款，例如 一（二）。"))
        require(errors, "quote", values["quote"], _("请填写文件中含有该写法的原文。"))
        if values["quote"] and values["name"]:
            if squeeze(values["name"]) not in squeeze(values["quote"]):
                errors.add("quote", _("原文中没有“%(name)s”这一写法。") % {"name": values["name"]})
            elif document is not None and document.contains_quote(values["quote"]) is False:
                errors.add(
                    "quote",
                    _(
                        "在文件“%(document)s”的原文中找不到这段引用（空白不计，标点须与原文一致）：%(quote)s"
                    )
                    % {"document": document, "quote": values["quote"][:80]},
                )
    elif values["source"] == AliasSource.OFFICE and (
        document is not None or values["clause"] or values["quote"]
    ):
        errors.add(
            "document",
            _("办公室确认的写法不引用文件；引用文件原文时，来源请选“文件原文”。"),
        )
    if values["name"] and indicator is not None and "name" not in errors:
        _check_indicator_spelling(errors, values["name"], indicator, alias)
    errors.raise_if_any()
    return values


def _check_indicator_spelling(
    errors: Errors, name: str, indicator: Indicator, alias: IndicatorAlias | None
) -> None:
    owner = _others(IndicatorAlias, alias).filter(name=name).select_related("indicator").first()
    if owner is not None and owner.indicator_id == indicator.pk:
        errors.add("name", _("“%(name)s”已是该指标的别名。") % {"name": name})
        return
    if owner is not None:
        errors.add(
            "name",
            _("“%(name)s”已是指标“%(other)s”的别名。") % {"name": name, "other": owner.indicator},
        )
        return
    spellings = indicator_spellings(exclude_alias=alias.pk if alias else None)
    clashes = spellings.clashes(name, indicator.pk)
    if clashes is None:
        errors.add("name", no_name_message(name))
    elif clashes:
        other = Indicator.objects.filter(pk__in=clashes).order_by("code").first()
        errors.add("name", same_name_message(name, other=other, owner=indicator))


@transaction.atomic
def indicator_alias_save(
    *, alias: IndicatorAlias | None = None, acting_user, **fields
) -> Saved[IndicatorAlias]:
    """Create an alias, or update ``alias``; ``fields`` are those of
    :func:`indicator_alias_clean`. A new alias records who confirmed it. The office confirming
    a name that is already this indicator's (the import page, twice) changes nothing."""
    if alias is None and fields.get("indicator") is not None:
        existing = IndicatorAlias.objects.filter(
            name=text(fields.get("name")), indicator=fields["indicator"]
        ).first()
        if existing is not None and fields.get("source", AliasSource.OFFICE) == AliasSource.OFFICE:
            return Saved(existing, UNCHANGED)
    values = indicator_alias_clean(alias=alias, **fields)
    if alias is None or alias.pk is None:
        values["created_by"] = acting_user if getattr(acting_user, "pk", None) else None
    return write(IndicatorAlias, alias, values, acting_user=acting_user)


@transaction.atomic
def indicator_alias_delete(*, alias: IndicatorAlias, acting_user) -> None:
    delete(alias, acting_user=acting_user)


# --- Targets ----------------------------------------------------------------------------------


def target_clean(
    *,
    target: Target | None = None,
    indicator: Indicator | None,
    document: Document | None,
    year,
    comparator,
    value=None,
    clause: str,
    quote: str = "",
    no_quote_reason: str = "",
    note: str = "",
) -> dict:
    """A target as stored.

    The comparator may be written as a symbol or a word (≥, 以上, 不低于, 超过, 以内, 低于…:
    :data:`indicators.parsing.COMPARATOR_WORDS`); the value as a spreadsheet or a person gives
    it (96, 96.5, "９６．５", "1,576", "96.5%" for a % indicator). A qualitative indicator's
    target has no value (and its comparator may be left blank, meaning "="); any other needs
    one, within the indicator's valid range.
    """
    errors = Errors()
    values = {
        "indicator": indicator,
        "document": document,
        "year": None,
        "comparator": None,
        "value": None,
        "clause": text(clause),
        "quote": text(quote),
        "no_quote_reason": text(no_quote_reason),
        "note": text(note),
    }
    if indicator is None:
        errors.add("indicator", _("请选择指标。"))
    try:
        values["year"] = parse_year(year)
    except ValidationError as exc:
        errors.add("year", exc)
    qualitative = indicator is not None and indicator.is_qualitative
    try:
        if qualitative and not text(comparator):
            values["comparator"] = Comparator.EQ
        else:
            values["comparator"] = parse_comparator(comparator)
    except ValidationError as exc:
        errors.add("comparator", exc)
    try:
        values["value"] = parse_value(value, unit=indicator.unit if indicator else "")
    except ValidationError as exc:
        errors.add("value", exc)
    if indicator is not None and "value" not in errors:
        number = values["value"]
        if qualitative and number is not None:
            errors.add(
                "value",
                _("“%(indicator)s”是定性指标，目标不填目标值。") % {"indicator": indicator},
            )
        elif not qualitative and number is None:
            errors.add("value", _("请填写目标值。"))
        elif number is not None and not indicator.in_range(number):
            errors.add(
                "value",
                _("目标值 %(value)s 超出该指标的有效范围（%(low)s 至 %(high)s）。")
                % {
                    "value": f"{number.normalize():f}",
                    "low": "—" if indicator.min_value is None else f"{indicator.min_value:f}",
                    "high": "—" if indicator.max_value is None else f"{indicator.max_value:f}",
                },
            )
    _check_citation(errors, values)
    check_length(errors, Target, values)
    if indicator is not None and document is not None and values["year"] is not None:
        duplicate = _others(Target, target).filter(
            indicator=indicator, document=document, year=values["year"]
        )
        if duplicate.exists():
            errors.add(
                "year",
                _("文件“%(document)s”已为“%(indicator)s”设定了 %(year)d 年的目标。")
                % {"document": document, "indicator": indicator, "year": values["year"]},
            )
    errors.raise_if_any()
    return values


@transaction.atomic
def target_save(*, target: Target | None = None, acting_user, **fields) -> Saved[Target]:
    """Create a target, or update ``target``; ``fields`` are those of :func:`target_clean`."""
    values = target_clean(target=target, **fields)
    return write(Target, target, values, acting_user=acting_user)


@transaction.atomic
def target_delete(*, target: Target, acting_user) -> None:
    delete(target, acting_user=acting_user)


# --- Tasks ------------------------------------------------------------------------------------


def task_clean(
    *,
    task: Task | None = None,
    code: str,
    document: Document | None,
    title_zh: str,
    clause: str,
    quote: str = "",
    no_quote_reason: str = "",
    note: str = "",
) -> dict:
    """A qualitative task as stored: a unique code, its title, and its citation."""
    errors = Errors()
    values = {
        "code": text(code),
        "document": document,
        "title_zh": text(title_zh),
        "clause": text(clause),
        "quote": text(quote),
        "no_quote_reason": text(no_quote_reason),
        "note": text(note),
    }
    require(errors, "code", values["code"], _("请填写任务代码。"))
    if values["code"] and not _CODE.match(values["code"]):
        errors.add("code", _("任务代码只能用大写英文字母、数字和下划线，以字母开头，例如 AP_1_1。"))
    elif values["code"] and _others(Task, task).filter(code=values["code"]).exists():
        errors.add("code", _("任务代码“%(code)s”已被使用。") % {"code": values["code"]})
    require(errors, "title_zh", values["title_zh"], _("请填写任务名称。"))
    _check_citation(errors, values)
    check_length(errors, Task, values)
    errors.raise_if_any()
    return values


@transaction.atomic
def task_save(*, task: Task | None = None, acting_user, **fields) -> Saved[Task]:
    """Create a task, or update ``task``; ``fields`` are those of :func:`task_clean`."""
    values = task_clean(task=task, **fields)
    return write(Task, task, values, acting_user=acting_user)


@transaction.atomic
def task_delete(*, task: Task, acting_user) -> None:
    delete(task, acting_user=acting_user)


# --- Responsibilities -------------------------------------------------------------------------


def _spellings(department: Department) -> set[str]:
    """Every way the documents may write ``department``: code, name and aliases (which the
    departments' services keep from naming any other department). Uses prefetched aliases
    where the caller has them (the loader)."""
    return {department.code, department.name_zh, *(a.name for a in department.aliases.all())}


def responsibility_clean(
    *,
    responsibility: Responsibility | None = None,
    indicator: Indicator | None = None,
    task: Task | None = None,
    department: Department | None,
    department_as_written: str = "",
    role,
    document: Document | None,
    clause: str,
    quote: str = "",
    no_quote_reason: str = "",
    note: str = "",
) -> dict:
    """A department's part in an indicator or a task, as a document assigns it.

    ``department_as_written`` is the document's own wording (the department's full name when
    left empty); it must be a name, code or alias of ``department``, so that the wording and
    the department never disagree.
    """
    errors = Errors()
    values = {
        "indicator": indicator,
        "task": task,
        "department": department,
        "department_as_written": text(department_as_written),
        "role": role,
        "document": document,
        "clause": text(clause),
        "quote": text(quote),
        "no_quote_reason": text(no_quote_reason),
        "note": text(note),
    }
    if (indicator is None) == (task is None):
        errors.add("indicator", _("请在指标和任务中选择且只选择一项。"))
    if department is None:
        errors.add("department", _("请选择部门。"))
    elif not values["department_as_written"]:
        values["department_as_written"] = department.name_zh
    elif values["department_as_written"] not in _spellings(department):
        errors.add(
            "department_as_written",
            _(
                "“%(written)s”不是部门“%(department)s”的名称、代码或别名；"
                "如果文件这样称呼它，请先在部门别名中添加这个写法。"
            )
            % {"written": values["department_as_written"], "department": department.name_zh},
        )
    try:
        values["role"] = parse_choice(role, ResponsibilityRole)
    except ValidationError as exc:
        errors.add("role", exc)
    _check_citation(errors, values)
    check_length(errors, Responsibility, values)
    if department is not None and document is not None and "role" not in errors:
        subject = {"indicator": indicator} if indicator is not None else {"task": task}
        duplicate = _others(Responsibility, responsibility).filter(
            **subject, department=department, document=document, role=values["role"]
        )
        if (indicator is None) != (task is None) and duplicate.exists():
            errors.add(
                "role",
                _("文件“%(document)s”已给“%(department)s”分配了这项职责。")
                % {"document": document, "department": department.name_zh},
            )
    errors.raise_if_any()
    return values


@transaction.atomic
def responsibility_save(
    *, responsibility: Responsibility | None = None, acting_user, **fields
) -> Saved[Responsibility]:
    """Create a responsibility, or update ``responsibility``; ``fields`` are those of
    :func:`responsibility_clean`."""
    values = responsibility_clean(responsibility=responsibility, **fields)
    return write(Responsibility, responsibility, values, acting_user=acting_user)


@transaction.atomic
def responsibility_delete(*, responsibility: Responsibility, acting_user) -> None:
    delete(responsibility, acting_user=acting_user)


# --- Reporting assignments --------------------------------------------------------------------


def reporting_assignment_clean(
    *,
    assignment: ReportingAssignment | None = None,
    indicator: Indicator | None,
    department: Department | None,
    role,
    basis: str,
) -> dict:
    """The office's decision that a current department reports an indicator, with its basis."""
    errors = Errors()
    values = {"indicator": indicator, "department": department, "role": role, "basis": text(basis)}
    if indicator is None:
        errors.add("indicator", _("请选择指标。"))
    if department is None:
        errors.add("department", _("请选择部门。"))
    elif department.status != DepartmentStatus.CURRENT:
        errors.add(
            "department",
            _("“%(name)s”是历史部门，请指定现部门“%(current)s”。")
            % {"name": department.name_zh, "current": department.current().name_zh},
        )
    try:
        values["role"] = parse_choice(role, ResponsibilityRole)
    except ValidationError as exc:
        errors.add("role", exc)
    require(errors, "basis", values["basis"], _("请说明指定依据（该部门的职责）。"))
    duplicate = (
        indicator is not None
        and department is not None
        and "role" not in errors
        and _others(ReportingAssignment, assignment)
        .filter(indicator=indicator, department=department, role=values["role"])
        .exists()
    )
    if duplicate:
        errors.add("role", _("已有相同的填报指定。"))
    errors.raise_if_any()
    return values


@transaction.atomic
def reporting_assignment_save(
    *, assignment: ReportingAssignment | None = None, acting_user, **fields
) -> Saved[ReportingAssignment]:
    """Create an assignment, or update ``assignment``; ``fields`` are those of
    :func:`reporting_assignment_clean`."""
    values = reporting_assignment_clean(assignment=assignment, **fields)
    return write(ReportingAssignment, assignment, values, acting_user=acting_user)


@transaction.atomic
def reporting_assignment_delete(*, assignment: ReportingAssignment, acting_user) -> None:
    delete(assignment, acting_user=acting_user)


def assignments_follow_successors(moves: dict[int, int]) -> tuple[int, list[StayedBehind]]:
    """Assignments of departments that became historical pass to today's department
    (``moves``: :func:`departments.services.successor_moves`); one that today's department
    already has (same indicator and role) stays and is returned. Responsibilities do not move:
    they keep the department the document names and resolve through ``current()``."""
    return rows_follow_successors(
        ReportingAssignment.objects.all(), key=("indicator", "role"), moves=moves
    )


# --- The fixture loader -----------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a catalogue load did, per kind of row."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def changed(self) -> int:
        return sum(
            n for counter in self.counts.values() for k, n in counter.items() if k != "unchanged"
        )

    def lines(self) -> list[str]:
        order = ("created", "updated", "deleted", "unchanged")
        return [
            f"{kind}: " + ", ".join(f"{k} {counter[k]}" for k in order if counter[k])
            for kind, counter in self.counts.items()
        ]


class _Loader:
    """Checks each fixture row with its service's validator (``target_clean``…) and writes it
    with the services' :func:`~departments.services.write`, recording outcomes and problems.

    The whole load is one transaction and every check runs before any write, so rows need no
    savepoint of their own (the services' ``atomic`` would add two queries per row).
    """

    #: The keyword by which each ``*_clean`` takes the row it changes.
    INSTANCE = {
        Document: "document",
        Department: "department",
        DepartmentAlias: "alias",
        Indicator: "indicator",
        IndicatorAlias: "alias",
        Target: "target",
        Task: "task",
        Responsibility: "responsibility",
        ReportingAssignment: "assignment",
    }

    def __init__(self, report: LoadReport, acting_user):
        self.report = report
        self.acting_user = acting_user
        self.problems: list[str] = []

    def save(self, kind: str, where: str, model: type[models.Model], clean, /, **fields):
        try:
            values = clean(**fields)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.problems.append(f"{where}: {name}: {message}")
            return None
        current = fields.get(self.INSTANCE[model])
        # Existing rows were read with select_for_update (see _locked), in this transaction.
        saved = write(model, current, values, acting_user=self.acting_user, locked=True)
        self.report.add(kind, saved.outcome)
        return saved.obj

    def delete(self, kind: str, obj: models.Model) -> None:
        delete(obj, acting_user=self.acting_user)
        self.report.add(kind, DELETED)

    def raise_if_any(self) -> None:
        if self.problems:
            raise CatalogError(self.problems)


def _locked(model: type[models.Model]) -> models.QuerySet:
    """Every row of ``model``, locked until the load commits (no admin edit slips in between)."""
    return model._default_manager.select_for_update(of=("self",))


def _load_departments(catalog: Catalog, load: _Loader) -> dict[str, Department]:
    by_code = {d["code"]: d for d in catalog.departments}

    def depth(code: str) -> int:  # successors must exist before the departments that point to them
        n = 0
        while by_code[code].get("successor"):
            code, n = by_code[code]["successor"], n + 1
        return n

    wanted = {
        alias: row["code"]
        for row in catalog.departments
        for alias in {row.get("short_name_zh"), *row.get("aliases", [])}
        if alias and alias != row["name_zh"]
    }
    # Spellings the fixtures now give another department go first, so that it may take them.
    # The others stay, also those the fixtures no longer list: an alias does not record where it
    # came from, and the names the office confirmed on the import page live only here.
    spelled = {
        name: row["code"]
        for row in catalog.departments
        for name in (row["code"], row["name_zh"], row.get("short_name_zh"), *row.get("aliases", []))
        if name
    }
    existing_aliases = {}
    for alias in _locked(DepartmentAlias).select_related("department"):
        if spelled.get(alias.name, alias.department.code) != alias.department.code:
            load.delete("department aliases", alias)
        else:
            existing_aliases[alias.name] = alias

    existing = _locked(Department).in_bulk(field_name="code")
    saved: dict[str, Department] = {}
    for row in sorted(catalog.departments, key=lambda d: depth(d["code"])):
        department = load.save(
            "departments",
            f"department {row['code']}",
            Department,
            department_clean,
            department=existing.get(row["code"]),
            code=row["code"],
            name_zh=row["name_zh"],
            short_name_zh=row.get("short_name_zh") or "",
            name_en=row.get("name_en") or "",
            status=row["status"],
            successor=saved.get(row.get("successor") or ""),
            note=row.get("note") or "",
            sources=row.get("sources") or [],
            kind=row.get("kind") or DepartmentKind.DEPARTMENT,
            successor_year=row.get("successor_year"),
            successor_source=row.get("successor_source") or "",
            successor_quote=row.get("successor_quote") or "",
            unconfirmed=row.get("unconfirmed") or "",
        )
        if department is not None:
            saved[row["code"]] = department
    load.raise_if_any()

    for name, code in wanted.items():
        load.save(
            "department aliases",
            f"department {code} alias {name}",
            DepartmentAlias,
            department_alias_clean,
            alias=existing_aliases.get(name),
            name=name,
            department=saved[code],
        )
    load.raise_if_any()
    return saved


def _load_indicator_aliases(
    catalog: Catalog,
    indicators: dict[str, Indicator],
    documents: dict[str, Document],
    load: _Loader,
) -> None:
    """Each document wording the fixtures list, as a document alias of its indicator.

    Document aliases of fixture documents that the fixtures no longer list go, and so does an
    alias whose name the fixtures now give another indicator (first, so that it may take the
    name); aliases the office confirmed, or that cite documents added in the admin, stay.
    """
    wanted = {
        alias["name"]: (row["code"], alias)
        for row in catalog.indicators
        for alias in row.get("aliases") or []
    }
    fixture_documents = {document.pk for document in documents.values()}
    existing: dict[str, IndicatorAlias] = {}
    for alias in _locked(IndicatorAlias).select_related("indicator"):
        code = wanted.get(alias.name, (None,))[0]
        moved = code is not None and code != alias.indicator.code
        dropped = (
            code is None
            and alias.source == AliasSource.DOCUMENT
            and alias.document_id in fixture_documents
        )
        if moved or dropped:
            load.delete("indicator aliases", alias)
        else:
            existing[alias.name] = alias
    for name, (code, row) in wanted.items():
        load.save(
            "indicator aliases",
            f"indicator {code} alias {name}",
            IndicatorAlias,
            indicator_alias_clean,
            alias=existing.get(name),
            indicator=indicators[code],
            name=name,
            source=AliasSource.DOCUMENT,
            document=documents[row["document"]],
            clause=row["clause"],
            quote=row["quote"],
        )
    load.raise_if_any()


@transaction.atomic
def catalog_load(
    *,
    directory: Path | None = None,
    sources_dir: Path | None = None,
    acting_user: AbstractBaseUser | None = None,
    catalog: Catalog | None = None,
) -> LoadReport:
    """Bring the database up to date with the catalogue fixtures, in one transaction.

    The fixtures are checked as a whole first (:func:`indicators.catalog.validate_catalog`:
    references, duplicates, quotes against the files); then every row is checked by the same
    validator as the admin and the imports (``document_clean``, ``target_clean``…) and written
    through the same :func:`~departments.services.write`. Rows are matched by natural key
    (codes; names for aliases; indicator × document × year for targets; subject × department ×
    document × role for responsibilities) and written only where a field differs, so loading
    twice changes nothing.
    Targets, tasks and responsibilities of a fixture document that the fixtures no longer list
    are removed; rows of other documents (added in the admin or by import) are left alone. Each
    document's quote file is stored as its ``source_text``. One ``catalogue_changed`` per kind
    of row that changed is sent after the commit.

    The published figures of ``reported_values.yaml`` are reported values, which the reports
    app loads (``reports.reporting.services.catalogue_load`` does both in one transaction).
    """
    directory = Path(directory or settings.CATALOG_DIR)
    sources_dir = Path(sources_dir or settings.CATALOG_SOURCES_DIR)
    catalog = catalog or read_catalog(directory)
    validate_catalog(catalog, sources_dir)
    report = LoadReport()
    load = _Loader(report, acting_user)
    with catalogue_batch():
        _load_rows(catalog, sources_dir, load)
    return report


def _load_rows(catalog: Catalog, sources_dir: Path, load: _Loader) -> None:
    existing_documents = _locked(Document).in_bulk(field_name="code")
    documents: dict[str, Document] = {}
    for row in catalog.documents:
        existing = existing_documents.get(row["code"])
        document = load.save(
            "documents",
            f"document {row['code']}",
            Document,
            document_clean,
            document=existing,
            code=row["code"],
            kind=row["kind"],
            title_zh=row["title_zh"],
            title_en=row.get("title_en") or "",
            issuer_zh=row.get("issuer_zh") or "",
            issued_on=row.get("issued_on"),
            issued_year=row["issued_year"],
            date_note=row.get("date_note") or "",
            horizon_years=row.get("horizon_years") or [],
            source_text=read_source_text(sources_dir, row["quote_file"]),
            source_file=row["source_file"],
            quote_file=row["quote_file"],
            note=existing.note if existing else "",  # the fixtures have none; the admin may
        )
        if document is not None:
            documents[row["code"]] = document
    load.raise_if_any()
    departments = _load_departments(catalog, load)
    prefetch_related_objects(list(departments.values()), "aliases")
    aliases = catalog.alias_map()

    existing_indicators = _locked(Indicator).in_bulk(field_name="code")
    # A stored region department stays while the rule is ``lead`` (the office may have chosen
    # it in the admin); the fixtures' own choice is set once the departments that report each
    # indicator are loaded (_load_region_departments).
    stored_choices = Department.objects.in_bulk(
        {i.region_department_id for i in existing_indicators.values() if i.region_department_id}
    )
    indicators: dict[str, Indicator] = {}
    for row in catalog.indicators:
        existing = existing_indicators.get(row["code"])
        keep = existing and row["aggregation"] == Aggregation.LEAD and existing.region_department_id
        indicator = load.save(
            "indicators",
            f"indicator {row['code']}",
            Indicator,
            indicator_clean,
            indicator=existing,
            **_indicator_fields(row, stored_choices.get(keep) if keep else None),
        )
        if indicator is not None:
            indicators[row["code"]] = indicator
    load.raise_if_any()
    _load_indicator_aliases(catalog, indicators, documents, load)

    existing_targets = {
        (t.indicator_id, t.document_id, t.year): t
        for t in _locked(Target).filter(document__in=documents.values())
    }
    target_ids = set()
    for row in catalog.targets:
        indicator, document = indicators[row["indicator"]], documents[row["document"]]
        target = load.save(
            "targets",
            f"target {row['document']}/{row['indicator']}/{row['year']}",
            Target,
            target_clean,
            target=existing_targets.get((indicator.pk, document.pk, row["year"])),
            indicator=indicator,
            document=document,
            year=row["year"],
            comparator=row["comparator"],
            value=row.get("value"),
            clause=row["clause"],
            quote=row.get("quote") or "",
            no_quote_reason="",  # the fixtures always quote (fixtures/FORMAT.md)
            note=row.get("note") or "",
        )
        if target is not None:
            target_ids.add(target.pk)

    existing_tasks = _locked(Task).in_bulk(field_name="code")
    tasks: dict[str, Task] = {}
    for row in catalog.tasks:
        task = load.save(
            "tasks",
            f"task {row['code']}",
            Task,
            task_clean,
            task=existing_tasks.get(row["code"]),
            code=row["code"],
            document=documents[row["document"]],
            title_zh=row["title_zh"],
            clause=row["clause"],
            quote=row.get("quote") or "",
            no_quote_reason="",  # the fixtures always quote (fixtures/FORMAT.md)
            note=row.get("note") or "",
        )
        if task is not None:
            tasks[row["code"]] = task
    load.raise_if_any()

    existing_responsibilities = {
        (r.indicator_id, r.task_id, r.department_id, r.document_id, r.role): r
        for r in _locked(Responsibility).filter(document__in=documents.values())
    }
    responsibility_ids = set()
    for row in catalog.responsibilities:
        indicator, task = indicators.get(row.get("indicator")), tasks.get(row.get("task"))
        department, document = departments[aliases[row["department"]]], documents[row["document"]]
        key = (
            indicator and indicator.pk,
            task and task.pk,
            department.pk,
            document.pk,
            row["role"],
        )
        subject = row.get("indicator") or row.get("task")
        responsibility = load.save(
            "responsibilities",
            f"responsibility {row['document']}/{subject}/{row['department']}",
            Responsibility,
            responsibility_clean,
            responsibility=existing_responsibilities.get(key),
            indicator=indicator,
            task=task,
            department=department,
            department_as_written=row["department"],
            role=row["role"],
            document=document,
            clause=row["clause"],
            quote=row.get("quote") or "",
            no_quote_reason="",  # the fixtures always quote (fixtures/FORMAT.md)
            note=row.get("note") or "",
        )
        if responsibility is not None:
            responsibility_ids.add(responsibility.pk)
    load.raise_if_any()

    fixture_documents = list(documents.values())
    for target in Target.objects.filter(document__in=fixture_documents).exclude(pk__in=target_ids):
        load.delete("targets", target)
    for responsibility in Responsibility.objects.filter(document__in=fixture_documents).exclude(
        pk__in=responsibility_ids
    ):
        load.delete("responsibilities", responsibility)
    task_ids = {task.pk for task in tasks.values()}
    for task in Task.objects.filter(document__in=fixture_documents).exclude(pk__in=task_ids):
        load.delete("tasks", task)

    # Assignments are only added or updated: the office may add more of its own in the admin.
    existing_assignments = {
        (a.indicator_id, a.department_id, a.role): a for a in _locked(ReportingAssignment)
    }
    for row in catalog.assignments:
        indicator, department = indicators[row["indicator"]], departments[row["department"]]
        load.save(
            "assignments",
            f"assignment {row['indicator']}/{row['department']}",
            ReportingAssignment,
            reporting_assignment_clean,
            assignment=existing_assignments.get((indicator.pk, department.pk, row["role"])),
            indicator=indicator,
            department=department,
            role=row["role"],
            basis=row["basis"],
        )
    load.raise_if_any()
    _load_region_departments(catalog, indicators, departments, load)


def _indicator_fields(row: dict, region_department: Department | None) -> dict:
    return {
        "code": row["code"],
        "name_zh": row["name_zh"],
        "name_en": row.get("name_en") or "",
        "unit": row.get("unit") or "",
        "value_kind": row["value_kind"],
        "decimals": row.get("decimals", 2),
        "min_value": row.get("min_value"),
        "max_value": row.get("max_value"),
        "frequency": row["frequency"],
        "category": row["category"],
        "aggregation": row["aggregation"],
        "region_department": region_department,
        "region_parts": row.get("region_parts") or "",
        "note": row.get("note") or "",
    }


def _load_region_departments(
    catalog: Catalog,
    indicators: dict[str, Indicator],
    departments: dict[str, Department],
    load: _Loader,
) -> None:
    """The fixtures' ``region_department`` of each indicator, once the responsibilities and
    assignments that make a department eligible are in (the service checks it)."""
    for row in catalog.indicators:
        indicator = indicators[row["code"]]
        wanted = departments[row["region_department"]] if row.get("region_department") else None
        if wanted is None or wanted.pk == indicator.region_department_id:
            continue
        load.save(
            "indicators",
            f"indicator {row['code']}",
            Indicator,
            indicator_clean,
            indicator=indicator,
            **_indicator_fields(row, wanted),
        )
    load.raise_if_any()
