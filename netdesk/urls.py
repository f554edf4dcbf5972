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
    # contracts (保証契約一覧) and fee statements (保証料計算書一覧)
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("fee-statements/", contracts.fee_statement_list, name="fee_statement_list"),
]
