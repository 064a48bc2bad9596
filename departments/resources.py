"""Departments in the admin's import and export screens, written through
:func:`departments.services.department_save` (all or nothing, rows numbered as in the file)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import ForeignKeyWidget

from qualityhub.resources import BilingualResource

from .choices import DepartmentKind, DepartmentStatus
from .models import Department
from .services import catalogue_batch, department_save

#: Status as people write it: the code, the label, or its first word.
STATUS_WORDS = {
    "current": DepartmentStatus.CURRENT,
    "现行": DepartmentStatus.CURRENT,
    "historical": DepartmentStatus.HISTORICAL,
    "历史": DepartmentStatus.HISTORICAL,
    unicodedata.normalize("NFKC", str(DepartmentStatus.HISTORICAL.label)): (
        DepartmentStatus.HISTORICAL
    ),
}


def _status(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if not folded:
        return DepartmentStatus.CURRENT
    if folded in STATUS_WORDS:
        return STATUS_WORDS[folded]
    raise ValidationError(
        {
            "status": _("状态“%(text)s”无法识别：请填写“现行”（current）或“历史”（historical）。")
            % {"text": text}
        }
    )


#: Kind as people write it: the code or the label.
KIND_WORDS = {
    **{kind.value: kind.value for kind in DepartmentKind},
    **{unicodedata.normalize("NFKC", str(kind.label)): kind.value for kind in DepartmentKind},
}


def _kind(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if not folded:
        return DepartmentKind.DEPARTMENT
    if folded in KIND_WORDS:
        return KIND_WORDS[folded]
    raise ValidationError(
        {
            "kind": _(
                "类别“%(text)s”无法识别：请填写“部门”（department）或“协调机构”"
                "（coordinating_office）。"
            )
            % {"text": text}
        }
    )


def _year(text: str) -> int | str | None:
    """A year cell: empty is none, digits a number; anything else goes to the service, which
    refuses it with its message."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return None
    return int(folded) if folded.isdigit() else folded


def _successor(text: str) -> Department | None:
    if not text:
        return None
    successor = Department.objects.resolve(text)
    if successor is None:
        raise ValidationError(
            {
                "successor": _(
                    "找不到继承部门“%(name)s”：请填写已有部门的代码或名称（新部门请排在前面的行）。"
                )
                % {"name": text}
            }
        )
    return successor


class DepartmentResource(BilingualResource):
    code = fields.Field(attribute="code", column_name="代码")
    name_zh = fields.Field(attribute="name_zh", column_name="名称")
    short_name_zh = fields.Field(attribute="short_name_zh", column_name="简称")
    name_en = fields.Field(attribute="name_en", column_name="英文名称")
    status = fields.Field(attribute="status", column_name="状态")
    kind = fields.Field(attribute="kind", column_name="类别")
    successor = fields.Field(
        attribute="successor", column_name="继承部门", widget=ForeignKeyWidget(Department, "code")
    )
    successor_year = fields.Field(attribute="successor_year", column_name="职责移交年份")
    successor_source = fields.Field(attribute="successor_source", column_name="移交出处")
    successor_quote = fields.Field(attribute="successor_quote", column_name="移交原文")
    unconfirmed = fields.Field(attribute="unconfirmed", column_name="待确认说明")

    SERVICE_FIELDS = (
        "name_zh",
        "short_name_zh",
        "name_en",
        "status",
        "successor",
        "note",
        "sources",
        "kind",
        "successor_year",
        "successor_source",
        "successor_quote",
        "unconfirmed",
    )

    class Meta:
        model = Department
        import_id_fields = ("code",)
        fields = (
            "code",
            "name_zh",
            "short_name_zh",
            "name_en",
            "kind",
            "status",
            "successor",
            "successor_year",
            "successor_source",
            "successor_quote",
            "unconfirmed",
        )

    def write_batch(self):
        return catalogue_batch()

    def import_row_values(self, values, *, user):
        current = Department.objects.filter(code=values["code"]).first()
        fields_ = {name: getattr(current, name) for name in self.SERVICE_FIELDS} if current else {}
        for name, value in values.items():
            if name == "status":
                fields_[name] = _status(value)
            elif name == "successor":
                fields_[name] = _successor(value)
            elif name == "kind":
                fields_[name] = _kind(value)
            elif name == "successor_year":
                fields_[name] = _year(value)
            elif name != "code":
                fields_[name] = value
        fields_.setdefault("name_zh", "")
        return department_save(department=current, code=values["code"], acting_user=user, **fields_)
