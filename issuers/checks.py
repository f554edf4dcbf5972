"""`manage.py check --deploy`: KEY_ENCRYPTION_KEY must be a list of Fernet keys, or the first issue
(or the first 詳細 page) would fail instead of the deployment."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


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
