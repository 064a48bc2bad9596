"""Celery application.

Configuration comes from Django settings under the ``CELERY_`` namespace, so the embedded mode
(tasks run in-process) and the Redis mode are switched in one place: ``settings/base.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualityhub.settings.local")

app = Celery("qualityhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
