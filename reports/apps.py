from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from qualityhub.events import catalogue_changed


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("填报与评估")

    def ready(self) -> None:
        # Imported here, not at the top: app modules may not import models before ready().
        from .gaps.tasks import catalogue_changed as recompute_gaps

        # Imported here too, for the same reason.
        from .reporting.tasks import catalogue_changed as follow_successors

        # Rows follow successors first, so that the gaps computed next see them moved.
        catalogue_changed.connect(follow_successors, dispatch_uid="reports.follow_successors")
        catalogue_changed.connect(recompute_gaps, dispatch_uid="reports.recompute_gaps")
