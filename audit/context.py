"""Who is acting and from where, for the request being served: set by AuditContextMiddleware and read
by audit.record when the caller does not say. A contextvar, so threads and async tasks each see their
own request (asgiref copies the context into sync_to_async threads)."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request: object
    ip_address: str | None

    @property
    def user(self):
        """The request's user, or None when anonymous. Read only when an entry is written: the lazy
        request.user costs a session and a user query on pages that never record anything."""
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def bind(*, request, ip_address: str | None) -> contextvars.Token:
    return _current.set(RequestContext(request=request, ip_address=ip_address))


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)
