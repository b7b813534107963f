from django.apps import AppConfig


class WholesaleConfig(AppConfig):
    name = "wholesale"
    verbose_name = "Wholesale"

    def ready(self):
        from wholesale import schema  # noqa: F401  registers the OpenAPI auth extension
