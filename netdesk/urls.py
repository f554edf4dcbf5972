from django.urls import path

from netdesk.views import applications, contracts, portal

app_name = "netdesk"

urlpatterns = [
    path("", portal.home, name="home"),
    path("login/", portal.login, name="login"),
    path("logout/", portal.logout, name="logout"),
    path("help/", portal.help_page, name="help"),
    # applications (保証申込)
    path("applications/", applications.application_list, name="application_list"),
    path("applications/new/", applications.application_new, name="application_new"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path("applications/<int:pk>/confirm/", applications.application_confirm, name="application_confirm"),
    path("applications/<int:pk>/done/", applications.application_done, name="application_done"),
    path("applications/<int:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"),
    # contracts (保証契約一覧) and fee statements (保証料計算書一覧)
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("fee-statements/", contracts.fee_statement_list, name="fee_statement_list"),
]
