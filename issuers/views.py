"""The public pages: how the flow works, and which ordering bodies accept 電子保証."""

from django.shortcuts import render
from django.utils import timezone

from issuers.selectors import esurety_ordering_bodies, esurety_prefectures


def home(request):
    return render(request, "issuers/home.html")


def ordering_body_list(request):
    # No name holds a NUL, and PostgreSQL refuses one in a query (a 500 for ?q=%00): drop it.
    search = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    prefectures = esurety_prefectures()
    prefecture = request.GET.get("prefecture", "")
    if prefecture not in prefectures:
        prefecture = ""
    return render(
        request,
        "issuers/ordering_body_list.html",
        {
            "bodies": esurety_ordering_bodies(search=search, prefecture=prefecture),
            "search": search,
            "prefectures": prefectures,
            "prefecture": prefecture,
            "today": timezone.localdate(),
        },
    )
