"""The ceilings of the D-Sure lookup benchmark, served by the same gunicorn in the same run.

(a) `bare`: the whole middleware stack and a view returning a short text, no query, no template.
(b) `page`: one primary-key query, then a page rendering D-Sure's base template (templates/dsure/base.html).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from dsure.models import Certificate


def bare(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def page(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk)
    return render(request, "bench/page.html", {"certificate": certificate})
