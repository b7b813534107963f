"""Each bad input: its status, the origin's error body naming the field, nothing written;
and the plain validation functions a bulk importer shares with the API."""

import json

import pytest
from django.http import QueryDict

from marketplace.inputs import order_body_fields, order_create_input, record_input
from orders.inputs import InputErrors
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.test_orders_api import CREATE_URL, ORDER_ID

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
VALID = {"shipping_address1": "1 Road", "shipping_city": "Austin", "shipping_state": "TX",
         "shipping_zip": "73301", "paypal_email": "me@example.com"}


def without(name):
    return {k: v for k, v in VALID.items() if k != name}


def assert_refused(response, status, field, text=""):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error_message", "response_code"}
    assert body["response_code"] == status
    assert f"{field}: " in body["error_message"], body
    assert text in body["error_message"], body


# (body, field named, message text); tests/marketplace/test_imports.py feeds the same
# list to import_orders.
BAD_CREATE_BODIES = [
    *[(without(name), name, "This field is required.") for name in VALID],
    ({**VALID, "shipping_city": "   "}, "shipping_city", "required"),
    ({**VALID, "paypal_email": "not-an-email"}, "paypal_email", "not a valid email"),
    ({**VALID, "shipping_zip": 27615}, "shipping_zip", "Must be a string"),
    ({**VALID, "shipping_zip": "9" * 21}, "shipping_zip", "At most 20 characters"),
    ({**VALID, "comments": [1, 2]}, "comments", "string or a list of strings"),
    ({**VALID, "comments": ["x"] * 101}, "comments", "At most 100 comments"),
    ({**VALID, "shiping_city": "typo"}, "shiping_city", "Unknown field."),
    ({**VALID, "status": "Completed"}, "status", "Set by the system"),
    ({**VALID, "__v": 3}, "__v", "Set by the system"),
    ({**without("shipping_city"), "shipping_info": [{"shipping_city": "A"},
                                                     {"shipping_city": "B"}]},
     "shipping_info", "one object"),
    ({**without("shipping_city"), "shipping_info": "Austin"}, "shipping_info",
     "one object"),
    ({**without("shipping_city"), "billing_info": [{"shipping_city": "Austin"}]},
     "billing_info[0].shipping_city", "Unknown field in billing_info"),
    ({**VALID, "shipping_info": [{"shipping_city": "Dallas"}]}, "shipping_city",
     "Given more than once"),
    # PostgreSQL text (and jsonb) cannot hold a NUL character: a 400, not a 500.
    ({**VALID, "shipping_city": "Aus\u0000tin"}, "shipping_city", "NUL character"),
    ({**VALID, "billing_city": "\u0000"}, "billing_city", "NUL character"),
    ({**VALID, "comments": ["fine", "not\u0000fine"]}, "comments[1]", "NUL character"),
    ({**VALID, "comments": "\u0000"}, "comments", "NUL character"),
]


@pytest.mark.parametrize("body, field, text", BAD_CREATE_BODIES)
def test_bad_create_bodies_are_400_naming_the_field(client, demo, body, field, text):
    before = write_counts()
    response = client.post(CREATE_URL, json.dumps(body), content_type="application/json",
                           **bearer(demo["customer"]["token"]))
    assert_refused(response, 400, field, text)
    assert write_counts() == before


@pytest.mark.parametrize(
    "form, field, text",
    [
        ("shipping_city=A&shipping_city=B", "shipping_city", "Given more than once"),
        ("billing_info%5B1%5D%5Bbilling_city%5D=Boston", "billing_info[1][billing_city]",
         "holds one object"),
        ("billing_info=Boston", "billing_info", "one object"),
        ("shipping_city%5Bx%5D=A", "shipping_city[x]", "Unknown field"),
        ("comments%5Bfirst%5D=A", "comments[first]", "comments[]"),
        ("status=Lost", "status", "'Lost' is not one of: In progress, Completed, Cancelled."),
        ("__v=one", "__v", "Must be a whole number"),
        ("__v=%C2%B2", "__v", "Must be a whole number"),  # "²": a digit to str.isdigit
        ("__v=" + "9" * 5000, "__v", "Must be a whole number"),
        ("__v=" + "9" * 30, "__v", "from 0 to 2147483647"),
        ("paypal_email=nobody", "paypal_email", "not a valid email"),
        ("shipping_address1=", "shipping_address1", "This field is required."),
        ("", "", "Nothing to update"),
        ("_id=5c68a588fc924b00178bf143", "", "Nothing to update"),
    ],
)
def test_bad_update_forms_are_400_naming_the_field(client, demo, form, field, text):
    before = write_counts()
    response = client.put(f"/api/v1/orders/{ORDER_ID}", form, content_type=FORM,
                          **bearer(demo["merchant"]["token"]))
    assert response.status_code == 400
    message = response.json()["error_message"]
    assert message.startswith(f"{field}: " if field else "Nothing to update"), message
    assert text in message
    assert write_counts() == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null"])
