"""D-Sure pages for ordering-body officials."""

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from common.http import client_ip, pdf_response
from dsure.access import certificate_for_official, grant, login_view, official_required, refuse_key_in_url
from dsure.forms import LookupForm, prefilled_number
from dsure.models import LookupAttempt
from dsure.selectors import (
    certificate_history,
    certificate_status,
    inbox_certificate,
    inbox_certificates,
    inbox_rows,
    lookup_history,
    with_versions,
)
from dsure.services import certificate_lookup, certificate_open_from_inbox, certificate_opened
from dsure.templatetags.dsure_tags import history_label

login = login_view
logout = refuse_key_in_url(auth_views.LogoutView.as_view(next_page=reverse_lazy("dsure:login")))

HISTORY_PAGE_SIZE = 50
INBOX_PAGE_SIZE = 20


@official_required
@sensitive_post_parameters("key")
@require_http_methods(["GET", "POST"])
@never_cache
def home(request):
    if request.method == "GET":
        form = LookupForm(initial={"number": prefilled_number(request.GET.get("number", ""))})
        return render(request, "dsure/home.html", {"form": form})

    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "dsure/home.html", {"form": form})
    outcome = certificate_lookup(
        official=request.official,
        number_typed=form.cleaned_data["number"],
        key=form.cleaned_data["key"],
        ip_address=client_ip(request),
    )
    if outcome.succeeded:
        grant(request, outcome.certificate)
        return redirect("dsure:certificate", public_id=outcome.certificate.public_id)
    form.add_outcome(outcome)
    status = 429 if outcome.result == LookupAttempt.Result.THROTTLED else 200
    return render(request, "dsure/home.html", {"form": form}, status=status)


def _certificate_page(request, public_id, sequence, template_name):
    certificate = certificate_for_official(request, public_id)
    history = certificate_history(certificate)
    if not history:
        raise Http404
    current = history[-1]
    if sequence is None:
        entry = current
    else:
        entry = next((e for e in history if e.shown.sequence == sequence), None)
        if entry is None:
            raise Http404
    content = entry.shown.content
    certificate_opened(official=request.official, certificate=certificate)
    return render(
        request,
        template_name,
        {
            "certificate": certificate,
            "history": history,
            "entry": entry,
            "is_current": entry is current,
            "content": content,
            "status": certificate_status(
                current.shown.content, today=timezone.localdate(), revoked=certificate.revoked_at is not None
            ),
        },
    )


@official_required
@require_GET
@never_cache
def certificate(request, public_id):
    return _certificate_page(request, public_id, None, "dsure/certificate.html")


@official_required
@require_GET
@never_cache
def certificate_version(request, public_id, sequence):
    return _certificate_page(request, public_id, sequence, "dsure/certificate.html")


@official_required
@require_GET
@never_cache
def certificate_print(request, public_id, sequence):
    return _certificate_page(request, public_id, sequence, "dsure/certificate_print.html")


@official_required
@require_GET
@never_cache
def certificate_pdf(request, public_id, sequence):
    certificate = certificate_for_official(request, public_id)
    entry = next((e for e in certificate_history(certificate) if e.shown.sequence == sequence), None)
    if entry is None:
        raise Http404
    label = history_label(entry)
    return pdf_response(entry.shown.pdf, f"電子証書_{certificate.number}_{label}.pdf")


@official_required
@require_GET
@never_cache
def history(request):
    page = Paginator(lookup_history(request.official), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dsure/history.html", {"page": page})


@official_required
@require_GET
@never_cache
def inbox(request):
    """受領済み電子証書一覧: the body's certificates that one of its officials has looked up once."""
    page = Paginator(inbox_certificates(request.official), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = inbox_rows(with_versions(page.object_list), today=timezone.localdate())
    return render(request, "dsure/inbox.html", {"page": page, "rows": rows})


@official_required
@require_GET
@never_cache
def inbox_open(request, public_id):
    """Open a certificate of the inbox without the key (docs/dsure.md, "The inbox")."""
    certificate = inbox_certificate(request.official, public_id)
    if certificate is None:
        raise Http404
    certificate_open_from_inbox(official=request.official, certificate=certificate)
    grant(request, certificate)
    return redirect("dsure:certificate", public_id=certificate.public_id)
