"""D-Sure pages for ordering-body officials."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from dsure.access import login_view, official_required

login = login_view
logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("dsure:login"))


@official_required
def home(request):
    return render(request, "dsure/home.html")


@official_required
def history(request):
    return render(request, "dsure/history.html")
