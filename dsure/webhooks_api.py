"""The API's webhook registrations: an e-contract system (API client) registers where D-Sure sends the
events of its body's certificates (docs/dsure-api.md, "Webhooks").

- `GET  /dsure/api/v1/webhooks`        the client's endpoints (never a secret)
- `POST /dsure/api/v1/webhooks`        {"url": "https://…", "events": ["changed", …]} → 201 with the
                                        `whsec_` secret, the only time it is shown
- `DELETE /dsure/api/v1/webhooks/<id>` stop sending to it (204); another client's id is a 404
"""

import json

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from dsure.api import _bearer_token, _error, _is_short_text, _json, json_api
from dsure.models import WebhookEndpoint
from dsure.selectors import api_client_for_token
from dsure.webhook_urls import URL_MAX
from dsure.webhooks import webhook_endpoint_create, webhook_endpoint_disable


def _endpoint_json(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.event_kinds,
        "created_at": timezone.localtime(endpoint.created_at).isoformat(),
    }


def _unauthorized():
    return _error("unauthorized", 401, WWW_Authenticate='Bearer realm="dsure"')


def _registration(request) -> tuple[str, list[str]] | None:
    try:
        payload = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    url, events = payload.get("url"), payload.get("events")
    if (
        not _is_short_text(url, max_length=URL_MAX)
        or not isinstance(events, list)
        or not all(_is_short_text(event) for event in events)
    ):
        return None
    return url, events


@csrf_exempt
@json_api("GET", "POST")
@never_cache
@sensitive_variables("token", "secret")
def webhooks(request):
    if request.GET:
        return _error("bad_request", 400)
    api_client = api_client_for_token(_bearer_token(request))
    if api_client is None:
        return _unauthorized()
    if request.method == "GET":
        endpoints = api_client.webhook_endpoints.filter(disabled_at__isnull=True).order_by("pk")
        return _json({"webhooks": [_endpoint_json(endpoint) for endpoint in endpoints]})
    registration = _registration(request)
    if registration is None:
        return _error("bad_request", 400)
    try:
        endpoint, secret = webhook_endpoint_create(
            api_client=api_client, url=registration[0], event_kinds=registration[1]
        )
    except ValueError as refusal:
        return _json({"error": "bad_request", "detail": str(refusal)}, 400)
    return _json({**_endpoint_json(endpoint), "secret": secret}, 201)


@csrf_exempt
@json_api("DELETE")
@never_cache
@sensitive_variables("token")
def webhook(request, pk):
    api_client = api_client_for_token(_bearer_token(request))
    if api_client is None:
        return _unauthorized()
    endpoint = api_client.webhook_endpoints.filter(pk=pk, disabled_at__isnull=True).first()
    if endpoint is None:
        return _error("not_found", 404)
    webhook_endpoint_disable(endpoint=endpoint)
    return HttpResponse(status=204)
