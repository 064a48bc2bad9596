"""Third-party apps under a name the interface can translate.

django-axes names its app after its module (the admin shows "Axes") and ships no Chinese. Its
app is installed through :class:`AxesConfig` below, which gives it a translatable name; its
models' and admin's own strings are translated in the project's catalogue
(``locale/zh_Hans/LC_MESSAGES/django.po``), which ``LOCALE_PATHS`` puts before the apps'.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录防护")
