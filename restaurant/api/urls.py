from django.urls import re_path

from restaurant.api import views

orders = views.OrderViewSet.as_view({"get": "list", "post": "create"})
order = views.OrderViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "put": "update", "delete": "destroy"})

# Every path answers with and without its trailing slash (no redirects).
urlpatterns = [
    re_path(r"^api/orders/?$", orders, name="restaurant-order-list"),
    re_path(r"^api/orders/(?P<pk>\d+)/?$", order, name="restaurant-order-detail"),
    re_path(r"^api/token/?$", views.TokenView.as_view(), name="restaurant-token"),
]
