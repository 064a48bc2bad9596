"""Developer defaults: debug on unless DEBUG says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: F403

# `make demo` prints e-mail to the console (README.md, "E-mail").
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
