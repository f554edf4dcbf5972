"""`manage.py check --deploy`: none of the repository's development secrets in production.

They are public (config/dev_secrets.py), so a deployment using one has no secret at all. Messages name
the setting, never its value. Whether the other secrets parse is checked by the apps that use them
(issuers/checks.py, dsure/checks.py).
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

from config import dev_secrets

HINT = "Generate a new one as docs/operations.md shows and set it in the environment."


@register(Tags.security, deploy=True)
def development_secrets(app_configs=None, **kwargs):
    errors = []
    if settings.SECRET_KEY == dev_secrets.SECRET_KEY:
        errors.append(Error("SECRET_KEY is the repository's development key.", hint=HINT, id="esurety.E001"))
    fernet_keys = [part.strip() for part in (settings.KEY_ENCRYPTION_KEY or "").split(",")]
    if dev_secrets.KEY_ENCRYPTION_KEY in fernet_keys:
        errors.append(
            Error(
                "KEY_ENCRYPTION_KEY lists the repository's development key.",
                hint=HINT + " Keys stored under it must be re-encrypted (docs/operations.md, rotation).",
                id="esurety.E002",
            )
        )
    digest_secrets = [entry.partition(":")[2] for entry in settings.KEY_DIGEST_SECRETS]
    if dev_secrets.KEY_DIGEST_SECRET in digest_secrets:
        errors.append(
            Error(
                "KEY_DIGEST_SECRETS lists the repository's development secret.", hint=HINT, id="esurety.E004"
            )
        )
    if getattr(settings, "SEAL_KEY_PASSWORD", None) == dev_secrets.SEAL_KEY_PASSWORD:
        errors.append(
            Error("SEAL_KEY_PASSWORD is the repository's development password.", hint=HINT, id="esurety.E007")
        )
    if getattr(settings, "TRANSPARENCY_LOG_KEY", None) == dev_secrets.TRANSPARENCY_LOG_KEY:
        errors.append(
            Error(
                "TRANSPARENCY_LOG_KEY is the repository's development key.",
                hint="Generate a new one with `manage.py log_keygen ORIGIN` and set it in the environment.",
                id="esurety.E008",
            )
        )
    return errors
