from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders core (tokens, history)"

    def ready(self):
        from orders import schema  # noqa: F401  registers the OpenAPI auth extension
