from django.urls import re_path

from labs.api import views

# Full paths under /api/1/ (/api/orders belongs to restaurant); every path answers with
# and without its trailing slash, without a redirect.
urlpatterns = [
    re_path(r"^api/1/orders/?$", views.OrderListView.as_view(), name="labs-order-list"),
    re_path(r"^api/1/orders/(?P<pk>\d+)/?$", views.OrderDetailView.as_view(),
            name="labs-order-detail"),
    re_path(r"^api/1/products/?$", views.ProductListView.as_view(), name="labs-product-list"),
    re_path(r"^api/1/products/(?P<pk>\d+)/?$", views.ProductDetailView.as_view(),
            name="labs-product-detail"),
    re_path(r"^api/1/skus/?$", views.SkuListView.as_view(), name="labs-sku-list"),
    re_path(r"^api/1/skus/(?P<pk>\d+)/?$", views.SkuDetailView.as_view(),
            name="labs-sku-detail"),
    re_path(r"^api/1/tests/?$", views.TestListView.as_view(), name="labs-test-list"),
    re_path(r"^api/1/tests/(?P<pk>\d+)/?$", views.TestDetailView.as_view(),
            name="labs-test-detail"),
]
