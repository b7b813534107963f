from django.urls import re_path

from orders.api.converters import api_path, endpoint_not_found
from panels.api import views

# Every path answers with and without its trailing slash (no redirects); an id is 1 to 18
# ASCII digits (orders.api.converters).
urlpatterns = [
    *api_path("api/v1/customer-panel-orders/", views.OrderListCreateView.as_view(),
              name="panels-order-list"),
    *api_path("api/v1/customer-panel-orders/<id:pk>/", views.OrderDetailView.as_view(),
              name="panels-order-detail"),
    *api_path("api/v1/customer-panel-orders/<id:pk>/cancel/", views.OrderCancelView.as_view(),
              name="panels-order-cancel"),
    *api_path("api/v1/customers/", views.CustomerListCreateView.as_view(),
              name="panels-customer-list"),
    *api_path("api/v1/customers/<id:pk>/", views.CustomerDetailView.as_view(),
              name="panels-customer-detail"),
    *api_path("api/v1/trait-panels/", views.PanelListView.as_view(), name="panels-panel-list"),
    *api_path("api/v1/api-token-auth/", views.TokenAuthView.as_view(),
              name="panels-token-auth"),
    # Anything else under the partner API's paths (an id that is not one): its 404 body.
    re_path(r"^api/v1/(?:customer-panel-orders|customers|trait-panels|api-token-auth)/",
            endpoint_not_found(views.PartnerAPIMixin)),
]
