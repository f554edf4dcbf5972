"""中間前払金保証の申込: from 詳細 of an issued 前払金保証, the contractor applies for the intermediate
advance's guarantee on the same work; the branch reviews and issues it like the others."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from common.formats import rate
from issuers import services as issuers_services
from issuers.models import Product
from netdesk import rules, services
from netdesk.access import contractor_required
from netdesk.contract_forms import IntermediateForm, intermediate_initial
from netdesk.views.contracts import contract_for_company


@contractor_required
@require_http_methods(["GET", "POST"])
def intermediate_new(request, pk):
    advance_request = contract_for_company(request, pk)
    contract = advance_request.contract
    if contract.product != Product.ADVANCE:
        raise Http404
    previous = services.intermediate_request_for(advance_request)
    if previous is not None and previous.requested and not previous.may_send:
        messages.info(
            request, f"この工事の中間前払金保証は申込済みです（手続状況: {previous.status_label}）。"
        )
        return redirect("netdesk:application_detail", pk=advance_request.application_id)
    content = issuers_services.current_content(contract)
    if request.method != "POST":
        initial = intermediate_initial(advance_request=advance_request, content=content, previous=previous)
        return _page(request, advance_request, content, previous, IntermediateForm(initial=initial))

    form = IntermediateForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, advance_request, content, previous, form)
    try:
        services.intermediate_submit(
            advance_request=advance_request, by=request.user, values=form.cleaned_data
        )
    except services.ApplicationInvalid as error:
        form.add_rule_errors(error.errors)
        return _page(request, advance_request, content, previous, form)
    except services.TransitionError as error:
        form.add_error(None, str(error))
        return _page(request, advance_request, content, previous, form)
    messages.success(
        request,
        "中間前払金保証を申し込みました。弊社で手続きが完了しますと、保証契約一覧に表示されます。",
    )
    return redirect("netdesk:application_detail", pk=advance_request.application_id)


def _page(request, advance_request, content, previous, form):
    body = advance_request.contract.ordering_body
    context = {
        "contract": advance_request.contract,
        "content": content,
        "form": form,
        "body": body,
        "previous": previous if previous is not None and previous.requested else None,
        "notice_from_company": advance_request.application.notice_from_company
        if previous is not None and previous.is_returned
        else "",
        "refusal": rules.intermediate_refusal(
            body, content if advance_request.contract.revoked_at is None else None
        ),
        "maximum": rules.intermediate_maximum(body, content["contract_amount"]),
        "total_maximum": rules.advance_total_maximum(body, content["contract_amount"]),
        "intermediate_percent": rate(body.intermediate_ratio_limit),
        "total_percent": rate(body.advance_total_ratio_limit),
    }
    return render(request, "netdesk/intermediate_form.html", context)
