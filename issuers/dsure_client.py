"""The surety company's one way to D-Sure: send a posting, read what D-Sure knows of a contract.

Embedded (the default) these call D-Sure's entry point in-process. With DSURE_URL set they speak to a
D-Sure served elsewhere over HTTPS, with this issuer's credential (DSURE_ISSUER_TOKEN) as a bearer
token; the wire format is docs/dsure-api.md. Either way only plain JSON data crosses: this module
is the only one in `issuers` that imports from `dsure`, and only its entry (tests/test_architecture.py).
"""

import datetime
import logging

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from dsure import entry

logger = logging.getLogger(__name__)

API_PATH = "/dsure/surety/v1"
TIMEOUT = (3.05, 20)  # seconds: connect, read (a posting carries a PDF)


class DsureUnavailable(Exception):
    """D-Sure did not take the posting or answer the read (down, unreachable, it refused, or its answer
    could not be read): try again later."""


class DsureRefused(DsureUnavailable):
    """D-Sure refused the request for good (4xx other than 401, 408, 429): the same request would be
    refused again."""


# A bad or rotated token, a timeout, a throttle: D-Sure may take the same request later.
TRANSIENT = {401, 408, 429}


def embedded() -> bool:
    return not settings.DSURE_URL


@sensitive_variables("posting")
def post(posting: dict) -> datetime.datetime:
    """Send one posting; returns D-Sure's posted_at (the 電子保証発行日時). Over HTTP any failure is
    DsureUnavailable; embedded, D-Sure's own error propagates (same transaction, same database)."""
    if embedded():
        answer = entry.receive_posting(posting, issuer=settings.DSURE_ISSUER)
        return datetime.datetime.fromisoformat(answer["posted_at"])
    answer = _call("POST", "/postings", json=posting)
    return _read(lambda: datetime.datetime.fromisoformat(answer["posted_at"]))


def first_views(numbers: list[str]) -> dict[str, datetime.datetime]:
    """When the ordering body first viewed each certificate, for those viewed so far. Over HTTP, an
    unreachable D-Sure reads as none viewed (the page still works)."""
    if not numbers:
        return {}
    if embedded():
        views = entry.first_views(numbers, issuer=settings.DSURE_ISSUER)
        return {number: datetime.datetime.fromisoformat(at) for number, at in views.items()}
    try:
        views = _call("GET", "/first-views", params={"number": numbers})
        return _read(lambda: {str(n): datetime.datetime.fromisoformat(at) for n, at in views.items()})
    except DsureUnavailable:
        return {}


def proof_bundle(number: str) -> dict | None:
    """The transparency log's proof bundle of the certificate's current version, or None (not posted
    yet, waiting for the sequencer, or D-Sure unreachable)."""
    if embedded():
        return entry.proof_bundle(number, issuer=settings.DSURE_ISSUER)
    try:
        bundle = _call("GET", f"/certificates/{number}/proof").get("bundle")
    except DsureUnavailable:
        return None
    return bundle if isinstance(bundle, dict) else None


def _read(parse):
    """What `parse` makes of D-Sure's answer; an answer it cannot read is DsureUnavailable, like no answer."""
    try:
        return parse()
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        logger.warning("D-Sure answer unreadable error=%s", type(error).__name__)
        raise DsureUnavailable(f"unreadable answer ({type(error).__name__})") from error


@sensitive_variables("headers", "kwargs")
def _call(method: str, path: str, **kwargs) -> dict:
    url = f"{settings.DSURE_URL.rstrip('/')}{API_PATH}{path}"
    headers = {"Authorization": f"Bearer {settings.DSURE_ISSUER_TOKEN}"}
    try:
        response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as error:
        logger.warning("D-Sure unreachable method=%s path=%s error=%s", method, path, type(error).__name__)
        raise DsureUnavailable(type(error).__name__) from error
    status = response.status_code
    if status != 200:
        logger.warning("D-Sure refused method=%s path=%s status=%s", method, path, status)
        if 400 <= status < 500 and status not in TRANSIENT:
            error = _read(lambda: response.json()["error"]) if _is_json(response) else ""
            field = response.headers.get("X-Invalid-Field", "")
            raise DsureRefused(f"HTTP {status} {error} field={field}"[:300])
        raise DsureUnavailable(f"HTTP {status}")
    answer = _read(response.json)  # a proxy's HTML page is not D-Sure's answer
    if not isinstance(answer, dict):
        logger.warning("D-Sure answer unreadable method=%s path=%s", method, path)
        raise DsureUnavailable("unreadable answer")
    return answer


def _is_json(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")
