"""The JSON API for ordering bodies' e-contract systems: verify a certificate by number + key.

`POST /dsure/api/v1/verify` with `Authorization: Bearer <token>` (an ApiClient of the body) and
`{"number": "...", "key": "..."}`. It is the web lookup behind another door: the same
`certificate_lookup` (normalisation, malformed-number rule, throttling, logging, audit) with the API
client as the actor, and the same indistinguishable failure. docs/dsure-api.md tells integrators how.

No cookies, no session, no CSRF token: the bearer token is the only credential, and a browser cannot
send it cross-site without a CORS preflight that D-Sure never answers.

Every answer is JSON, errors included (`json_api`): a wrong method (405), an unknown URL under
/dsure/api/ (404), a database that is down (503) and a bug (500) — an e-contract system parses the
body of every answer, so the site's HTML error pages are never sent here.
"""

import datetime
import json
import logging
import math
from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from common.certificates import certificate_status, current_content, current_version, visible_history
from common.http import client_ip
from config.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from dsure import openapi_webhooks, services
from dsure.models import Certificate, LookupAttempt
from dsure.selectors import (
    API_STATUSES,
    api_client_for_token,
    api_status,
)
from dsure.services import certificate_lookup
from dsure.transparency import proof_bundle

FIELD_MAX = 64  # as on the web form
SPECIMEN = "見本: 電子保証シミュレーターの応答です。実際の保証証書ではなく、効力はありません。"

logger = logging.getLogger(__name__)


def _json(data: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Like every page and PDF, every answer says it is a simulation (the header also on errors).
    response["X-Simulation"] = "specimen; not a real surety certificate"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error: str, status: int, **headers) -> JsonResponse:
    return _json({"error": error}, status, **headers)


