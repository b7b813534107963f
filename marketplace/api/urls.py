from django.urls import re_path

from marketplace.api import views

ID = r"[^/]+"  # public ids are 24 hex characters; anything else is looked up and 404s

# Every path answers with and without its trailing slash (no redirects). More specific
# paths first: /orders/merchants/{id} must not be read as /orders/{orderId}.
urlpatterns = [
    re_path(rf"^api/v1/orders/merchants/(?P<merchant_id>{ID})/records/(?P<record_id>{ID})/?$",
            views.OrderCreateView.as_view(), name="marketplace-order-create"),
    re_path(rf"^api/v1/orders/customers/(?P<customer_id>{ID})/?$",
            views.CustomerOrderListView.as_view(), name="marketplace-customer-orders"),
    re_path(rf"^api/v1/orders/merchants/(?P<merchant_id>{ID})/?$",
            views.MerchantOrderListView.as_view(), name="marketplace-merchant-orders"),
    re_path(rf"^api/v1/orders/(?P<order_id>{ID})/customers/(?P<customer_id>{ID})/?$",
            views.OrderCancelView.as_view(), name="marketplace-order-cancel"),
    re_path(rf"^api/v1/orders/(?P<order_id>{ID})/?$",
            views.OrderUpdateView.as_view(), name="marketplace-order-update"),
    re_path(r"^api/v1/records/?$", views.RecordListCreateView.as_view(),
            name="marketplace-record-list"),
    re_path(rf"^api/v1/records/(?P<record_id>{ID})/merchants/(?P<merchant_id>{ID})/?$",
            views.RecordRemoveView.as_view(), name="marketplace-record-remove"),
    re_path(rf"^api/v1/records/(?P<record_id>{ID})/?$", views.RecordDetailView.as_view(),
            name="marketplace-record-detail"),
    re_path(r"^api/v1/auth/login/customer/?$", views.LogInView.as_view(kind="customer"),
            name="marketplace-login-customer"),
    re_path(r"^api/v1/auth/login/merchant/?$", views.LogInView.as_view(kind="merchant"),
            name="marketplace-login-merchant"),
    # Anything else under the marketplace's prefixes: 404 in the origin's error body.
    re_path(r"^api/v1/(?:orders|records|auth)(?:/.*)?$", views.endpoint_not_found),
]
