from django.apps import AppConfig


class WholesaleConfig(AppConfig):
    name = "wholesale"
    verbose_name = "Wholesale"
