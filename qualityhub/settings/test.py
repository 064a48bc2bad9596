"""Test defaults: fast password hashing, and isolated media and static folders."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fresh folder per test session; a worker process started by the tests is given the same one.
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="qualityhub-test-"))
# Nothing is collected for tests (pages get static files from the finders); an empty folder
# keeps WhiteNoise from warning that STATIC_ROOT is missing.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="qualityhub-static-"))
