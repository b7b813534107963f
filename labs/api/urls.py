from django.urls import re_path

from labs.api import views
from orders.api.converters import api_path, endpoint_not_found

# Full paths under /api/1/ (/api/orders belongs to restaurant); every path answers with
# and without its trailing slash, without a redirect; an id is 1 to 18 ASCII digits
# (orders.api.converters).
urlpatterns = [
    *api_path("api/1/orders", views.OrderListView.as_view(), name="labs-order-list"),
    *api_path("api/1/orders/<id:pk>", views.OrderDetailView.as_view(),
              name="labs-order-detail"),
    *api_path("api/1/products", views.ProductListView.as_view(), name="labs-product-list"),
    *api_path("api/1/products/<id:pk>", views.ProductDetailView.as_view(),
              name="labs-product-detail"),
    *api_path("api/1/skus", views.SkuListView.as_view(), name="labs-sku-list"),
    *api_path("api/1/skus/<id:pk>", views.SkuDetailView.as_view(), name="labs-sku-detail"),
    *api_path("api/1/tests", views.TestListView.as_view(), name="labs-test-list"),
    *api_path("api/1/tests/<id:pk>", views.TestDetailView.as_view(),
              name="labs-test-detail"),
    # Anything else under /api/1/ (an id that is not one): the lab's 404 body.
    re_path(r"^api/1/", endpoint_not_found(views.LabAPIMixin)),
]
