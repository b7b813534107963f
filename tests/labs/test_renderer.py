"""The lab API writes its JSON with orjson (orders.api.renderers): a client gets the bytes DRF's
JSONRenderer writes, whatever the text and numbers."""

import pytest
from rest_framework.renderers import JSONRenderer

from tests.conftest import bearer
from tests.labs.factories import CompanyFactory, ProductFactory, SkuFactory, company_token

pytestmark = pytest.mark.django_db

TEXTS = ['Line\u2028separator and\u2029paragraph', 'quote " backslash \\ tab \t',
         'control \x1f and \x7f', 'é ü 漢字 🧪', '</script>']


@pytest.mark.parametrize("serving_size", [None, "0.001", "12.500", "9999999.999", "-3.250"])
def test_bodies_are_drfs_bytes(client, serving_size):
    company = CompanyFactory()
    product = ProductFactory(company=company, name=TEXTS[0])
    for text in TEXTS:
        SkuFactory(product=product, name=text, serving_size_grams=serving_size)
    token = company_token(company)
    for path in ["/api/1/products", f"/api/1/products/{product.pk}", "/api/1/skus?per_page=3",
                 "/api/1/skus/999999999", "/api/1/skus?per_page=1000"]:
        response = client.get(path, **bearer(token))
        assert response.content == JSONRenderer().render(response.json()), path
    body = client.get(f"/api/1/products/{product.pk}", **bearer(token)).content
    assert b"\\u2028" in body and "漢字".encode() in body  # escaped as DRF does; UTF-8
