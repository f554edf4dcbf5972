from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("", include("issuers.urls")),
    path("", include("seals.urls")),
    path("netdesk/", include("netdesk.urls")),
    path("dsure/", include("dsure.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
