from django.contrib import admin
from django.urls import include, path

from config.health import healthz

admin.site.site_header = "東日本建設業保証（見本）支店業務"
admin.site.site_title = "支店業務（見本）"
admin.site.index_title = "保証申込の審査と発行"

urlpatterns = [
    path("", include("issuers.urls")),
    path("", include("seals.urls")),
    path("netdesk/", include("netdesk.urls")),
    path("dsure/", include("dsure.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
