"""The import page's upload form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from departments.models import Department


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        error_messages={
            "required": gettext_lazy("请选择要导入的文件。"),
            "empty": gettext_lazy("文件是空的。"),
            "invalid": gettext_lazy("请选择要导入的文件。"),
        },
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("限定部门（可选）"),
        queryset=Department.objects.current().order_by("code"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("所选部门不存在，请重新选择。")},
    )
