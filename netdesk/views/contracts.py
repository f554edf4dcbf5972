"""保証契約一覧, 詳細 (電子保証履歴一覧), the certificate window, the PDFs, and 保証料計算書一覧.

Every object is fetched through the company's own product requests: another company's contract,
version or statement is a 404, never a 403. Pages and PDFs that carry the 認証キー are not cached.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.throttle import SEAL_CHECK_THROTTLED, seal_check_allowed
from common.http import json_download, pdf_response
from issuers import selectors as issuers_selectors
from issuers import services as issuers_services
from issuers.models import Product
from netdesk import selectors
from netdesk.access import contractor_required
from netdesk.contract_forms import ContractFilterForm
from netdesk.models import ProductRequest
from netdesk.services import intermediate_request_for
from seals.inspection import SealState
from seals.uploads import SealCheckForm, memory_only_upload

ELECTRONIC_TAB = "electronic"
FEE_STATEMENTS_PER_PAGE = 20


def contract_for_company(request, pk) -> ProductRequest:
    """The company's product request whose contract has this pk, with the contract; else 404."""
    return get_object_or_404(selectors.issued_requests_for_company(company=request.company), contract_id=pk)


def _shown_version(product_request: ProductRequest, version_pk: int):
    """(history entry, version) for a version the history shows; a corrected or cancelled one is a 404."""
    history = issuers_selectors.contract_history(product_request.contract.versions.select_related("posting"))
    for entry in history:
        if entry.shown.pk == version_pk:
            return entry, entry.shown
    raise Http404


@require_GET
@contractor_required
def contract_list(request):
    tab = ELECTRONIC_TAB if request.GET.get("tab") == ELECTRONIC_TAB else "all"
    bodies = selectors.ordering_bodies_of_company(company=request.company)
    form = ContractFilterForm(request.GET, ordering_bodies=bodies)
    filters = form.filters()
    today = timezone.localdate()
    requests = selectors.filter_contracts(
        selectors.issued_requests_for_company(company=request.company),
        product=filters["product"],
        ordering_body_id=filters["ordering_body"].pk if filters["ordering_body"] else None,
        electronic_only=tab == ELECTRONIC_TAB,
    )
    keep = None
    if filters["status"]:
        keep = selectors.contract_ids_with_status(
            company=request.company, status=filters["status"], today=today
        )
    page, shown = selectors.contracts_page(requests, number=request.GET.get("page"), keep=keep)
    context = {
        "tab": tab,
        "form": form,
        "page": page,
        "rows": selectors.contract_summaries(shown, today=today),
    }
    return render(request, "netdesk/contract_list.html", context)


@require_GET
@never_cache
@contractor_required
def contract_detail(request, pk):
    product_request = contract_for_company(request, pk)
    contract = product_request.contract
    history = issuers_selectors.contract_history(contract.versions.select_related("posting"))
    if not history:
        raise Http404
    current = history[-1].shown
    amendments = selectors.amendments_of(product_request=product_request)
    amendment_open = any(amendment.is_open for amendment in amendments)
    context = {
        "product_request": product_request,
        "contract": contract,
        "content": current.content,
        "current": current,
        "status": issuers_selectors.contract_status(
            current.content, today=timezone.localdate(), revoked=contract.revoked_at is not None
        ),
        "amendments": amendments,
        "amendment_open": amendment_open,
        "amendable": product_request.is_amendable and not amendment_open,
    }
    if contract.product == Product.ADVANCE and product_request.is_amendable:
        # Issued and in force: the 中間前払金保証 of the same work may be applied for from here.
        context["intermediate_offered"] = True
        context["intermediate"] = intermediate_request_for(product_request)
    if contract.is_electronic:
        context["history"] = history
        context["key"] = issuers_services.key_view(contract=contract, by=request.user)
        context["first_viewed_at"] = issuers_selectors.first_views([contract.number]).get(contract.number)
    return render(request, "netdesk/contract_detail.html", context)


@require_GET
@never_cache
@contractor_required
def certificate_window(request, pk, version_pk):
    """選択: the certificate of one history entry in its own window, with 印刷 and 閉じる."""
    product_request = contract_for_company(request, pk)
    if not product_request.contract.is_electronic:
        raise Http404
    entry, version = _shown_version(product_request, version_pk)
    context = {
        "contract": product_request.contract,
        "entry": entry,
        "version": version,
        "content": version.content,
    }
    return render(request, "netdesk/certificate_window.html", context)


@require_GET
@contractor_required
def certificate_pdf(request, pk, version_pk):
    """The stored PDF of a version the history shows (paper contracts: their printable certificate)."""
    product_request = contract_for_company(request, pk)
    entry, version = _shown_version(product_request, version_pk)
    return pdf_response(version.pdf, f"certificate-{product_request.contract.number}-{entry.number}.pdf")


@require_GET
@contractor_required
def certificate_proof(request, pk):
    """The current version's proof bundle from D-Sure's transparency log (docs/transparency.md)."""
    product_request = contract_for_company(request, pk)
    bundle = issuers_selectors.proof_bundle(product_request.contract.number)
    if bundle is None:
        raise Http404
    return json_download(bundle, f"certificate-{product_request.contract.number}-proof.json")


@require_GET
@contractor_required
def key_notice_pdf(request, pk):
    """印刷: the latest 電子保証にかかる「認証キー」のお知らせ. The key is in the PDF, never in the URL."""
    product_request = contract_for_company(request, pk)
    notice = issuers_services.key_notice_download(contract=product_request.contract, by=request.user)
    if notice is None:
        raise Http404
    return pdf_response(notice.notice_pdf, f"key-notice-{product_request.contract.number}.pdf")


@require_GET
@contractor_required
def fee_statement_list(request):
    page = selectors.fee_statement_page(
        company=request.company,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=FEE_STATEMENTS_PER_PAGE,
    )
    total = selectors.fee_statement_total(company=request.company)
    return render(request, "netdesk/fee_statement_list.html", {"page": page, "total": total})


@require_GET
@contractor_required
def fee_statement_pdf(request, pk):
    statement = get_object_or_404(selectors.fee_statements_for_company(company=request.company), pk=pk)
    return pdf_response(statement.pdf, f"fee-statement-{statement.contract.number}-{statement.pk}.pdf")


@contractor_required
@require_http_methods(["GET", "POST"])
@never_cache
@memory_only_upload
def authenticity(request):
    """The contractor's own 電子証書の真正性確認: the same check as D-Sure's, for the company's certificates."""
    context = {"form": SealCheckForm()}
    if request.method == "POST":
        if not seal_check_allowed(request.user):
            context["refused"] = SEAL_CHECK_THROTTLED
            return render(request, "netdesk/authenticity.html", context, status=429)
        form = SealCheckForm(request.POST, request.FILES, request=request)
        if not form.is_valid():
            return render(request, "netdesk/authenticity.html", {"form": form})
        check = form.result
        version = None
        if check.state == SealState.INTACT:
            version = issuers_selectors.sealed_version(
                seal_digest=check.seal_digest,
                contract_ids=selectors.contract_ids_for_company(company=request.company),
            )
        context.update(
            check=check,
            version=version,
            standing=issuers_selectors.version_standing(version) if version else None,
        )
    return render(request, "netdesk/authenticity.html", context)
