"""Test settings: the production settings with a fast password hash and plain static files.

Argon2 stays the production hasher (``tests/accounts`` asserts it); hashing with it in every test
would only make the suite slower.
"""

import os
import tempfile

os.environ.setdefault("ZHIFA_DATA_DIR", tempfile.mkdtemp(prefix="zhifa-test-"))
os.environ.setdefault("ZHIFA_HTTPS", "0")

from zhifa.settings import *  # noqa: F403  (test settings extend the real ones)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# F405 below: DATABASES, DATA_DIR and STATIC_ROOT come from the star import of the real settings.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file (WAL), as in production, not shared-cache memory: concurrent
    # writers (tests/ledger/test_parallel.py) then queue on IMMEDIATE transactions instead of
    # failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise looks for the collected-static folder at start-up; tests serve from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
