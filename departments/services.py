"""Writes to departments, their aliases and user roles.

Every catalogue write (here and in :mod:`indicators.services`) follows one pattern: a
``<entity>_clean`` function checks the values and returns them as they will be stored, raising
``ValidationError`` with Chinese messages keyed by field (so an admin form shows each at its
field); ``<entity>_save`` cleans, writes only what differs from the row as the database holds it,
and announces the change with :func:`catalogue_changed`; ``<entity>_delete`` removes a row.
Admin forms, admin imports and the fixture loader all call them.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, ProtectedError, Q, RestrictedError, Value
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext as _

from qualityhub.events import catalogue_changed_on_commit

from .choices import DEPARTMENT_ROLES, DepartmentKind, DepartmentStatus, Role
from .models import Department, DepartmentAlias, Membership
from .selectors import current_department_ids

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

CREATED, UPDATED, UNCHANGED, DELETED = "created", "updated", "unchanged", "deleted"


@dataclass(frozen=True)
class Saved(Generic[M]):
    """A catalogue row after a save service, and whether it was created, updated or unchanged."""

    obj: M
    outcome: str

    @property
    def changed(self) -> bool:
        return self.outcome != UNCHANGED


# --- Announcing changes -----------------------------------------------------------------------

_pending: ContextVar[set[type] | None] = ContextVar("catalogue_pending", default=None)


def catalogue_changed(model: type[models.Model]) -> None:
    """Rows of ``model`` changed: send ``catalogue_changed`` once the transaction commits (the
    reports app recomputes gaps and refreshes dashboards), or once per batch inside
    :func:`catalogue_batch`."""
    pending = _pending.get()
    if pending is None:
        catalogue_changed_on_commit(model)
    else:
        pending.add(model)


@contextmanager
def catalogue_batch() -> Iterator[None]:
    """Many writes, one announcement per model class at the end (the loader, the imports).

    Enter it inside the transaction: if that transaction rolls back, the announcements
    registered with ``on_commit`` go with it.
    """
    if _pending.get() is not None:  # already batching
        yield
        return
    pending: set[type] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for model in sorted(pending, key=lambda m: m.__name__):
        catalogue_changed_on_commit(model)


# --- Shared helpers -------------------------------------------------------------------------


class Errors:
    """Validation messages gathered per field, raised together."""

    def __init__(self):
        self.by_field: dict[str, list] = {}

    def add(self, field: str | None, message) -> None:
        if isinstance(message, ValidationError):
            for text in message.messages:
                self.add(field, text)
            return
        self.by_field.setdefault(field or NON_FIELD_ERRORS, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def text(value) -> str:
    """A text field as stored: never ``None``, no surrounding whitespace."""
    return "" if value is None else str(value).strip()


def require(errors: Errors, field: str, value: str, message: str) -> None:
    if not value:
        errors.add(field, message)


def check_length(errors: Errors, model: type[models.Model], values: dict) -> None:
    """Text longer than its column, reported in Chinese before the database refuses it."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit and name not in errors:
            errors.add(
                name,
                _("“%(field)s”最多 %(max)d 个字符（现为 %(n)d 个）。")
                % {"field": field.verbose_name, "max": limit, "n": len(value)},
            )


#: What a JSON column cannot hold: PostgreSQL refuses the escaped NUL, UTF-8 the lone surrogates.
_UNSTORABLE_JSON = re.compile(r"\\u0000|[\ud800-\udfff]")


def storable_json(value) -> bool:
    """Whether ``value`` can be stored in a JSON column: finite numbers, no NUL, no lone
    surrogates, not nested beyond what the encoder follows."""
    try:
        dumped = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return not _UNSTORABLE_JSON.search(dumped)


def _differs(obj: models.Model, name: str, value) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _log(what: str, acting_user) -> None:
    """Who changed what, once it is committed (a dry run's rolled-back writes are not logged).
    A person's change is worth a line at INFO; the loader's hundreds of rows are not."""
    level = logging.INFO if acting_user is not None else logging.DEBUG
    if logger.isEnabledFor(level):
        transaction.on_commit(lambda: logger.log(level, "%s by %s", what, acting_user or "loader"))


