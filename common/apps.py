from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self):
        from common import checks, converters  # noqa: F401 — checks registers the deploy checks

        converters.register()
