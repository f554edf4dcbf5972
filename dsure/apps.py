from django.apps import AppConfig


class DsureConfig(AppConfig):
    name = "dsure"
    verbose_name = "D-Sure（保証確認サービス）"

    def ready(self):
        from dsure import checks  # noqa: F401 — registers the deploy checks
