"""GET /healthz for load balancers and the compose healthcheck: is the database answering?

No authentication and no session (the view never touches request.user or request.session), and no
details on failure: the reason goes to the log, the caller only learns "error".
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database is unreachable")
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})
