"""`manage.py check --deploy`: KEY_ENCRYPTION_KEY must be a list of Fernet keys, or the first issue
(or the first 詳細 page) would fail instead of the deployment."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def key_encryption_key_parses(app_configs=None, **kwargs):
    parts = [part.strip() for part in (settings.KEY_ENCRYPTION_KEY or "").split(",")]
    for position, part in enumerate(parts, start=1):
        try:
            Fernet(part)
        except ValueError:
            return [
                Error(
                    f"KEY_ENCRYPTION_KEY: entry {position} is not a Fernet key "
                    "(32 bytes, url-safe base64, comma-separated, newest first).",
                    hint='python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
                    id="esurety.E003",
                )
            ]
    return []


MIN_TOKEN_LENGTH = 32


@register(Tags.security, deploy=True)
def dsure_url_is_https(app_configs=None, **kwargs):
    """A D-Sure served elsewhere (DSURE_URL) is reached over HTTPS with a token worth the name: postings
    carry the 認証キー (D-Sure digests it) and the bearer token."""
    if not settings.DSURE_URL:
        return []
    errors = []
    if not settings.DSURE_URL.lower().startswith("https://"):
        errors.append(
            Error("DSURE_URL must be an https:// URL.", hint="docs/operations.md, D-Sure", id="esurety.E009")
        )
    if len(settings.DSURE_ISSUER_TOKEN or "") < MIN_TOKEN_LENGTH:
        errors.append(
            Error(
                f"DSURE_ISSUER_TOKEN is empty or shorter than {MIN_TOKEN_LENGTH} characters.",
                hint="The token D-Sure's operator configured for this issuer (DSURE_ISSUER_TOKENS on D-Sure).",
                id="esurety.E010",
            )
        )
    return errors


INLINE_TASKS = "django.tasks.backends.immediate.ImmediateBackend"


@register(Tags.security, deploy=True)
def dsure_url_with_a_task_worker(app_configs=None, **kwargs):
    """With DSURE_URL, postings go out through tasks: run inline, each is tried in the clerk's request, so
    a bulk 発行 against a D-Sure that is down waits the client's timeout once per contract."""
    if settings.DSURE_URL and settings.TASKS["default"]["BACKEND"] == INLINE_TASKS:
        return [
            Warning(
                "DSURE_URL is set but tasks run inline (the immediate backend): postings are sent in "
                "the clerk's request.",
                hint="TASKS_BACKEND=database with db_worker processes (docs/operations.md, D-Sure apart).",
                id="esurety.W001",
            )
        ]
    return []