def write(
    model: type[M], current: M | None, values: dict, *, acting_user, locked: bool = False
) -> Saved[M]:
    """Create the row, or update the fields of ``current`` that differ from the database.

    ``current`` is read again under lock, as the instance a caller holds may already carry the
    new values (an admin form applies them before saving) or be out of date; unless ``locked``
    says the caller read it with ``select_for_update`` in this transaction (the loader, which
    reads every row of a kind in one query).
    """
    if current is None or current.pk is None:
        obj = model(**values)
        obj.save(force_insert=True)
        outcome = CREATED
    else:
        obj = current if locked else model._default_manager.select_for_update().get(pk=current.pk)
        changed = [name for name, value in values.items() if _differs(obj, name, value)]
        if not changed:
            return Saved(obj, UNCHANGED)
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        outcome = UPDATED
    _log(f"{model.__name__} {obj.pk} {outcome}", acting_user)
    catalogue_changed(model)
    return Saved(obj, outcome)


def delete(obj: models.Model, *, acting_user) -> None:
    """Delete a catalogue row; rows that others still depend on are refused in Chinese."""
    model, pk = type(obj), obj.pk
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        blockers = list(exc.protected_objects)
    except RestrictedError as exc:
        blockers = list(exc.restricted_objects)
    else:
        _log(f"{model.__name__} {pk} deleted", acting_user)
        catalogue_changed(model)
        return
    raise ValidationError(
        _("“%(obj)s”仍被 %(n)d 条记录引用（例如“%(example)s”），不能删除。")
        % {"obj": obj, "n": len(blockers), "example": blockers[0] if blockers else ""},
        code="protected",
    )


# --- Names as people write them -------------------------------------------------------------

#: The region's name in front of a body's or an indicator's name, written or left out at will
#: (自治区市场监督管理局, 内蒙古自治区市场监督管理局, 市场监督管理局). Longest first.
NAME_PREFIXES = ("内蒙古自治区", "内蒙古", "自治区")
#: Quotation marks, curly, straight, corner and title, which people add, drop or swap.
_NAME_QUOTES = dict.fromkeys(map(ord, "“”‘’\"'「」『』《》〈〉"))
_NAME_TRAILING_PUNCTUATION = "。.,，;；:：、!！?？"
#: A unit as a heading writes it after a name: %, 个, 万件, 吨标准煤/万元, 单位：%. Each word is
#: matched atomically and repeated possessively: 万个 reads as 万 + 个 or as [万]个, and trying
#: both ways at every word would take exponential time on a long run of them.
_UNIT_WORD = (
    r"(?>%|‰|百分比|百分点|分|万|亿|[万亿千百]?(?:个|家|件|项|户|元|吨|千瓦时|千瓦|人次|人|次|批次"
    r"|座|条|所|台|套|平方米|公顷|亩|公里|千米|米|年|天|小时|标准煤|立方米))"
)
_UNIT_MAX_CHARS = 24
_NAME_TRAILING_UNIT = re.compile(
    rf"[(\[【〔](?:单位:?)?{_UNIT_WORD}++(?:/{_UNIT_WORD}++)*+[)\]】〕]$|%$"
)


def name_fold(name) -> str:
    """A name as typed, compared without its width, case and spaces: NFKC (full-width letters,
    digits and brackets become ASCII), every whitespace and invisible format character removed,
    case folded. Two names that fold alike are the same name written twice."""
    folded = unicodedata.normalize("NFKC", "" if name is None else str(name))
    return "".join(
        c for c in folded if not c.isspace() and unicodedata.category(c) != "Cf"
    ).casefold()


def name_key(name) -> str:
    """The key two names are compared by when a file names an indicator or a department.

    :func:`name_fold`, then quotation marks removed, then trailing punctuation and a trailing
    unit in brackets (``（%）``, ``(万件)``, ``[%]``, ``（单位：个）``) or a bare ``%``, then one
    leading 内蒙古自治区 / 内蒙古 / 自治区. Nothing else is dropped: 大中型工程一次验收合格率 and
    工程一次验收合格率, 自治区级 and 国家级, stay apart, and a bracket that is not a unit
    (``（大中型）``) stays part of the name. Empty when nothing but the region's name remains.
    """
    return split_name(name)[1]


