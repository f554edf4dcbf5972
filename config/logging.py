"""Structured logs: one line per request, one per business event, and nothing secret in either.

- `RequestLogMiddleware` writes one line per request: method, path (never the query string), status,
  duration in ms and the user's id (or "-").
- `log_event(name, **fields)` writes one line per business event ("guarantee_issued", …).
- `RedactFilter`, on the handler, scrubs every record whatever logger it came from: values of fields
  named like key/password/session/token/secret/csrf, such `name=value` pairs inside messages, and query
  strings inside messages (runserver's request lines carry them).
- `JsonFormatter` (LOG_FORMAT=json, the production default) writes one JSON object per line;
  `PlainFormatter` writes readable lines for development.

Structured fields travel on the record as one dict, `record.data`, so formatters never guess which of
a LogRecord's attributes are ours.
"""

import datetime
import json
import logging
import re
import time

from django.utils.functional import SimpleLazyObject, empty

REDACTED = "[redacted]"

request_logger = logging.getLogger("esurety.request")
event_logger = logging.getLogger("esurety.events")

# Field names whose values never reach a log, matched anywhere in the name (e.g. "session_key").
SENSITIVE_NAME = re.compile(
    r"key|pass|session|token|secret|csrf|cookie|authorization|キー|パスワード", re.IGNORECASE
)
# Inside free text: "key=…", "password: …", "sessionid=…", "認証キー：…" and the like. A 認証キー (twelve of
# 2-9, A-Z and a-z without I, O and l) is caught by the name in front of it, not by its shape: on its
# own the shape matches ordinary words ("Transactions").
_SENSITIVE_PAIR = re.compile(
    r"""(?P<name>[\w-]*(?:key|pass|session|token|secret|csrf|cookie|authorization|キー|パスワード)[\w-]*)"""
    r"""(?P<sep>["']?\s*[=:：]\s*["']?)(?P<value>[^\s&"',;}]+)""",
    re.IGNORECASE,
)
# A query string after a path: '"GET /dsure/?number=…&key=… HTTP/1.1"' keeps only '/dsure/?[redacted]'.
_QUERY_STRING = re.compile(r"""(?P<path>/[^\s?"']*)\?[^\s"']+""")


def redact_text(text: str) -> str:
    text = _QUERY_STRING.sub(lambda m: f"{m['path']}?{REDACTED}", text)
    return _SENSITIVE_PAIR.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)


def redact_value(name: str, value):
    """The value of a structured field, with whatever must not be logged replaced."""
    if SENSITIVE_NAME.search(name):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(name, v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactFilter(logging.Filter):
    """Scrubs a record in place; attached to the handlers so it sees every logger's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        data = getattr(record, "data", None)
        if isinstance(data, dict):
            record.data = {str(k): redact_value(str(k), v) for k, v in data.items()}
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the structured fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data = getattr(record, "data", None)
        if isinstance(data, dict):
            entry.update({k: v for k, v in data.items() if k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

    def formatException(self, ei) -> str:
        return redact_text(super().formatException(ei))


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger message name=value …` for a developer's terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        data = getattr(record, "data", None)
        if isinstance(data, dict) and data:
            fields = {k: v for k, v in data.items() if not (k == "event" and v == record.getMessage())}
            line += "".join(f" {k}={v}" for k, v in fields.items())
        return line

    def formatException(self, ei) -> str:
        return redact_text(super().formatException(ei))


def log_event(name: str, /, **fields) -> None:
    """Log one business event, e.g. `log_event("guarantee_issued", contract=number, by=user.pk)`.

    Fields are structured (JSON keys in production). Never pass a 認証キー, a password or a session
    id; if one slips in under a telling name (key=, password=, …) the filter replaces it anyway."""
    event_logger.info(name, extra={"data": {"event": name, **fields}})


def _user_id(request) -> str:
    """The user's id if this request already knew it: evaluating a lazy request.user here would cost
    a session and a user query on pages that never needed them."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    return str(user.pk)


class RequestLogMiddleware:
    """One line per request; first in MIDDLEWARE so redirects and errors of the others are counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        request_logger.info(
            "request",
            extra={
                "data": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user": _user_id(request),
                }
            },
        )
        return response


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING: everything to stderr through the redacting filter, in one format."""
    if log_format not in {"json", "plain"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain', not {log_format!r}")
    handler = {"handlers": ["console"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "config.logging.RedactFilter"}},
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "plain": {"()": "config.logging.PlainFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["redact"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Replace Django's own handlers (unfiltered console, mail_admins) with ours.
            "django": {**handler, "level": level},
            # runserver's request lines repeat RequestLogMiddleware's; keep its warnings and errors.
            "django.server": {**handler, "level": "WARNING"},
            "django.db.backends": {"level": "WARNING"},
            # fontTools narrates every subset of the seal block's font at INFO.
            "fontTools": {"level": "WARNING"},
        },
    }
