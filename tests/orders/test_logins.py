"""Every place that takes a password: the admin login, the three API log-in endpoints and
wholesale HTTP Basic. Throttled per username and per address (django-axes, in the cache),
equal for a wrong password, an unknown user and a user outside the domain, and the tokens
the log-in endpoints issue expire and do not pile up."""

import base64
import json
import os
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from orders.models import ApiToken
from orders.services import api_token_create
from tests.conftest import bearer
from tests.marketplace.factories import CustomerFactory as MarketplaceCustomerFactory
from tests.marketplace.factories import MerchantFactory
from tests.panels.factories import PartnerFactory
from tests.restaurant.factories import StaffFactory
from tests.wholesale.factories import TradeAccountFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Right-pass-1"
LIMIT = 3
LOCKED = ("Too many failed log-in attempts for this account or from this address. "
          "Try again in 900 seconds.")


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how often it hashes: checks and new hashes alike."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.orders.test_logins.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def new_user(**fields):
    n = get_user_model().objects.count()
    fields.setdefault("username", f"login-user{n}")
    fields.setdefault("email", f"login-user{n}@example.com")
    return get_user_model().objects.create_user(password=PASSWORD, **fields)


# --- the places: who logs in where, and what a wrong password answers today --------------


class Place:
    name = ""
    wrong_status = 0
    success_status = 0

    def principal(self) -> str:
        """A user of this domain with PASSWORD; the identifier to log in with."""
        raise NotImplementedError

    def outsider(self) -> str:
        """A user with PASSWORD but no principal in this domain; the identifier."""
        user = new_user()
        return user.email

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        raise NotImplementedError

    def wrong_body(self) -> bytes | None:
        return None

    def locked_body(self, message) -> dict:
        raise NotImplementedError


class Admin(Place):
    name = "admin"
    wrong_status = 200
    success_status = 302

    def principal(self):
        return new_user(is_staff=True).username

    def outsider(self):
        return new_user().username  # not staff

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        return client.post("/admin/login/", {"username": identifier, "password": password},
                           REMOTE_ADDR=address)


class Panels(Place):
    name = "panels"
    wrong_status = 400
    success_status = 200

    def principal(self):
        user = new_user()
        PartnerFactory(user=user)
        return user.username

    def outsider(self):
        return new_user().username

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        return client.post("/api/v1/api-token-auth/",
                           {"username": identifier, "password": password}, REMOTE_ADDR=address)

    def wrong_body(self):
        return {"errors": {}, "non-field-errors": ["Unable to log in with provided credentials."]}

    def locked_body(self, message):
        return {"errors": {}, "non-field-errors": [message]}


class Marketplace(Place):
    wrong_status = 401
    success_status = 200

    def __init__(self, kind):
        self.kind = kind
        self.name = f"marketplace-{kind}"

    def principal(self):
        factory = MarketplaceCustomerFactory if self.kind == "customer" else MerchantFactory
        return factory(user=new_user()).email

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        return client.post(f"/api/v1/auth/login/{self.kind}",
                           {"email": identifier, "password": password}, REMOTE_ADDR=address)

    def wrong_body(self):
        return {"error_message": f"Wrong email or password for a {self.kind} account.",
                "response_code": 401}

    def locked_body(self, message):
        return {"error_message": message, "response_code": 429}


class Restaurant(Place):
    name = "restaurant"
    wrong_status = 422
    success_status = 201

    def principal(self):
        return StaffFactory(user=new_user()).email

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        return client.post("/api/token", json.dumps(
            {"email": identifier, "password": password, "device_name": "till"}),
            content_type="application/json", REMOTE_ADDR=address)

    def wrong_body(self):
        return {"errors": [{"status": "422", "title": "Invalid attribute",
                            "detail": "The provided credentials are incorrect.",
                            "source": {"pointer": "/data/attributes/email"}}]}

    def locked_body(self, message):
        return {"errors": [{"status": "429", "title": "Too many requests", "detail": message}]}


class Wholesale(Place):
    name = "wholesale"
    wrong_status = 401
    success_status = 200

    def principal(self):
        user = new_user()
        TradeAccountFactory(user=user)
        return user.email

    def attempt(self, client, identifier, password, address="10.0.0.1"):
        raw = base64.b64encode(f"{identifier}:{password}".encode()).decode()
        return client.get("/apis/customer/orders", HTTP_AUTHORIZATION=f"Basic {raw}",
                          REMOTE_ADDR=address)

    def wrong_body(self):
        return {"message": "Invalid email or password."}

    def locked_body(self, message):
        return {"message": message}


API_PLACES = [Panels(), Marketplace("customer"), Marketplace("merchant"), Restaurant(),
              Wholesale()]
