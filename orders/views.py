from django.shortcuts import render

DOMAINS = [
    {
        "app": "panels",
        "name": "Genomics panels",
        "origin": "genomics partner API: customer panel orders",
        "base_path": "/api/v1/customer-panel-orders/",
        "format": "JSON",
    },
    {
        "app": "wholesale",
        "name": "Wholesale",
        "origin": "wholesale customer orders: create-or-update, place",
        "base_path": "/apis/customer/orders",
        "format": "JSON",
    },
    {
        "app": "marketplace",
        "name": "Record marketplace",
        "origin": "customers order merchants' records",
        "base_path": "/api/v1/orders/",
        "format": "JSON",
    },
    {
        "app": "restaurant",
        "name": "Restaurant",
        "origin": "restaurant ordering API",
        "base_path": "/api/orders",
        "format": "JSON:API",
    },
    {
        "app": "labs",
        "name": "Testing lab",
        "origin": "testing-lab orders with samples and tests",
        "base_path": "/api/1/orders",
        "format": "JSON",
    },
]


def landing(request):
    return render(request, "landing.html", {"domains": DOMAINS})
