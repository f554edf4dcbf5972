from django.urls import path

from dsure import api, inbound, log_views, views, webhooks_api

app_name = "dsure"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("history/", views.history, name="history"),
    path("inbox/", views.inbox, name="inbox"),
    path("authenticity/", views.authenticity, name="authenticity"),
    path("inbox/csv/", views.inbox_csv, name="inbox_csv"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<uuid:public_id>/", views.notice_open_view, name="notice_open"),
    path("inbox/<uuid:public_id>/", views.inbox_open, name="inbox_open"),
    path("api/v1/verify", api.verify, name="api_verify"),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
    path("api/v1/webhooks", webhooks_api.webhooks, name="api_webhooks"),
    path("api/v1/webhooks/<id:pk>", webhooks_api.webhook, name="api_webhook"),
    path("api/<path:rest>", api.not_found, name="api_not_found"),
    path("surety/v1/postings", inbound.postings, name="surety_postings"),
    path("surety/v1/first-views", inbound.first_views, name="surety_first_views"),
    path("surety/v1/certificates/<str:number>/proof", inbound.proof, name="surety_proof"),
    path("log/checkpoint", log_views.checkpoint, name="log_checkpoint"),
    path("log/key", log_views.key, name="log_key"),
    path("log/entries/<id:index>", log_views.entry, name="log_entry"),
    path("log/proof/inclusion", log_views.proof_inclusion, name="log_proof_inclusion"),
    path("log/proof/consistency", log_views.proof_consistency, name="log_proof_consistency"),
    path("certificates/<uuid:public_id>/", views.certificate, name="certificate"),
    path("certificates/<uuid:public_id>/proof.json", views.certificate_proof, name="certificate_proof"),
    path(
        "certificates/<uuid:public_id>/versions/<id:sequence>/",
        views.certificate_version,
        name="certificate_version",
    ),
    path(
        "certificates/<uuid:public_id>/versions/<id:sequence>/print/",
        views.certificate_print,
        name="certificate_print",
    ),
    path(
        "certificates/<uuid:public_id>/versions/<id:sequence>/pdf/",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
]
