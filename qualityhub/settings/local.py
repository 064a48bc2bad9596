"""Developer defaults: debug on unless DEBUG says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: F403
