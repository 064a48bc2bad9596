from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("用途"),
        max_length=100,
        help_text=_("例如：统计系统对接、季度数据脚本"),
    )
