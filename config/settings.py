"""One settings module, read from the environment (django-environ).

With nothing set it is the embedded default: SQLite, DEBUG on, e-mail to the console, background
tasks run inline. DATABASE_URL, EMAIL_URL and TASKS_BACKEND=database scale it out (docs/operations.md).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config import dev_secrets

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Development-only fallbacks (config/dev_secrets.py); production must set every one of them (checked
# below, and `check --deploy` refuses the development values themselves).
SECRET_KEY = env("SECRET_KEY", default=dev_secrets.SECRET_KEY if DEBUG else None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and (not SECRET_KEY or not ALLOWED_HOSTS):
    raise ImproperlyConfigured("With DEBUG off, SECRET_KEY and ALLOWED_HOSTS must be set in the environment.")

# 認証キー at rest: Fernet (cryptography) with a key from the environment, never from the database.
KEY_ENCRYPTION_KEY = env("KEY_ENCRYPTION_KEY", default=dev_secrets.KEY_ENCRYPTION_KEY if DEBUG else None)
# D-Sure's keyed digest of the 認証キー. Several secrets may be listed, newest first ("v2:secret,v1:old")
# so the secret can be rotated without invalidating issued keys (docs/operations.md).
KEY_DIGEST_SECRETS = env.list(
    "KEY_DIGEST_SECRETS", default=[f"v1:{dev_secrets.KEY_DIGEST_SECRET}"] if DEBUG else []
)
if not DEBUG and (not KEY_ENCRYPTION_KEY or not KEY_DIGEST_SECRETS):
    raise ImproperlyConfigured("With DEBUG off, KEY_ENCRYPTION_KEY and KEY_DIGEST_SECRETS must be set.")

INSTALLED_APPS = [
    "netdesk.admin_apps.ClerkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "common",
    "seals",
    "accounts",
    "audit",
    "dsure",
    "issuers",
    "netdesk",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "config.errors.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Without IMMEDIATE, two concurrent writers fail with "database is locked" instead of waiting.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["dsure.auth.UserWithOfficialBackend"]
# Database sessions whose save is one UPDATE (no savepoint), so that it can join the caller's
# transaction: the D-Sure lookup commits its grant with its attempt (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "netdesk:login"

# Japanese only, whatever the browser asks for (no LocaleMiddleware): the clerk must never get an
# English admin because the PC is set to English.
LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]  # Django's Japanese where it is missing or misleads (locale/ja)
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Issued PDFs: local files by default; an S3-compatible object store (AWS S3, MinIO, …) when S3_BUCKET
# is set. Either way written once: a taken name gets a new one, and nothing is deleted (common/storage.py).
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "common.storage.WriteOnceS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "location": env("S3_PREFIX", default=""),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "common.storage.WriteOnceFileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mail: console by default, SMTP (e.g. smtp://mailpit:1025) with EMAIL_URL. Django 6.1's MAILERS.
_email = env.email_url("EMAIL_URL", default="consolemail://")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            option: _email[key]
            for option, key in [
                ("host", "EMAIL_HOST"),
                ("port", "EMAIL_PORT"),
                ("username", "EMAIL_HOST_USER"),
                ("password", "EMAIL_HOST_PASSWORD"),
                ("use_tls", "EMAIL_USE_TLS"),
                ("use_ssl", "EMAIL_USE_SSL"),
            ]
            if _email.get(key) and "smtp" in _email["EMAIL_BACKEND"]
        },
    }
}
# Absolute base URL for links in e-mails and the QR code on the key notice.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="netdesk@example.invalid")

# Background work: inline by default; "database" stores tasks for `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[env("TASKS_BACKEND", default="immediate")]
    }
}

# D-Sure from the surety company's side (issuers.dsure_client, docs/dsure-api.md): embedded (in-process)
# unless DSURE_URL names a D-Sure served elsewhere (https in production: `check --deploy`). Postings
# then go through the outbox with retries, as this issuer (DSURE_ISSUER) with its bearer token.
DSURE_URL = env("DSURE_URL", default="")
DSURE_ISSUER = env("DSURE_ISSUER", default="demo-surety")
DSURE_ISSUER_TOKEN = env("DSURE_ISSUER_TOKEN", default="")
# D-Sure's side: the surety companies that may post over HTTP, "issuer:token" each.
DSURE_ISSUER_TOKENS = env.list("DSURE_ISSUER_TOKENS", default=[])

# The audit trail's sequencer runs after a writer's commit at most once per this many seconds in each
# process; entries written in between go with the next round (docs/audit.md).
AUDIT_SEQUENCE_INTERVAL = env.float("AUDIT_SEQUENCE_INTERVAL", default=1.0)

# D-Sure's transparency log (docs/transparency.md): the Ed25519 note signer key of its checkpoints,
# `PRIVATE+KEY+<origin>+<hash>+<base64>` (`manage.py log_keygen`); its name is the log's origin line.
TRANSPARENCY_LOG_KEY = env(
    "TRANSPARENCY_LOG_KEY", default=dev_secrets.TRANSPARENCY_LOG_KEY if DEBUG else None
)
if not DEBUG and not TRANSPARENCY_LOG_KEY:
    raise ImproperlyConfigured("With DEBUG off, TRANSPARENCY_LOG_KEY must be set (manage.py log_keygen).")

# Where PDFs find a Japanese TrueType font (Debian's fonts-ipaexfont); see issuers/documents.
PDF_FONT_PATH = env("PDF_FONT_PATH", default="/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
PDF_GOTHIC_FONT_PATH = env(
    "PDF_GOTHIC_FONT_PATH", default="/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
)

# Password of the accounts `manage.py seed_demo` creates.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Structured logs to stderr, scrubbed of keys, passwords, session ids and query strings (config/logging.py):
# JSON lines in production, readable lines in development.
from config.logging import logging_config  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))

# Login throttling (accounts/throttle.py): failed logins allowed per username and per client IP in a
# sliding window before the login form refuses to check passwords at all.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=30)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# How many reverse proxies of ours stand in front of the app: the client's IP is then read from
# X-Forwarded-For (that many entries from the right) instead of REMOTE_ADDR. 0 = no proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# The demo PKI that seals issued PDFs (seals/pki.py): its keys and certificates live in this folder,
# never in the database, and its private keys are encrypted with SEAL_KEY_PASSWORD.
SEAL_PKI_DIR = Path(env("SEAL_PKI_DIR", default=str(BASE_DIR / "pki")))
SEAL_KEY_PASSWORD = env("SEAL_KEY_PASSWORD", default=dev_secrets.SEAL_KEY_PASSWORD if DEBUG else None)
if not DEBUG and not SEAL_KEY_PASSWORD:
    raise ImproperlyConfigured("With DEBUG off, SEAL_KEY_PASSWORD must be set.")
# 電子証書の真正性確認 (D-Sure) and Net Desk's same check: the largest PDF accepted, and checks per user
# in a sliding hour (each costs a full signature validation).
SEAL_CHECK_MAX_BYTES = env.int("SEAL_CHECK_MAX_BYTES", default=5 * 1024 * 1024)
SEAL_CHECKS_PER_HOUR = env.int("SEAL_CHECKS_PER_HOUR", default=30)
# D-Sure lookup attempts older than this are deleted by `manage.py dsure_prune_lookups` (13 months: a
# year of 閲覧履歴 and throttling evidence; every lookup stays in the audit trail).
LOOKUP_RETENTION_DAYS = env.int("LOOKUP_RETENTION_DAYS", default=400)
# The audit trail stays in the database this long; older entries go to files (manage.py audit_archive).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=3653)
