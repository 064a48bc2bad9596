from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from qualityhub.events import row_returned, rows_submitted


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("通知")

    def ready(self) -> None:
        # Imported here, not at the top: app modules may not import models before ready().
        from . import tasks

        row_returned.connect(tasks.row_returned, dispatch_uid="notices.row_returned")
        rows_submitted.connect(tasks.rows_submitted, dispatch_uid="notices.rows_submitted")
