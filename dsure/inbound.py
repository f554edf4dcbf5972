"""D-Sure's entry (dsure.entry) over HTTP, for a surety company whose client runs elsewhere
(issuers.dsure_client with DSURE_URL; wire format: docs/dsure-api.md).

Each issuer authenticates with its own bearer token, configured on D-Sure's side
(DSURE_ISSUER_TOKENS, "issuer:token"); the token decides who is posting, compared in constant time,
and never appears in a URL or a log. Answers are JSON, errors included (dsure.api.json_api).
"""

import hmac
import json
import logging

from django.conf import settings
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from dsure import entry
from dsure.api import _bearer_token, _error, _json, json_api

logger = logging.getLogger(__name__)


@sensitive_variables("token", "configured")
def _issuer(request) -> str | None:
    """The issuer whose token the request carries, else None. Every configured token is compared, so
    the time taken does not tell which issuer's token came close."""
    token = _bearer_token(request).encode()
    found = None
    for configured in settings.DSURE_ISSUER_TOKENS:
        issuer, _, secret = configured.partition(":")
        if hmac.compare_digest(token, secret.encode()) and secret and found is None:
            found = issuer
    return found if token else None


def _authenticated(view):
    def wrapper(request, *args, **kwargs):
        issuer = _issuer(request)
        if issuer is None:
            return _error("unauthorized", 401, WWW_Authenticate="Bearer")
        return view(request, *args, issuer=issuer, **kwargs)

    return wrapper


@csrf_exempt
@never_cache
@json_api("POST")
@_authenticated
@sensitive_variables("posting")
def postings(request, *, issuer):
    try:
        posting = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error("invalid_json", 400)
    if not isinstance(posting, dict) or posting.get("issuer") not in (None, issuer):
        return _error("invalid_posting", 400)
    try:
        answer = entry.receive_posting(posting, issuer=issuer)
    except entry.PostingConflict as conflict:
        logger.warning("posting conflicts issuer=%s field=%s", issuer, conflict)
        return _error("conflict", 409, X_Invalid_Field=str(conflict))
    except entry.PostingRefused as refusal:
        logger.warning("posting refused issuer=%s field=%s", issuer, refusal)
        return _error("invalid_posting", 400, X_Invalid_Field=str(refusal))
    return _json(answer)


@never_cache
@json_api("GET")
@_authenticated
def first_views(request, *, issuer):
    return _json(entry.first_views(request.GET.getlist("number")[:100], issuer=issuer))


@never_cache
@json_api("GET")
@_authenticated
def proof(request, number, *, issuer):
    return _json({"bundle": entry.proof_bundle(number, issuer=issuer)})
