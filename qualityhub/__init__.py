"""QualityHub: the Quality-Strong Region indicator tracker."""

from .celery import app as celery_app

__all__ = ("celery_app",)
