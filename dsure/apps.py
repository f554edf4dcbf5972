from django.apps import AppConfig


class DsureConfig(AppConfig):
    name = "dsure"
    verbose_name = "D-Sure（保証確認サービス）"
