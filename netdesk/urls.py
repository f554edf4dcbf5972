from django.urls import path

from netdesk.views import amendments, applications, contracts, intermediate, portal

app_name = "netdesk"

urlpatterns = [
    path("", portal.home, name="home"),
    path("login/", portal.login, name="login"),
    path("logout/", portal.logout, name="logout"),
    path("help/", portal.help_page, name="help"),
    # applications (保証申込)
    path("applications/", applications.application_list, name="application_list"),
    path("applications/new/", applications.application_new, name="application_new"),
    path("applications/<id:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<id:pk>/edit/", applications.application_edit, name="application_edit"),
    path("applications/<id:pk>/confirm/", applications.application_confirm, name="application_confirm"),
    path("applications/<id:pk>/done/", applications.application_done, name="application_done"),
    path("applications/<id:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"),
    path(
        "applications/<id:pk>/intermediate/withdraw/",
        applications.intermediate_withdraw,
        name="intermediate_withdraw",
    ),
    path("applications/<id:pk>/delete/", applications.application_delete, name="application_delete"),
    # contracts (保証契約一覧) and fee statements (保証料計算書一覧)
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/<id:pk>/", contracts.contract_detail, name="contract_detail"),
    path("contracts/<id:pk>/key-notice/", contracts.key_notice_pdf, name="key_notice_pdf"),
    path(
        "contracts/<id:pk>/certificates/<id:version_pk>/",
        contracts.certificate_window,
        name="certificate_window",
    ),
    path(
        "contracts/<id:pk>/certificates/<id:version_pk>/pdf/",
        contracts.certificate_pdf,
        name="certificate_pdf",
    ),
    path("contracts/<id:pk>/proof.json", contracts.certificate_proof, name="certificate_proof"),
    path("contracts/<id:pk>/amendments/new/", amendments.amendment_new, name="amendment_new"),
    path("contracts/<id:pk>/intermediate/new/", intermediate.intermediate_new, name="intermediate_new"),
    path("authenticity/", contracts.authenticity, name="authenticity"),
    path("fee-statements/", contracts.fee_statement_list, name="fee_statement_list"),
    path("fee-statements/<id:pk>/pdf/", contracts.fee_statement_pdf, name="fee_statement_pdf"),
]
