"""Net Desk's entry: login, logout, トップ, ヘルプ."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone

from issuers.selectors import esurety_ordering_bodies
from netdesk.access import contractor_required, login_view

login = login_view
logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("netdesk:login"))


@contractor_required
def home(request):
    return render(request, "netdesk/home.html")


@contractor_required
def help_page(request):
    """The help, with the leaflets' FAQ; Q7 names the ordering bodies registered for 電子保証."""
    return render(
        request,
        "netdesk/help.html",
        {"esurety_bodies": esurety_ordering_bodies(), "today": timezone.localdate()},
    )
