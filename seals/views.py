"""The public trust pages: the demo root CA that every sealed document chains to, and its CRL."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from seals import pki


@require_GET
def trust(request):
    root = pki.root_certificate()
    return render(
        request,
        "seals/trust.html",
        {
            "subject": root.subject.human_friendly,
            "valid_from": root.not_valid_before,
            "valid_to": root.not_valid_after,
            "fingerprint": pki.root_fingerprint(),
            "pem": pki.root_pem().decode("ascii"),
        },
    )


@require_GET
@cache_control(max_age=3600, public=True)
def root_pem(request):
    response = HttpResponse(pki.root_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="esurety-demo-root.pem"'
    return response


@require_GET
@cache_control(max_age=3600, public=True)
def root_crl(request):
    return HttpResponse(pki.root_crl_der(), content_type="application/pkix-crl")