def split_name(name) -> tuple[str, str]:
    """The region's prefix a name was written with (``""`` for none) and its :func:`name_key`."""
    key = name_fold(name).translate(_NAME_QUOTES).rstrip(_NAME_TRAILING_PUNCTUATION)
    # A unit is a few characters: look for it at the end only, whatever the length of the text.
    if unit := _NAME_TRAILING_UNIT.search(key, max(0, len(key) - _UNIT_MAX_CHARS)):
        key = key[: unit.start()].rstrip(_NAME_TRAILING_PUNCTUATION)
    for prefix in NAME_PREFIXES:
        if key.startswith(prefix):
            return prefix, key[len(prefix) :]
    return "", key


@dataclass
class NameOwners:
    """Which rows each spelling names: by :func:`name_fold` (the name as typed) and by
    :func:`name_key` (the name as compared). A file's name, an alias being saved and a catalogue
    check all read them the same way (see ``reports.exchange.names``). An owner is whatever
    tells the rows apart: a pk, or a code in the fixtures."""

    folded: dict[str, set[Hashable]]
    keyed: dict[str, set[Hashable]]

    @classmethod
    def of(cls, names: Iterable[tuple[str, Hashable]]) -> NameOwners:
        folded: dict[str, set[Hashable]] = {}
        keyed: dict[str, set[Hashable]] = {}
        for name, owner in names:
            if fold := name_fold(name):
                folded.setdefault(fold, set()).add(owner)
            if key := name_key(name):
                keyed.setdefault(key, set()).add(owner)
        return cls(folded, keyed)

    def clashes(self, name: str, owner: Hashable) -> set[Hashable] | None:
        """The other rows that stop ``name`` from becoming a spelling of ``owner`` (empty when
        it is free), or ``None`` when ``name`` is no name at all (nothing but the region's name,
        quotes or a unit).

        Another row that writes the same name (as typed) stops it. So does one whose name
        compares equal (:func:`name_key`), or that row would no longer be found by it; unless
        the name already compares equal to one of ``owner``'s own: then the rows already share
        the key, and an exact spelling is how the office tells them apart.
        """
        if not name_key(name):
            return None
        same = self.folded.get(name_fold(name), set()) - {owner}
        if same:
            return same
        alike = self.keyed.get(name_key(name), set())
        return set() if owner in alike else alike - {owner}


# --- Departments ----------------------------------------------------------------------------


def department_clean(
    *,
    department: Department | None = None,
    code: str,
    name_zh: str,
    short_name_zh: str = "",
    name_en: str = "",
    status: str = DepartmentStatus.CURRENT,
    successor: Department | None = None,
    note: str = "",
    sources: list | None = None,
    kind: str = DepartmentKind.DEPARTMENT,
    successor_year: int | None = None,
    successor_source: str = "",
    successor_quote: str = "",
    unconfirmed: str = "",
) -> dict:
    """The values of a department as stored; ``ValidationError`` keyed by field otherwise.

    A historical department needs a successor and a current one has none; a department may not
    be its own successor, directly or through a chain of successors. The step to the successor
    may carry its year (2000–2100) and its source with the source's own sentence, which go
    together; a step after 2018 needs them (the catalogue's check says the same).
    """
    errors = Errors()
    values = {
        "code": text(code),
        "name_zh": text(name_zh),
        "short_name_zh": text(short_name_zh),
        "name_en": text(name_en),
        "status": text(status),
        "successor": successor,
        "note": text(note),
        "sources": sources if isinstance(sources, list) else [],
        "kind": text(kind) or DepartmentKind.DEPARTMENT,
        "successor_year": successor_year,
        "successor_source": text(successor_source),
        "successor_quote": text(successor_quote),
        "unconfirmed": text(unconfirmed),
    }
    pk = department.pk if department is not None else None
    require(errors, "code", values["code"], _("请填写部门代码。"))
    require(errors, "name_zh", values["name_zh"], _("请填写部门名称。"))
    check_length(errors, Department, values)
    others = Department.objects.exclude(pk=pk) if pk else Department.objects.all()
    if values["code"] and others.filter(code=values["code"]).exists():
        errors.add("code", _("部门代码“%(code)s”已被使用。") % {"code": values["code"]})
    if values["name_zh"]:
        if others.filter(name_zh=values["name_zh"]).exists():
            errors.add("name_zh", _("已有名为“%(name)s”的部门。") % {"name": values["name_zh"]})
        elif (
            DepartmentAlias.objects.filter(name=values["name_zh"])
            .exclude(department_id=pk)
            .exists()
        ):
            errors.add(
                "name_zh",
                _("“%(name)s”已是另一个部门的别名。") % {"name": values["name_zh"]},
            )
    if values["status"] not in DepartmentStatus.values:
        errors.add("status", _("状态只能是“现行”或“历史”。"))
    elif values["status"] == DepartmentStatus.HISTORICAL:
        if successor is None:
            errors.add("successor", _("历史部门须指定继承部门（承接其职责的部门）。"))
        elif pk is not None and _leads_back(successor, pk):
            errors.add(
                "successor",
                _("继承关系不能成环：“%(successor)s”的继承链又回到了本部门。")
                % {"successor": successor},
            )
    elif successor is not None:
        errors.add("successor", _("现行部门没有继承部门；撤并或更名后请将状态改为“历史”。"))
    if values["kind"] not in DepartmentKind.values:
        errors.add("kind", _("类别只能是“部门”或“协调机构”。"))
    _check_succession(errors, values)
    if sources is not None and not (
        isinstance(sources, list)
        and all(isinstance(item, dict) for item in sources)
        and storable_json(sources)
    ):
        errors.add(
            "sources", _("出处须是列表，每项写明文件（document）、条款（clause）和原文（quote）。")
        )
    errors.raise_if_any()
    return values


