"""D-Sure pages for ordering-body officials."""

import csv

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.throttle import SEAL_CHECK_THROTTLED, seal_check_allowed
from common.certificates import certificate_status, standing_of
from common.http import client_ip, json_download, pdf_response
from common.spreadsheet import csv_text
from dsure.access import certificate_for_official, grant, login_view, official_required, refuse_key_in_url
from dsure.events import notice_open, notify_by_email_set
from dsure.forms import InboxSearchForm, LookupForm, NoticeSettingsForm, prefilled_number
from dsure.models import LookupAttempt
from dsure.selectors import (
    certificate_history,
    inbox_certificate,
    inbox_certificates,
    inbox_rows,
    lookup_history,
    notices,
    sealed_version,
    with_versions,
)
from dsure.services import (
    certificate_lookup,
    certificate_open_from_inbox,
    certificate_opened,
    seal_check_recorded,
)
from dsure.templatetags.dsure_tags import history_label
from dsure.transparency import proof_bundle
from seals.inspection import SealState
from seals.uploads import SealCheckForm, memory_only_upload

login = login_view
logout = refuse_key_in_url(auth_views.LogoutView.as_view(next_page=reverse_lazy("dsure:login")))

HISTORY_PAGE_SIZE = 50
NOTICE_PAGE_SIZE = 20
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
    # One commit: the attempt, its audit entry and the grant in the session (docs/performance.md).
    with transaction.atomic():
        outcome = certificate_lookup(
            official=request.official,
            number_typed=form.cleaned_data["number"],
            key=form.cleaned_data["key"],
            ip_address=client_ip(request),
        )
        if outcome.succeeded:
            grant(request, outcome.certificate)
    if outcome.succeeded:
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
def certificate_proof(request, public_id):
    """The current version's proof bundle from the transparency log, to check offline (docs/transparency.md)."""
    certificate = certificate_for_official(request, public_id)
    bundle = proof_bundle(certificate)
    if bundle is None:
        raise Http404
    return json_download(bundle.as_json(), f"電子証書_{certificate.number}_透明性ログ証明.json")


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
    form = InboxSearchForm(request.GET)
    certificates = inbox_certificates(request.official, search=form.search())
    page = Paginator(certificates, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = inbox_rows(with_versions(page.object_list), today=timezone.localdate())
    return render(request, "dsure/inbox.html", {"page": page, "rows": rows, "form": form})


@official_required
@require_http_methods(["GET", "POST"])
@never_cache
@memory_only_upload
def authenticity(request):
    """電子証書の真正性確認: an uploaded PDF's seal, and where it stands among the body's certificates."""
    if request.method == "GET":
        return render(request, "dsure/authenticity.html", {"form": SealCheckForm()})
    if not seal_check_allowed(request.user):
        context = {"form": SealCheckForm(), "refused": SEAL_CHECK_THROTTLED}
        return render(request, "dsure/authenticity.html", context, status=429)
    form = SealCheckForm(request.POST, request.FILES, request=request)
    if not form.is_valid():
        return render(request, "dsure/authenticity.html", {"form": form})
    check = form.result
    posted = sealed_version(request.official, check.seal_digest) if check.state == SealState.INTACT else None
    standing = None
    if posted is not None:
        certificate = posted.certificate
        standing = standing_of(
            list(certificate.versions.all()), posted.sequence, revoked=certificate.revoked_at is not None
        )
    seal_check_recorded(
        official=request.official,
        outcome=standing.state if standing else f"{check.state.value}:not-found",
        certificate=posted.certificate if posted else None,
    )
    return render(
        request,
        "dsure/authenticity.html",
        {"form": SealCheckForm(), "check": check, "standing": standing, "posted": posted},
    )


INBOX_CSV_HEADER = [
    "保証契約番号",
    "商品名",
    "受注者",
    "工事名",
    "保証金額",
    "保証期限",
    "状態",
    "最終掲載日時",
]


class _Echo:
    def write(self, value):
        return value


def _inbox_csv_lines(certificates, today):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(INBOX_CSV_HEADER)  # the BOM: Excel then reads UTF-8
    for certificate in with_versions(certificates).iterator(chunk_size=500):
        (row,) = inbox_rows([certificate], today=today)
        yield writer.writerow(
            [
                certificate.number,
                csv_text(row.content.get("product_name") or certificate.product_name),
                csv_text(row.content.get("contractor_name", "")),
                csv_text(row.content.get("work_name", "")),
                row.content.get("guarantee_amount", ""),
                row.deadline,
                row.status,
                timezone.localtime(certificate.last_posted_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )


@official_required
@require_GET
@never_cache
def inbox_csv(request):
    """The inbox as CSV (UTF-8 with BOM): every certificate of the search, not one page."""
    certificates = inbox_certificates(request.official, search=InboxSearchForm(request.GET).search())
    today = timezone.localdate()
    response = StreamingHttpResponse(
        _inbox_csv_lines(certificates, today), content_type="text/csv; charset=utf-8"
    )
    filename = f"inbox-{request.official.body.code}-{today:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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


@official_required
@require_http_methods(["GET", "POST"])
@never_cache
def notice_list(request):
    """通知: the body's notices, newest first, and the official's choice of e-mail."""
    official = request.official
    if request.method == "POST":
        form = NoticeSettingsForm(request.POST)
        if form.is_valid():
            notify_by_email_set(official=official, enabled=form.cleaned_data["notify_by_email"])
            messages.success(request, "通知メールの設定を保存しました。")
            return redirect("dsure:notices")
    else:
        form = NoticeSettingsForm(initial={"notify_by_email": official.notify_by_email})
    page = Paginator(notices(official), NOTICE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dsure/notices.html", {"page": page, "form": form})


@official_required
@require_GET
@never_cache
def notice_open_view(request, public_id):
    """Mark the notice read and open its certificate the way the inbox does (the same access rules)."""
    certificate = notice_open(official=request.official, public_id=public_id)
    if certificate is None:
        raise Http404
    return redirect("dsure:inbox_open", public_id=certificate.public_id)