def test_a_json_body_that_is_not_an_object_is_400(client, demo, raw):
    before = write_counts()
    response = client.put(f"/api/v1/orders/{ORDER_ID}", raw, content_type="application/json",
                          **bearer(demo["merchant"]["token"]))
    assert response.status_code == 400
    assert response.json()["error_message"] == "The body must be an object of fields."
    assert write_counts() == before


class TestValidationFunctions:
    """What a bulk importer calls: the same functions, no HTTP."""

    def test_one_parser_for_every_body_shape(self):
        expected = {"billing_city": "Boston", "shipping_zip": "02101",
                    "comments": ["a", "b"]}
        shapes = [
            {"billing_city": "Boston", "shipping_zip": "02101", "comments": ["a", "b"]},
            {"billing_info": [{"billing_city": "Boston"}],
             "shipping_info": {"shipping_zip": "02101"}, "comments": ["a", "b"]},
            QueryDict("billing_info[0][billing_city]=Boston&shipping_info[shipping_zip]=02101"
                      "&comments=a&comments=b"),
            QueryDict("billing_city=Boston&shipping_zip=02101&comments[]=a&comments[]=b"),
            QueryDict("billing_city=Boston&shipping_zip=02101&comments[1]=b&comments[0]=a"
                      "&_id=x&created_date=y&customer_info[0][email]=z"),
        ]
        for shape in shapes:
            errors = {}
            assert order_body_fields(shape, errors) == expected, shape
            assert errors == {}

    def test_create_validation_cleans_and_names_every_problem(self):
        cleaned = order_create_input({**VALID, "shipping_city": " Austin ",
                                         "comments": "Gift wrap"})
        assert cleaned.shipping_city == "Austin"
        assert cleaned.comments == ["Gift wrap"]
        assert cleaned.billing_zip == ""
        with pytest.raises(InputErrors) as error:
            order_create_input({"paypal_email": "x", "extra": 1})
        assert set(error.value.as_dict()) == {
            "extra", "paypal_email", "shipping_address1", "shipping_city", "shipping_state",
            "shipping_zip"}

    @pytest.mark.parametrize("price, ok", [("19.99", True), (19.99, True), (20, True),
                                           ("0", True), ("1.999", False), ("-1", False),
                                           ("abc", False), (True, False), ("NaN", False),
                                           ("", False), ("100000000", False)])
    def test_record_price(self, price, ok):
        body = {"artist": "A", "title": "T", "condition": "VG", "price": price}
        if ok:
            assert str(record_input(body)["price"]) == str(price)
        else:
            with pytest.raises(InputErrors) as error:
                record_input(body)
            assert set(error.value.as_dict()) == {"price"}


class TestBeyondTheDatabase:
    """Ids, numbers and text no column can hold: the origin's error, never a 500."""

    @pytest.mark.parametrize("param", ["limit", "offset"])
    @pytest.mark.parametrize("value", [str(10**20), str(2**63)])
    def test_a_paging_number_beyond_a_bigint_is_400(self, client, demo, param, value):
        response = client.get(f"/api/v1/records?{param}={value}",
                              **bearer(demo["customer"]["token"]))
        assert_refused(response, 400, param)

    def test_an_artist_with_a_nul_character_is_400(self, client, demo):
        response = client.get("/api/v1/records?artist=a%00b", **bearer(demo["customer"]["token"]))
        assert_refused(response, 400, "artist", "NUL character")

    @pytest.mark.parametrize("method, path, token", [
        ("get", "/api/v1/records/a%00b", "customer"),
        ("put", "/api/v1/orders/%00", "merchant"),
        ("delete", "/api/v1/orders/%00/customers/5c6777d1d6a7470017de33c3", "customer"),
        ("post", "/api/v1/orders/merchants/5c679751bb102c001706bf0a/records/%00", "customer"),
    ])
    def test_an_id_with_a_nul_character_is_404(self, client, demo, method, path, token):
        before = write_counts()
        body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
        response = getattr(client, method)(path, **body, **bearer(demo[token]["token"]))
        assert response.status_code == 404
        assert response.json()["response_code"] == 404
        assert write_counts() == before

    @pytest.mark.parametrize("form", ["shipping_city=Aus%00tin", "comments[]=a%00b"])
    def test_an_update_form_with_a_nul_character_is_400(self, client, demo, form):
        before = write_counts()
        response = client.put(f"/api/v1/orders/{ORDER_ID}", form, content_type=FORM,
                              **bearer(demo["merchant"]["token"]))
        field = form.split("=")[0]
        assert_refused(response, 400, field, "NUL character")
        assert write_counts() == before

    def test_a_version_beyond_the_column_is_400(self, client, demo):
        response = client.put(f"/api/v1/orders/{ORDER_ID}",
                              json.dumps({"__v": 10**20, "shipping_city": "Q"}),
                              content_type="application/json",
                              **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, "__v", "from 0 to 2147483647")

    def test_a_record_with_a_nul_character_is_400(self, client, demo):
        response = client.post("/api/v1/records", json.dumps(
            {"artist": "A\u0000", "title": "T", "price": 1, "condition": "good"}),
            content_type="application/json", **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, "artist", "NUL character")
