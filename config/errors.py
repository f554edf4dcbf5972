"""When the database is down: a clear Japanese page (503) instead of a server error.

Nothing is lost by it: the failed transaction changed nothing, the saved draft is as it was, and what
the user typed is still in the browser's form (「戻る」). The page is rendered without a request context,
because the session and the user would need the very database that is missing.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# What a database that is down or unreachable raises; the JSON API answers them itself (dsure.api).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "60"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("database unavailable: %s", type(exception).__name__)
        response = HttpResponse(render_to_string("db_unavailable.html"), status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        response["Cache-Control"] = "no-store"
        return response
