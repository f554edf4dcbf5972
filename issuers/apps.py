from django.apps import AppConfig


class IssuersConfig(AppConfig):
    name = "issuers"
    verbose_name = "保証会社（発行）"

    def ready(self):
        from issuers import checks  # noqa: F401 — registers the deploy checks
