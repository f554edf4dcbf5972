"""Makes the request's user and client IP available to audit.record for the rest of the request.

Placed after AuthenticationMiddleware. The IP is read as the login throttle reads it (REMOTE_ADDR, or
X-Forwarded-For behind settings.TRUSTED_PROXY_COUNT proxies of ours)."""

from audit import context
from common.http import client_ip


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(request=request, ip_address=client_ip(request))
        try:
            return self.get_response(request)
        finally:
            context.unbind(token)