@sensitive_variables("token")
def _bearer_token(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def json_api(*methods: str):
    """The API's views: only `methods` (else 405), and every answer JSON — also for a request Django
    finds suspicious (400), when the database is down (503, like the site's page) or when the view
    fails (500, the details only in the log)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return _error("method_not_allowed", 405, Allow=", ".join(methods))
            try:
                return view(request, *args, **kwargs)
            except SuspiciousOperation:  # e.g. a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE
                return _error("bad_request", 400)
            except DATABASE_UNAVAILABLE as error:
                logger.error("database unavailable: %s", type(error).__name__)
                return _error("unavailable", 503, Retry_After=RETRY_AFTER_SECONDS)
            except Exception:
                logger.exception("API request failed: %s", request.path)
                return _error("internal_error", 500)

        return wrapper

    return decorator


def _is_short_text(value, max_length: int = FIELD_MAX) -> bool:
    """A non-empty string of at most max_length characters that UTF-8 can hold, without NUL: a JSON
    escape may name half of a surrogate pair (\\ud800), which is no text at all and could be neither
    hashed nor stored, or a NUL, which PostgreSQL cannot store either."""
    if not isinstance(value, str) or not 0 < len(value.strip()) <= max_length or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


@sensitive_variables("payload")
def _parse(request) -> tuple[str, str] | None:
    """(number, key) from the JSON body, or None when it is not an object with two short strings."""
    try:
        payload = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: deep nesting
        return None
    if not isinstance(payload, dict):
        return None
    number, key = payload.get("number"), payload.get("key")
    if not (_is_short_text(number) and _is_short_text(key)):
        return None
    return number, key


def _retry_after(retry_at) -> str:
    return str(max(1, math.ceil((retry_at - timezone.now()).total_seconds())))


def certificate_json(certificate: Certificate) -> dict:
    """What a successful verification returns: the current version, its status, the history and the
    current version's proof bundle from the transparency log (null while it waits to be sequenced)."""
    versions = list(certificate.versions.all())
    history = visible_history(versions)
    current = current_content(versions)
    status = certificate_status(
        current, today=timezone.localdate(), revoked=certificate.revoked_at is not None
    )
    shown = current_version(versions)
    bundle = proof_bundle(certificate, current=shown) if shown is not None else None
    return {
        "specimen": SPECIMEN,
        "number": certificate.number,
        "status": api_status(status),
        "product": current.get("product_name") or certificate.product_name,
        "beneficiary": current.get("beneficiary", ""),
        "guarantee_amount": current.get("guarantee_amount"),
        "guarantee_deadline": current.get("guarantee_deadline", ""),
        "work_name": current.get("work_name", ""),
        "history": [
            {
                "no": entry.number,
                "kind": entry.entry.kind,
                "change_no": entry.change_no,
                "posted_at": timezone.localtime(entry.shown.posted_at).isoformat(),
            }
            for entry in history
        ],
        "current": current,
        "proof": bundle.as_json() if bundle is not None else None,
    }


@csrf_exempt
@json_api("POST")
@never_cache
@sensitive_variables("token", "parsed")
def verify(request):
    if request.GET:  # the API takes no query string: a key there would travel in URLs and logs
        return _error("bad_request", 400)
    api_client = api_client_for_token(_bearer_token(request))
    if api_client is None:
        return _error("unauthorized", 401, WWW_Authenticate='Bearer realm="dsure"')
    parsed = _parse(request)
    if parsed is None:
        return _error("bad_request", 400)
    outcome = certificate_lookup(
        api_client=api_client, number_typed=parsed[0], key=parsed[1], ip_address=client_ip(request)
    )
    Result = LookupAttempt.Result
    if outcome.succeeded:
        return _json(certificate_json(outcome.certificate))
    if outcome.result == Result.BAD_NUMBER:
        return _error("bad_number", 400)
    if outcome.result == Result.THROTTLED:
        return _error("throttled", 429, Retry_After=_retry_after(outcome.retry_at))
    if outcome.result == Result.LOCKED:
        # As on the web page, only the certificate's own body learns that it is locked.
        return _error("locked", 423)
    if outcome.retry_at is not None:  # the failure that started a lock or a pause says when to retry
        return _error("not_found", 404, Retry_After=_retry_after(outcome.retry_at))
    return _error("not_found", 404)


@csrf_exempt  # changes nothing; without it a POST would get the CSRF failure's HTML page, not a 405
@json_api("GET", "HEAD")
def openapi(request):
    return _json(OPENAPI)


@csrf_exempt
@json_api("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request, rest):
    """Any other URL under /dsure/api/: the API's own 404, in JSON."""
    return _error("not_found", 404)


# --- The OpenAPI 3.1 description ------------------------------------------------------------------------

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
    "additionalProperties": False,
}


def _error_response(description: str, error: str, *, retry_after: bool = False) -> dict:
    response = {
        "description": description,
        "content": {
            "application/json": {
                "schema": {**_ERROR, "properties": {"error": {"const": error}}},
                "example": {"error": error},
            }
        },
    }
    if retry_after:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def _log_text(operation_id: str, summary: str) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "responses": {
            "200": {"description": summary, "content": {"text/plain": {"schema": {"type": "string"}}}}
        },
    }


def _log_proof(operation_id: str, first: str, second: str, summary: str) -> dict:
    integer = {"type": "integer", "minimum": 0}
    return {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [
            {"name": name, "in": "query", "required": True, "schema": integer} for name in (first, second)
        ],
        "responses": {
            "200": {
                "description": "The proof's hashes, base64.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LogProof"}}},
            },
            "400": {
                "description": "Sizes out of range (beyond the newest checkpoint, or not first ≤ second)."
            },
        },
    }


DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _span(duration: datetime.timedelta) -> str:
    """A throttling window in the description's words: "an hour", "15 minutes"."""
    minutes = int(duration.total_seconds()) // 60
    if minutes % 60:
        return f"{minutes} minutes"
    return "an hour" if minutes == 60 else f"{minutes // 60} hours"


