"""The webhook part of the API's OpenAPI 3.1 description (dsure/api.py includes it): the registration
paths, and under `webhooks` the message D-Sure sends."""

from dsure.deliveries import WEBHOOK_TIMEOUT
from dsure.models import CertificateEvent
from dsure.selectors import API_STATUSES

EVENT_KINDS = [kind.value for kind in CertificateEvent.Kind]
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS = {
    "/webhooks": {
        "get": {
            "operationId": "listWebhooks",
            "summary": "This client's webhook endpoints (never their secrets)",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["webhooks"],
                        "properties": {
                            "webhooks": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}
                        },
                    },
                    "The endpoints, oldest first.",
                ),
                "401": _json(_ERROR, "No token, an unknown token or a revoked one."),
            },
        },
        "post": {
            "operationId": "registerWebhook",
            "summary": "Register an endpoint for the events of the body's certificates",
            "description": (
                "https only (plain http only to localhost on a DEBUG server). The answer carries the "
                "`whsec_` signing secret: it is shown this once."
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/WebhookRegistration"},
                        "example": {"url": "https://keiyaku.example.jp/dsure-events", "events": ["changed"]},
                    }
                },
            },
            "responses": {
                "201": _json({"$ref": "#/components/schemas/RegisteredWebhook"}, "Registered."),
                "400": _json(
                    {
                        **_ERROR,
                        "properties": {"error": {"const": "bad_request"}, "detail": {"type": "string"}},
                    },
                    "Not a JSON object with `url` and `events`, a refused URL or an unknown event (detail "
                    "in Japanese).",
                ),
                "401": _json(_ERROR, "No token, an unknown token or a revoked one."),
            },
        },
    },
    "/webhooks/{id}": {
        "delete": {
            "operationId": "removeWebhook",
            "summary": "Stop sending to this endpoint",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "204": {"description": "Removed; nothing more is sent to it."},
                "401": _json(_ERROR, "No token, an unknown token or a revoked one."),
                "404": _json(_ERROR, "Not an active endpoint of this client."),
            },
        }
    },
}

SCHEMAS = {
    "WebhookRegistration": {
        "type": "object",
        "required": ["url", "events"],
        "properties": {
            "url": {"type": "string", "format": "uri", "maxLength": 500},
            "events": {"type": "array", "items": {"enum": EVENT_KINDS}, "minItems": 1},
        },
    },
    "Webhook": {
        "type": "object",
        "required": ["id", "url", "events", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"enum": EVENT_KINDS}},
            "created_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    "RegisteredWebhook": {
        "type": "object",
        "required": ["id", "url", "events", "created_at", "secret"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"enum": EVENT_KINDS}},
            "created_at": {"type": "string", "format": "date-time"},
            "secret": {"type": "string", "pattern": "^whsec_", "description": "Shown only in this answer."},
        },
        "additionalProperties": False,
    },
    "CertificateEventMessage": {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"enum": [f"certificate.{kind}" for kind in EVENT_KINDS]},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {
                "type": "object",
                "required": [
                    "specimen",
                    "number",
                    "event",
                    "status",
                    "version",
                    "guarantee_deadline",
                    "occurred_at",
                ],
                "properties": {
                    "specimen": {"type": "string"},
                    "number": {"type": "string", "pattern": r"^\d{5}-\d{5}[A-Z]$"},
                    "event": {"enum": EVENT_KINDS},
                    "status": {"enum": list(API_STATUSES.values())},
                    "version": {
                        "type": "object",
                        "required": ["no", "kind", "change_no", "posted_at"],
                        "properties": {
                            "no": {"type": "integer", "minimum": 1},
                            "kind": {"enum": ["new", "change"]},
                            "change_no": {"type": "integer", "minimum": 0},
                            "posted_at": {"type": "string", "format": "date-time"},
                        },
                        "additionalProperties": False,
                    },
                    "guarantee_deadline": {"type": "string", "description": "保証期限 (ISO date)"},
                    "occurred_at": {"type": "string", "format": "date-time"},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
}

WEBHOOKS = {
    "certificateEvent": {
        "post": {
            "summary": "An event on a certificate in the body's inbox (Standard Webhooks)",
            "description": (
                "Signed per the Standard Webhooks specification: headers webhook-id (the event's id, the "
                "same on every retry and 再送), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 "
                "with the endpoint's whsec_ secret). Verify with the standardwebhooks library; answer 2xx "
                f"within {WEBHOOK_TIMEOUT[1]:g} seconds. See docs/dsure-api.md."
            ),
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
                for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
            ],
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CertificateEventMessage"}}
                }
            },
            "responses": {"2XX": {"description": "Received; anything else is retried."}},
        }
    }
}