PLACES = [Admin(), *API_PLACES]
LOGIN_ENDPOINTS = API_PLACES[:4]  # the ones that issue tokens


def by_name(places):
    return pytest.mark.parametrize("place", places, ids=[p.name for p in places])


def assert_wrong_password_answer(place, response):
    assert response.status_code == place.wrong_status
    if place.wrong_body() is not None:
        assert response.json() == place.wrong_body()
    else:  # the admin's form
        assert b"Please enter the correct username and password" in response.content


def assert_locked_answer(place, response):
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    if isinstance(place, Admin):
        page = response.content.decode()
        assert "Log-in refused" in page and "Try again in 15 minutes." in page
        assert "Django administration" in page  # the admin's own styled page
    else:
        assert response.json() == place.locked_body(LOCKED)


# --- lockout ---------------------------------------------------------------------------


@by_name(PLACES)
def test_wrong_passwords_up_to_the_limit_then_429_even_for_the_right_password(place):
    identifier, client = place.principal(), Client()
    for _ in range(LIMIT):  # the 1st to the Nth: the domain's usual answer
        assert_wrong_password_answer(place, place.attempt(client, identifier, "wrong"))
    assert_locked_answer(place, place.attempt(client, identifier, "wrong"))
    assert_locked_answer(place, place.attempt(client, identifier, PASSWORD))
    # another address is refused too: the username is locked
    assert_locked_answer(place, place.attempt(client, identifier, PASSWORD, address="10.9.9.9"))


@by_name(PLACES)
def test_the_username_counter_ignores_case(place):
    identifier, client = place.principal(), Client()
    for n in range(LIMIT):
        place.attempt(client, identifier.upper(), "wrong", address=f"10.1.0.{n}")
    assert_locked_answer(place, place.attempt(client, identifier, PASSWORD, address="10.2.0.1"))


@by_name(PLACES)
def test_the_limit_is_per_client_address_across_usernames(place):
    identifier, client = place.principal(), Client()
    for n in range(LIMIT):
        response = place.attempt(client, f"nobody{n}@example.com", "wrong", address="10.0.0.7")
        assert_wrong_password_answer(place, response)
    assert_locked_answer(place, place.attempt(client, identifier, PASSWORD, address="10.0.0.7"))
    # the user is not locked out everywhere: from another address the password works
    response = place.attempt(client, identifier, PASSWORD, address="10.0.0.8")
    assert response.status_code == place.success_status


@by_name(PLACES)
def test_a_right_password_before_the_limit_still_works(place):
    identifier, client = place.principal(), Client()
    for _ in range(LIMIT - 1):
        place.attempt(client, identifier, "wrong")
    assert place.attempt(client, identifier, PASSWORD).status_code == place.success_status


# --- no oracle ---------------------------------------------------------------------------


@by_name(API_PLACES)
def test_right_password_of_a_user_outside_the_domain_answers_like_a_wrong_one(place):
    client = Client()
    wrong = place.attempt(client, place.principal(), "wrong", address="10.0.0.1")
    outsider = place.outsider()
    right_but_outside = place.attempt(client, outsider, PASSWORD, address="10.0.0.2")
    assert right_but_outside.status_code == wrong.status_code == place.wrong_status
    assert right_but_outside.content == wrong.content
    # and it counts as a failure
    for n in range(LIMIT - 1):
        place.attempt(client, outsider, PASSWORD, address=f"10.0.1.{n}")
    assert_locked_answer(place, place.attempt(client, outsider, PASSWORD, address="10.0.2.1"))


def test_admin_right_password_of_a_non_staff_user_answers_like_a_wrong_one():
    place, client = Admin(), Client()
    assert_wrong_password_answer(place, place.attempt(client, place.outsider(), PASSWORD))


@by_name(PLACES)
def test_an_unknown_user_costs_one_hash_like_a_known_one(place, counting_hasher):
    known, outsider = place.principal(), place.outsider()
    client = Client()
    hashes = {}
    for case, identifier, password in [("wrong password", known, "wrong"),
                                       ("unknown user", "nobody@example.com", "wrong"),
                                       ("outside the domain", outsider, PASSWORD),
                                       ("right password", known, PASSWORD)]:
        counting_hasher.calls = 0
        place.attempt(client, identifier, password, address=f"10.3.0.{len(hashes)}")
        hashes[case] = counting_hasher.calls
    assert hashes == {"wrong password": 1, "unknown user": 1, "outside the domain": 1,
                      "right password": 1}


# --- request rate ------------------------------------------------------------------------