#: Steps to a successor after this year (the 2018 reform and later) cite their announcement.
SUCCESSION_SOURCE_AFTER = 2018


def _check_succession(errors: Errors, values: dict) -> None:
    """The year and the source of the step to the successor: a year only with a successor, the
    source and its sentence together, both required for a step after 2018. A year written as
    digits (an import's cell) is read as a number."""
    year = values["successor_year"]
    if year is not None:
        if isinstance(year, str) and year.strip().isdigit():
            year = values["successor_year"] = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            errors.add("successor_year", _("移交年份须是 2000 至 2100 之间的年份。"))
            return
        if values["successor"] is None:
            errors.add("successor_year", _("只有指定了继承部门，才能填写移交年份。"))
    if bool(values["successor_source"]) != bool(values["successor_quote"]):
        field = "successor_quote" if values["successor_source"] else "successor_source"
        errors.add(field, _("移交出处和移交原文须同时填写。"))
    if (
        values["successor"] is not None
        and isinstance(year, int)
        and year > SUCCESSION_SOURCE_AFTER
        and not (values["successor_source"] and values["successor_quote"])
    ):
        errors.add(
            "successor_source",
            _("%(year)d 年以后的移交须写明出处（公告或年鉴）和原文。")
            % {"year": SUCCESSION_SOURCE_AFTER},
        )


def _leads_back(successor: Department, pk: int) -> bool:
    """Whether following successors from ``successor`` reaches department ``pk``."""
    chain = dict(Department.objects.values_list("pk", "successor_id"))
    seen, current = set(), successor.pk
    while current is not None and current not in seen:
        if current == pk:
            return True
        seen.add(current)
        current = chain.get(current)
    return False


@transaction.atomic
def department_save(
    *, department: Department | None = None, acting_user, **fields
) -> Saved[Department]:
    """Create a department, or update ``department``; the fields are those of
    :func:`department_clean`. The users of a department that becomes historical move to the
    department that holds its duties today (:func:`memberships_follow_successors`)."""
    values = department_clean(department=department, **fields)
    saved = write(Department, department, values, acting_user=acting_user)
    if saved.changed and saved.obj.status == DepartmentStatus.HISTORICAL:
        memberships_follow_successors(department_ids=[saved.obj.pk])
    return saved


@transaction.atomic
def department_delete(*, department: Department, acting_user) -> None:
    delete(department, acting_user=acting_user)


