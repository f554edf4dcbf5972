"""Responses every portal sends alike."""

from django.http import FileResponse, Http404


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
