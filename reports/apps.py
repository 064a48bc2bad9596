from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from qualityhub.events import catalogue_changed


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("填报与评估")

    def ready(self) -> None:
        # Imported here, not at the top: app modules may not import models before ready().
        from .gaps.tasks import catalogue_changed as recompute_gaps

        catalogue_changed.connect(recompute_gaps, dispatch_uid="reports.recompute_gaps")
