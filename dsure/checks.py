"""`manage.py check --deploy`: KEY_DIGEST_SECRETS must be `version:secret` entries with distinct
versions and secrets of at least MIN_SECRET_LENGTH characters. An empty secret ("v1:") would make the
key digest a plain, unkeyed hash of a 69-bit key; a malformed entry would fail the first lookup."""

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_SECRET_LENGTH = 32
HINT = "Each entry is version:secret, newest first, e.g. v2:<secrets.token_urlsafe(32)> (docs/operations.md)."


@register(Tags.security, deploy=True)
def key_digest_secrets_parse(app_configs=None, **kwargs):
    errors, versions = [], set()
    for position, entry in enumerate(settings.KEY_DIGEST_SECRETS, start=1):
        version, colon, secret = entry.partition(":")
        if not colon or not version.strip() or version in versions:
            errors.append(
                Error(
                    f"KEY_DIGEST_SECRETS: entry {position} has no version of its own before ':'.",
                    hint=HINT,
                    id="esurety.E006",
                )
            )
        elif len(secret) < MIN_SECRET_LENGTH:
            errors.append(
                Error(
                    f"KEY_DIGEST_SECRETS: the secret of entry {position} ({version}) is empty or shorter "
                    f"than {MIN_SECRET_LENGTH} characters.",
                    hint=HINT,
                    id="esurety.E005",
                )
            )
        versions.add(version)
    return errors


@register(Tags.security, deploy=True)
def issuer_tokens_parse(app_configs=None, **kwargs):
    """DSURE_ISSUER_TOKENS: `issuer:token` entries, one per issuer, each token long enough that guessing
    it is hopeless (the surety companies that may post over HTTP, dsure.inbound)."""
    issuers = set()
    for position, entry in enumerate(settings.DSURE_ISSUER_TOKENS, start=1):
        issuer, _, token = entry.partition(":")
        if not issuer.strip() or issuer in issuers or len(token) < MIN_SECRET_LENGTH:
            return [
                Error(
                    f"DSURE_ISSUER_TOKENS: entry {position} is not issuer:token with an issuer of its own and "
                    f"a token of at least {MIN_SECRET_LENGTH} characters.",
                    hint="Each entry is issuer:<secrets.token_urlsafe(32)> (docs/operations.md, D-Sure).",
                    id="esurety.E011",
                )
            ]
        issuers.add(issuer)
    return []
