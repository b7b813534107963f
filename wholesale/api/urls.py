from django.urls import re_path

from wholesale.api import views

# Every path answers with and without its trailing slash (no redirects).
urlpatterns = [
    re_path(r"^apis/customer/orders/?$", views.OrderListCreateView.as_view(),
            name="wholesale-order-list"),
    re_path(r"^apis/customer/orders/(?P<pk>\d+)/?$", views.OrderDetailView.as_view(),
            name="wholesale-order-detail"),
    re_path(r"^apis/customer/orders/(?P<pk>\d+)/place/?$", views.OrderPlaceView.as_view(),
            name="wholesale-order-place"),
    re_path(r"^apis/customer/products/?$", views.ProductListView.as_view(),
            name="wholesale-product-list"),
]
