"""変更の申込: from 詳細, the contractor asks for a 変更 of an issued contract; the branch issues it."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from issuers import amendments
from issuers import services as issuers_services
from issuers.models import ADVANCE_PRODUCTS
from netdesk import services
from netdesk.access import contractor_required
from netdesk.contract_forms import AmendmentForm
from netdesk.views.contracts import contract_for_company


@contractor_required
def amendment_new(request, pk):
    product_request = contract_for_company(request, pk)
    contract = product_request.contract
    content = issuers_services.current_content(contract)
    advance = contract.product in ADVANCE_PRODUCTS
    if request.method != "POST":
        initial = {**amendments.initial(content), "format": contract.format, "client_token": uuid.uuid4()}
        form = AmendmentForm(initial=initial, advance=advance)
        return _page(request, product_request, content, form)

    form = AmendmentForm(request.POST, advance=advance)
    if not form.is_valid():
        return _page(request, product_request, content, form)
    try:
        services.amendment_submit(
            product_request=product_request,
            by=request.user,
            client_token=form.cleaned_data["client_token"],
            format=form.cleaned_data["format"],
            terms=form.amendment(),
            reason=form.cleaned_data["reason"],
        )
    except LookupError as error:
        raise Http404 from error
    except services.TransitionError as error:
        form.add_error(getattr(error, "field", None), str(error))
        return _page(request, product_request, content, form)
    messages.success(
        request,
        "変更の申込を送信しました。弊社で手続きが完了しますと、変更後の保証証書が電子保証情報（履歴情報）に"
        "表示されます。"
        if contract.is_electronic
        else "変更の申込を送信しました。弊社で手続きが完了しますと、変更後の保証証書（紙）をお送りします。",
    )
    return redirect("netdesk:contract_detail", pk=contract.pk)


def _page(request, product_request, content, form):
    context = {
        "product_request": product_request,
        "contract": product_request.contract,
        "content": content,
        "form": form,
    }
    return render(request, "netdesk/amendment_form.html", context, status=200)
