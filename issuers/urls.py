from django.urls import path

from issuers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ordering-bodies/", views.ordering_body_list, name="ordering_body_list"),
]
