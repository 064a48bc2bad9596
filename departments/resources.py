"""Departments in the admin's import and export screens."""

from __future__ import annotations

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from qualityhub.resources import BilingualResource

from .models import Department


class DepartmentResource(BilingualResource):
    code = fields.Field(attribute="code", column_name="代码")
    name_zh = fields.Field(attribute="name_zh", column_name="名称")
    short_name_zh = fields.Field(attribute="short_name_zh", column_name="简称")
    name_en = fields.Field(attribute="name_en", column_name="英文名称")
    status = fields.Field(attribute="status", column_name="状态")
    successor = fields.Field(
        attribute="successor", column_name="继承部门", widget=ForeignKeyWidget(Department, "code")
    )

    class Meta:
        model = Department
        import_id_fields = ("code",)
        fields = ("code", "name_zh", "short_name_zh", "name_en", "status", "successor")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
