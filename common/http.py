"""Requests and responses every portal handles alike."""

import ipaddress
import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def pdf_response(file_field, filename: str) -> FileResponse:
    """A stored PDF as a download, never cached (certificates and key notices are not for shared caches).
    Stored files are only ever served through such scoped views, never from MEDIA_URL."""
    if not file_field:
        raise Http404
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


def json_download(data: dict, filename: str) -> HttpResponse:
    """A JSON document as a download, never cached (a proof bundle carries the certificate's content)."""
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with settings.TRUSTED_PROXY_COUNT proxies in front, the address the outermost
    of them saw (X-Forwarded-For, counted from the right: entries further left are the client's own
    and can be forged)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
