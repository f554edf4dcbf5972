"""Webhook endpoints of the bodies' e-contract systems (Standard Webhooks). An API client registers an
endpoint through the API; the `whsec_` signing secret exists in the answer once and is kept encrypted
(D-Sure must sign with it, so a digest would not do)."""

import base64
import secrets

from django.db import transaction
from django.utils import timezone

import audit
from common import encryption
from dsure.models import ApiClient, CertificateEvent, WebhookEndpoint
from dsure.webhook_urls import webhook_url_problem

SECRET_BYTES = 32
EVENT_KINDS = [kind.value for kind in CertificateEvent.Kind]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_endpoint_create(
    *, api_client: ApiClient, url: str, event_kinds: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the client's body. Returns it and its secret (shown to the caller once).
    Raises ValueError with a Japanese reason for a URL or an event kind that is refused."""
    problem = webhook_url_problem(url)
    if problem:
        raise ValueError(problem)
    unknown = sorted(set(event_kinds) - set(EVENT_KINDS))
    if not event_kinds or unknown:
        raise ValueError(f"通知する種別が正しくありません: {', '.join(unknown) or '（なし）'}")
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            api_client=api_client,
            url=url,
            event_kinds=[kind for kind in EVENT_KINDS if kind in event_kinds],
            secret_ciphertext=encryption.encrypt(secret),
        )
        audit.record(
            action="dsure.webhook.create",
            summary="Webhook送信先を登録",
            obj=endpoint,
            actor_label=f"api:{api_client.body.code}:{api_client.name}",
            url=url,
        )
    return endpoint, secret


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint) -> bool:
    """No more deliveries to it (those queued are still attempted). False when it was disabled already."""
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
            disabled_at=timezone.now()
        )
        if disabled:
            api_client = endpoint.api_client
            audit.record(
                action="dsure.webhook.disable",
                summary="Webhook送信先を停止",
                obj=endpoint,
                actor_label=f"api:{api_client.body.code}:{api_client.name}",
                url=endpoint.url,
            )
    return bool(disabled)
