"""D-Sure's transparency log, public: no login, no cookie, nothing but hashes, kinds, issuers, times
and signatures (docs/transparency.md). Every answer may be cached briefly except the checkpoint."""

import base64

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from dsure.models import LogLeaf
from dsure.transparency import consistency_proof, inclusion_proof, latest_checkpoint, signer

IMMUTABLE = {"public": True, "max_age": 3600}


def _text(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # anyone may monitor the log, from anywhere
    return response


def _proof(data: dict) -> JsonResponse:
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bad(error: str) -> JsonResponse:
    return JsonResponse({"error": error}, status=400)


def _integers(request, *names) -> list[int] | None:
    try:
        values = [request.GET[name] for name in names]
    except KeyError:
        return None
    if not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in values):
        return None
    return [int(value) for value in values]


@require_GET
@never_cache
def checkpoint(request):
    return _text(latest_checkpoint().note)


@require_GET
@cache_control(**IMMUTABLE)
def key(request):
    return _text(signer().verifier_key + "\n")


@require_GET
@cache_control(**IMMUTABLE)
def entry(request, index: int):
    leaf = LogLeaf.objects.filter(index=index).select_related("entry").first()
    if leaf is None:
        return JsonResponse({"error": "not_found"}, status=404)
    response = HttpResponse(bytes(leaf.entry.entry), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(**IMMUTABLE)
def proof_inclusion(request):
    values = _integers(request, "index", "size")
    if values is None:
        return _bad("index and size must be non-negative integers")
    index, size = values
    if not index < size <= latest_checkpoint().size:
        return _bad("need index < size ≤ the latest checkpoint's size")
    return _proof({"index": index, "size": size, "hashes": _b64(inclusion_proof(index, size))})


@require_GET
@cache_control(**IMMUTABLE)
def proof_consistency(request):
    values = _integers(request, "first", "second")
    if values is None:
        return _bad("first and second must be non-negative integers")
    first, second = values
    if not 0 < first <= second <= latest_checkpoint().size:
        return _bad("need 0 < first ≤ second ≤ the latest checkpoint's size")
    return _proof({"first": first, "second": second, "hashes": _b64(consistency_proof(first, second))})


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]
