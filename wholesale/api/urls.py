from django.urls import re_path

from orders.api.converters import api_path, endpoint_not_found
from wholesale.api import views

# Every path answers with and without its trailing slash (no redirects); an id is 1 to 18
# ASCII digits (orders.api.converters).
urlpatterns = [
    *api_path("apis/customer/orders", views.OrderListCreateView.as_view(),
              name="wholesale-order-list"),
    *api_path("apis/customer/orders/<id:pk>", views.OrderDetailView.as_view(),
              name="wholesale-order-detail"),
    *api_path("apis/customer/orders/<id:pk>/place", views.OrderPlaceView.as_view(),
              name="wholesale-order-place"),
    *api_path("apis/customer/products", views.ProductListView.as_view(),
              name="wholesale-product-list"),
    # Anything else under the origin's paths (an id that is not one): its 404 body.
    re_path(r"^apis/customer/", endpoint_not_found(views.WholesaleAPIMixin)),
]
