"""The product's URLs plus the two ceilings the D-Sure lookup is measured against (docs/performance.md)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    path("bench/page/<int:pk>/", views.page, name="bench_page"),
    path("", include("config.urls")),
]
