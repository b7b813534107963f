from django.urls import re_path

from orders.api.converters import api_path, endpoint_not_found
from restaurant.api import views

orders = views.OrderViewSet.as_view({"get": "list", "post": "create"})
order = views.OrderViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "put": "update", "delete": "destroy"})

# Every path answers with and without its trailing slash (no redirects); an id is 1 to 18
# ASCII digits (orders.api.converters).
urlpatterns = [
    *api_path("api/orders", orders, name="restaurant-order-list"),
    *api_path("api/orders/<id:pk>", order, name="restaurant-order-detail"),
    *api_path("api/token", views.TokenView.as_view(), name="restaurant-token"),
    # Anything else under /api/orders/ (an id that is not one): a JSON:API 404.
    re_path(r"^api/orders/", endpoint_not_found(views.JsonApiViewMixin)),
]
