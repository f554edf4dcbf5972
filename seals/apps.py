from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "seals"
    verbose_name = "電子シール（見本）"