def department_alias_clean(
    *, alias: DepartmentAlias | None = None, name: str, department: Department | None
) -> dict:
    """Another spelling of a department: unique, not the code or name of another one, and not
    a spelling that a file would read as another of today's departments.

    Files name departments by :func:`name_key` (the region's prefix, quotes and spaces aside)
    and resolve every name to today's department, so a spelling is refused when it compares
    equal to a name of a department that is not this one's today (``自治区质监局`` is free for
    市场监管局, which took over 质监局, and taken for any other).
    """
    errors = Errors()
    values = {"name": text(name), "department": department}
    require(errors, "name", values["name"], _("请填写别名。"))
    if department is None:
        errors.add("department", _("请选择部门。"))
    check_length(errors, DepartmentAlias, values)
    if values["name"] and department is not None and "name" not in errors:
        taken = DepartmentAlias.objects.filter(name=values["name"]).select_related("department")
        if alias is not None and alias.pk:
            taken = taken.exclude(pk=alias.pk)
        owner = taken.first()
        if owner is not None and owner.department_id == department.pk:
            errors.add("name", _("“%(name)s”已是该部门的别名。") % {"name": values["name"]})
        elif owner is not None:
            errors.add(
                "name",
                _("别名“%(name)s”已属于其他部门（%(other)s）。")
                % {"name": values["name"], "other": owner.department},
            )
        elif (
            Department.objects.filter(Q(code=values["name"]) | Q(name_zh=values["name"]))
            .exclude(pk=department.pk)
            .exists()
        ):
            errors.add(
                "name",
                _("“%(name)s”是另一个部门的代码或名称，不能作别名。") % {"name": values["name"]},
            )
        else:
            _check_department_spelling(errors, values["name"], department, alias)
    errors.raise_if_any()
    return values


def department_spellings(*, exclude_alias: int | None = None) -> tuple[NameOwners, dict[int, int]]:
    """Every spelling of every department (code, names, aliases) by the pk of the department
    that holds its duties today, and every department's pk → that pk. Two queries."""
    rows = list(
        Department.objects.values_list(
            "pk", "successor_id", "code", "name_zh", "short_name_zh", "name_en"
        )
    )
    successor = {pk: successor_id for pk, successor_id, *_names in rows}

    def today(pk: int) -> int:
        seen = set()
        while successor.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = successor[pk]
        return pk

    current = {pk: today(pk) for pk in successor}
    names = [(name, current[pk]) for pk, _successor, *spellings in rows for name in spellings]
    aliases = DepartmentAlias.objects.exclude(pk=exclude_alias).values_list("name", "department_id")
    names += [(name, current[department_id]) for name, department_id in aliases]
    return NameOwners.of(names), current


def _check_department_spelling(
    errors: Errors, name: str, department: Department, alias: DepartmentAlias | None
) -> None:
    spellings, current = department_spellings(exclude_alias=alias.pk if alias else None)
    clashes = spellings.clashes(name, current.get(department.pk, department.pk))
    if clashes is None:
        errors.add("name", no_name_message(name))
    elif clashes:
        other = Department.objects.filter(pk__in=clashes).order_by("code").first()
        errors.add(
            "name",
            same_name_message(name, other=other, owner=department.current()),
        )


def no_name_message(name: str) -> str:
    return _("“%(name)s”去掉“内蒙古自治区”“自治区”前缀、引号和单位后不剩任何文字，不能作别名。") % {
        "name": name
    }


def same_name_message(name: str, *, other, owner) -> str:
    """A spelling that a file would read as ``other`` cannot name ``owner``."""
    return _(
        "“%(name)s”与“%(other)s”的名称相同（导入文件时不计“内蒙古自治区”“自治区”前缀、引号、"
        "空格、全角半角和括号中的单位），会被认作“%(other)s”，不能作为“%(owner)s”的别名。"
    ) % {"name": name, "other": other, "owner": owner}


@transaction.atomic
def department_alias_save(
    *, alias: DepartmentAlias | None = None, name: str, department: Department | None, acting_user
) -> Saved[DepartmentAlias]:
    """Create an alias, or update ``alias``. Confirming a spelling that is already this
    department's alias (the import page, twice) changes nothing."""
    if alias is None and department is not None:
        existing = DepartmentAlias.objects.filter(name=text(name), department=department).first()
        if existing is not None:
            return Saved(existing, UNCHANGED)
    values = department_alias_clean(alias=alias, name=name, department=department)
    return write(DepartmentAlias, alias, values, acting_user=acting_user)