BASE64 = {"type": "string", "contentEncoding": "base64"}
OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "D-Sure certificate verification API (simulation)",
        "version": "1.0.0",
        "summary": "Verify an electronic surety certificate by 保証契約番号 and 認証キー.",
        "description": (
            "SIMULATION (見本): part of the e-surety simulator, not a real surety service. "
            "An ordering body's e-contract system verifies a certificate that a contractor submitted. "
            "Only certificates whose 被保証者 is the token's body are ever returned; a wrong number, a "
            "wrong key and another body's certificate are the same 404. See docs/dsure-api.md."
        ),
    },
    "servers": [{"url": "/dsure/api/v1"}],
    "security": [{"bearerToken": []}],
    "paths": {
        "/verify": {
            "post": {
                "operationId": "verifyCertificate",
                "summary": "Verify a certificate by number and key",
                "description": (
                    "Every call is logged (never the key). Guessing is throttled exactly as on the web "
                    f"page: {services.NUMBER_FAILURE_LIMIT} failures on one number within "
                    f"{_span(services.NUMBER_FAILURE_WINDOW)} lock that number for this client for "
                    f"{_span(services.NUMBER_LOCK)}; {services.OFFICIAL_FAILURE_LIMIT} failures within "
                    f"{_span(services.OFFICIAL_FAILURE_WINDOW)} pause the client; "
                    f"{services.CERTIFICATE_FAILURE_LIMIT} consecutive failures on a certificate (by callers "
                    "of its body) lock it until the key is re-issued."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/VerifyRequest"},
                            "example": {"number": "20108-00001K", "key": "Z28YUE4J3Bux"},
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "The certificate: its current version, status and history.",
                        "headers": {"Cache-Control": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}}
                        },
                    },
                    "400": {
                        "description": (
                            "`bad_request`: the body is not a JSON object with `number` and `key` "
                            "(non-empty strings of at most 64 characters); nothing is logged. "
                            "`bad_number`: the number fails the shape or check-character rule; logged, "
                            "not counted as a guess."
                        ),
                        "content": {
                            "application/json": {
                                "schema": {
                                    **_ERROR,
                                    "properties": {"error": {"enum": ["bad_request", "bad_number"]}},
                                }
                            }
                        },
                    },
                    "401": _error_response("No token, an unknown token or a revoked one.", "unauthorized"),
                    "404": _error_response(
                        "Wrong number, wrong key, or a certificate of another body: indistinguishable. "
                        "Retry-After is set when this failure started a lock or a pause.",
                        "not_found",
                        retry_after=True,
                    ),
                    "423": _error_response(
                        "The body's own certificate is locked after 100 consecutive failures; the "
                        "contractor must ask the surety company to re-issue the key.",
                        "locked",
                    ),
                    "429": _error_response(
                        "Throttled: try again after Retry-After seconds.", "throttled", retry_after=True
                    ),
                    "405": _error_response("Any method but POST.", "method_not_allowed"),
                    "500": _error_response("A fault of the service; nothing was verified.", "internal_error"),
                    "503": _error_response(
                        "The service's database is unavailable: try again after Retry-After seconds.",
                        "unavailable",
                        retry_after=True,
                    ),
                },
            }
        },
        **openapi_webhooks.PATHS,
        **{
            path: {"servers": [{"url": "/dsure"}], "get": {"security": [], **operation}}
            for path, operation in {
                "/log/checkpoint": _log_text(
                    "getCheckpoint", "The newest checkpoint: a C2SP tlog-checkpoint signed note (Ed25519)."
                ),
                "/log/key": _log_text(
                    "getLogKey",
                    "The note verifier key: <origin>+<key hash>+<base64(0x01 ‖ Ed25519 public key)>.",
                ),
                "/log/entries/{index}": {
                    "operationId": "getLogEntry",
                    "summary": "The exact bytes of the entry at index (JSON: commitment, kind, issuer, posted_at)",
                    "parameters": [
                        {
                            "name": "index",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The entry's bytes.", "content": {"application/json": {}}},
                        "404": {"description": "No entry at that index yet."},
                    },
                },
                "/log/proof/inclusion": _log_proof(
                    "getInclusionProof",
                    "index",
                    "size",
                    "Inclusion proof of leaf index in the tree of size N.",
                ),
                "/log/proof/consistency": _log_proof(
                    "getConsistencyProof", "first", "second", "Consistency proof between tree sizes M and N."
                ),
            }.items()
        },
    },
    "webhooks": openapi_webhooks.WEBHOOKS,
    "components": {
        "securitySchemes": {
            "bearerToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The API client's token, shown once when it was created.",
            }
        },
        "headers": {
            "RetryAfter": {
                "description": "Seconds to wait before the next attempt.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "schemas": {
            "VerifyRequest": {
                "type": "object",
                "required": ["number", "key"],
                "properties": {
                    "number": {
                        "type": "string",
                        "maxLength": FIELD_MAX,
                        "description": (
                            "保証契約番号 as printed (e.g. 20108-00001K). Full-width characters, spaces "
                            "and hyphen variants are forgiven."
                        ),
                    },
                    "key": {
                        "type": "string",
                        "maxLength": FIELD_MAX,
                        "description": "認証キー (12 characters, case-sensitive; width and spaces forgiven).",
                    },
                },
            },
            "HistoryEntry": {
                "type": "object",
                "required": ["no", "kind", "change_no", "posted_at"],
                "properties": {
                    "no": {"type": "integer", "minimum": 1},
                    "kind": {"enum": ["new", "change"], "description": "新規 or 変更"},
                    "change_no": {"type": "integer", "minimum": 0, "description": "N of 変更N; 0 for 新規"},
                    "posted_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "電子保証発行日時 of the content shown for this entry (Asia/Tokyo).",
                    },
                },
                "additionalProperties": False,
            },
            "Certificate": {
                "type": "object",
                "required": [
                    "specimen",
                    "number",
                    "status",
                    "product",
                    "beneficiary",
                    "guarantee_amount",
                    "guarantee_deadline",
                    "work_name",
                    "history",
                    "current",
                    "proof",
                ],
                "properties": {
                    "specimen": {
                        "type": "string",
                        "description": "見本: this simulator's answers are never real certificates.",
                    },
                    "number": {"type": "string", "pattern": r"^\d{5}-\d{5}[A-Z]$"},
                    "status": {"enum": list(API_STATUSES.values()), "description": "有効 / 期限切れ / 取消"},
                    "product": {"type": "string", "description": "商品名, e.g. 前払金保証"},
                    "beneficiary": {"type": "string", "description": "被保証者, e.g. 小谷村長"},
                    "guarantee_amount": {"type": "integer", "description": "保証金額 in yen"},
                    "guarantee_deadline": {**DATE, "description": "保証期限 (ISO date)"},
                    "work_name": {"type": "string", "description": "工事名"},
                    "history": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/HistoryEntry"},
                        "description": "新規 → 変更N, oldest first; 訂正 and 変更取消 folded in.",
                    },
                    "current": {
                        "type": "object",
                        "description": "The current version's content as the surety company posted it.",
                        "required": ["number", "product_name", "beneficiary", "work_name"],
                    },
                    "proof": {
                        "oneOf": [{"$ref": "#/components/schemas/ProofBundle"}, {"type": "null"}],
                        "description": "The current version's proof of inclusion in D-Sure's transparency log; "
                        "null while it waits for the sequencer.",
                    },
                },
                "additionalProperties": False,
            },
            **openapi_webhooks.SCHEMAS,
            "ProofBundle": {
                "type": "object",
                "required": ["posting", "salt", "entry", "index", "inclusion", "checkpoint"],
                "description": (
                    "Checks offline with dsure/verifier.py: SHA-256(salt ‖ posting) is the entry's "
                    "`commitment`; the entry's leaf hash at `index` with `inclusion` gives the root hash "
                    "of `checkpoint`, a C2SP signed note under the key of GET /dsure/log/key."
                ),
                "properties": {
                    "posting": {"type": "string", "description": "The posting, RFC 8785 canonical JSON."},
                    "salt": {**BASE64, "description": "32 random bytes of this posting."},
                    "entry": {**BASE64, "description": "The log entry's exact bytes (JSON)."},
                    "index": {"type": "integer", "minimum": 0},
                    "inclusion": {
                        "type": "array",
                        "items": BASE64,
                        "description": "RFC 9162 inclusion proof.",
                    },
                    "checkpoint": {"type": "string", "description": "C2SP tlog-checkpoint signed note."},
                },
                "additionalProperties": False,
            },
            "LogProof": {
                "type": "object",
                "description": "RFC 9162 proof hashes, in order.",
                "properties": {"hashes": {"type": "array", "items": BASE64}},
                "required": ["hashes"],
            },
        },
    },
}
