"""保証申込: create, confirm, submit, list and withdraw applications."""

from django.shortcuts import render

from netdesk.access import contractor_required


@contractor_required
def application_list(request):
    return render(request, "netdesk/application_list.html")
