from django.apps import AppConfig


class NetdeskConfig(AppConfig):
    name = "netdesk"
    verbose_name = "Net Desk（保証申込）"
