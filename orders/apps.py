from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders core (tokens, history)"

    def ready(self):
        from orders import db, schema  # noqa: F401  register the any_of lookup, OpenAPI auth
