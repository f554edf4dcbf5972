"""The keyed digest D-Sure keeps instead of a 認証キー.

HMAC-SHA256 over "number:key" with a secret from the environment (settings.KEY_DIGEST_SECRETS,
"version:secret", newest first). The key has about 69 bits, below the 112 bits at which a plain hash
would do, so the digest is keyed: a stolen table is useless without the secret. Each digest records
the secret's version, so a new secret can be introduced while old digests still verify.
"""

import hashlib
import hmac

from django.conf import settings


def _secrets() -> dict[str, bytes]:
    pairs = (entry.split(":", 1) for entry in settings.KEY_DIGEST_SECRETS)
    return {version: secret.encode() for version, secret in pairs}


def current_version() -> str:
    return settings.KEY_DIGEST_SECRETS[0].split(":", 1)[0]


def key_digest(number: str, key: str, *, version: str | None = None) -> tuple[str, str]:
    """Return (version, hex digest) of a key for a contract number."""
    version = version or current_version()
    secret = _secrets()[version]
    digest = hmac.new(secret, f"{number}:{key}".encode(), hashlib.sha256).hexdigest()
    return version, digest


def key_matches(number: str, key: str, *, version: str, digest: str) -> bool:
    """Constant-time comparison of a typed key against a stored digest."""
    if version not in _secrets():
        return False
    _, candidate = key_digest(number, key, version=version)
    return hmac.compare_digest(candidate, digest)


def token_digest(token: str) -> str:
    """SHA-256 (hex) of an API client's bearer token. Unkeyed on purpose: the token carries 256 bits
    from a CSPRNG, far beyond guessing, so a stolen table of digests gives nothing to work from."""
    return hashlib.sha256(token.encode()).hexdigest()
