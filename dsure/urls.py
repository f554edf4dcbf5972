from django.urls import path

from dsure import views

app_name = "dsure"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("history/", views.history, name="history"),
]
