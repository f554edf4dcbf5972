"""保証契約一覧 and 保証料計算書一覧: what was issued for the company's requests."""

from django.shortcuts import render

from netdesk.access import contractor_required


@contractor_required
def contract_list(request):
    return render(request, "netdesk/contract_list.html")


@contractor_required
def fee_statement_list(request):
    return render(request, "netdesk/fee_statement_list.html")
