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


class NameConfirmForm(forms.Form):
    """The office's answer to "did you mean": the name as the file writes it, and what it is."""

    kind = forms.ChoiceField(choices=[("indicator", "indicator"), ("department", "department")])
    text = forms.CharField(max_length=100)
    target = forms.IntegerField(min_value=1, max_value=2**31 - 1)