@by_name(LOGIN_ENDPOINTS)
def test_the_log_in_rate_per_address_throttles_successful_log_ins_too(place, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"login": "3/min"}}
    identifier, client = place.principal(), Client()
    for _ in range(3):
        assert place.attempt(client, identifier, PASSWORD).status_code == place.success_status
    response = place.attempt(client, identifier, PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    message = "Request was throttled. Expected available in {} seconds.".format(
        response["Retry-After"])
    assert response.json() == place.locked_body(message)
    # another address is not throttled
    response = place.attempt(client, identifier, PASSWORD, address="10.4.0.1")
    assert response.status_code == place.success_status


# --- wholesale Basic -------------------------------------------------------------------


def test_wholesale_basic_hashes_once_and_drops_the_entry_on_a_password_change(
        counting_hasher):
    place, client = Wholesale(), Client()
    email = place.principal()
    counting_hasher.calls = 0
    assert place.attempt(client, email, PASSWORD).status_code == 200
    assert place.attempt(client, email, PASSWORD).status_code == 200
    assert counting_hasher.calls == 1

    user = get_user_model().objects.get(email=email)
    user.set_password("A-new-pass-2")
    user.save()
    response = place.attempt(client, email, PASSWORD)
    assert response.status_code == 401
    assert response.json() == place.wrong_body()
    assert place.attempt(client, email, "A-new-pass-2").status_code == 200


def test_wholesale_basic_trusted_entry_does_not_pass_a_lockout():
    place, client = Wholesale(), Client()
    email = place.principal()
    assert place.attempt(client, email, PASSWORD).status_code == 200  # now trusted
    for n in range(LIMIT):
        place.attempt(client, email, "wrong", address=f"10.5.0.{n}")
    assert_locked_answer(place, place.attempt(client, email, PASSWORD))


def test_wholesale_basic_with_a_nul_in_the_email_is_a_wrong_password():
    place, client = Wholesale(), Client()
    response = place.attempt(client, "a\x00b@example.com", "wrong")
    assert response.status_code == 401
    assert response.json() == place.wrong_body()


# --- tokens the log-in endpoints issue ---------------------------------------------------


def issued_token(place, response) -> str:
    body = response.json()
    return body.get("token") or body.get("secret token")


def orders_url(place) -> str:
    return {"panels": "/api/v1/customer-panel-orders/",
            "restaurant": "/api/orders"}.get(place.name, "/api/v1/records")


@by_name(LOGIN_ENDPOINTS)
def test_log_in_tokens_expire_after_the_setting(place, settings, monkeypatch):
    settings.LOGIN_TOKEN_TTL = timedelta(hours=2)
    identifier, client = place.principal(), Client()
    before = timezone.now()
    raw = issued_token(place, place.attempt(client, identifier, PASSWORD))
    token = ApiToken.objects.get(prefix=raw[:8])
    assert token.issued_by_login
    assert before + timedelta(hours=2) <= token.expires_at <= timezone.now() + timedelta(hours=2)
    assert client.get(orders_url(place), **bearer(raw)).status_code == 200

    later = token.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(orders_url(place), **bearer(raw))
    assert response.status_code == 401
    assert "expired" in response.content.decode()


@by_name(LOGIN_ENDPOINTS)
def test_the_per_user_cap_revokes_the_oldest_log_in_token(place, settings):
    settings.LOGIN_TOKENS_PER_USER = 2
    identifier, client = place.principal(), Client()
    tokens = []
    for n in range(3):
        response = place.attempt(client, identifier, PASSWORD, address=f"10.6.0.{n}")
        tokens.append(issued_token(place, response))
    user = ApiToken.objects.get(prefix=tokens[0][:8]).user
    _, made_by_hand = api_token_create(user=user, label="made in admin")

    statuses = [client.get(orders_url(place), **bearer(raw)).status_code for raw in tokens]
    assert statuses == [401, 200, 200]
    assert client.get(orders_url(place), **bearer(made_by_hand)).status_code == 200
    live = ApiToken.objects.filter(user=user, issued_by_login=True, revoked_at__isnull=True)
    assert live.count() == 2


# --- the counters are in the shared cache ------------------------------------------------


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_the_lockout_counters_are_in_redis():
    import redis

    assert django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    place, client = Panels(), Client()
    identifier = place.principal()
    for _ in range(LIMIT):
        place.attempt(client, identifier, "wrong")
    # another client of the same Redis (another app server) sees the counters ...
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(server.scan_iter(match="*axes-*"))
    assert len(keys) == 2  # one for the username, one for the address
    assert sorted(int(server.get(key)) for key in keys) == [LIMIT, LIMIT]
    # ... and the lockout holds when this process forgets its connections
    from django.core.cache import caches

    caches["default"].close()
    del caches["default"]
    assert_locked_answer(place, place.attempt(Client(), identifier, PASSWORD))
