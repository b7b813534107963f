from django.urls import re_path

from panels.api import views

# Every path answers with and without its trailing slash (no redirects).
urlpatterns = [
    re_path(r"^api/v1/customer-panel-orders/?$", views.OrderListCreateView.as_view(),
            name="panels-order-list"),
    re_path(r"^api/v1/customer-panel-orders/(?P<pk>\d+)/?$", views.OrderDetailView.as_view(),
            name="panels-order-detail"),
    re_path(r"^api/v1/customer-panel-orders/(?P<pk>\d+)/cancel/?$",
            views.OrderCancelView.as_view(), name="panels-order-cancel"),
    re_path(r"^api/v1/customers/?$", views.CustomerListCreateView.as_view(),
            name="panels-customer-list"),
    re_path(r"^api/v1/customers/(?P<pk>\d+)/?$", views.CustomerDetailView.as_view(),
            name="panels-customer-detail"),
    re_path(r"^api/v1/trait-panels/?$", views.PanelListView.as_view(), name="panels-panel-list"),
    re_path(r"^api/v1/api-token-auth/?$", views.TokenAuthView.as_view(),
            name="panels-token-auth"),
]
