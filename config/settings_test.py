"""The test override: fast hashing, in-memory e-mail, PDFs and the demo PKI in temporary folders (the
PKI is made once per test session, on the first seal)."""

import tempfile

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="esurety-test-media-")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SEAL_PKI_DIR = tempfile.mkdtemp(prefix="esurety-test-pki-")
# Every audited commit is sequenced at once, so a test reads a complete trail; the lookup's own
# tests set the production interval (tests/dsure/test_lookup_statements.py).
AUDIT_SEQUENCE_INTERVAL = 0