@transaction.atomic
def department_alias_delete(*, alias: DepartmentAlias, acting_user) -> None:
    delete(alias, acting_user=acting_user)


# --- User roles -----------------------------------------------------------------------------


@transaction.atomic
def membership_set(*, user, role: str, department: Department | None = None) -> Membership:
    """Give ``user`` its role; reporters and reviewers belong to one current department."""
    if role in DEPARTMENT_ROLES:
        if department is None:
            raise ValidationError(_("填报员和部门审核必须属于一个部门。"))
        if not department.is_current:
            raise ValidationError(
                _("“%(name)s”是历史部门，请选择现部门“%(current)s”。")
                % {"name": department, "current": department.current()}
            )
    else:
        department = None
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"role": role, "department": department}
    )
    if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return membership


# --- Following successors -------------------------------------------------------------------


@dataclass(frozen=True)
class StayedBehind:
    """A row that could not follow its department's successor: today's department already has
    the row it would become (the same ``key``). It stays where it is for the office to resolve."""

    model: str
    pk: int
    department: int
    successor: int

    def __str__(self) -> str:
        return f"{self.model} {self.pk}: department {self.department} → {self.successor}"


def successor_moves() -> dict[int, int]:
    """Every historical department's pk → the pk of the department that holds its duties today
    (one query; a department in a cycle has nowhere to go and is left out)."""
    return {pk: today for pk, today in current_department_ids().items() if today != pk}


def rows_follow_successors(
    rows: models.QuerySet,
    *,
    key: tuple[str, ...],
    moves: dict[int, int],
    original: str | None = None,
    bump_version: bool = False,
) -> tuple[int, list[StayedBehind]]:
    """Move ``rows`` (of a model with a ``department`` foreign key) of the departments in
    ``moves`` (pk → today's pk, :func:`successor_moves`) to today's department: one UPDATE per
    department that has rows, set-based, without saving (and so without history).

    ``original`` names a field that keeps the department the row was written under (set on the
    first move, kept on later ones); ``bump_version`` refuses forms opened before the move and
    marks the row updated (``updated_at``), so that a reader of what changed since a moment
    (DHIS2's ``lastUpdated``) sees its new department. A row whose ``key`` fields already name
    a row of today's department stays and is returned.
    """
    model = rows.model
    label = model._meta.label
    moved, stayed = 0, []
    present = rows.filter(department_id__in=moves).values_list("department_id", flat=True)
    for old in sorted(set(present)):
        new = moves[old]
        mine = rows.filter(department_id=old)
        clash = Exists(
            model._default_manager.filter(department_id=new, **{f: OuterRef(f) for f in key})
        )
        taken = mine.filter(clash).values_list("pk", flat=True)
        stayed += [StayedBehind(label, pk, old, new) for pk in taken]
        updates = {"department_id": new}
        if original is not None:
            updates[f"{original}_id"] = Coalesce(F(f"{original}_id"), Value(old))
        if bump_version:
            updates["version"] = F("version") + 1
            updates["updated_at"] = Now()
        moved += mine.filter(~clash).update(**updates)
    return moved, stayed


def memberships_follow_successors(*, department_ids=None) -> int:
    """Reporters and reviewers of historical departments (of ``department_ids`` only, if given)
    now belong to the department that holds their duties today (a user has one membership, so
    none stays behind). Returns how many moved."""
    rows = Membership.objects.all()
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    if not rows.filter(department__status=DepartmentStatus.HISTORICAL).exists():
        return 0
    moved, _stayed = rows_follow_successors(rows, key=("user",), moves=successor_moves())
    if moved:
        _log(f"{moved} memberships moved to today's departments", None)
    return moved


@transaction.atomic
def demo_user_ensure(
    *, username: str, password: str, role: str, department: Department | None = None
) -> tuple[object, bool]:
    """Create a demo account if missing (or restore its demo password); return (user, created)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    membership_set(user=user, role=role, department=department)
    return user, created
