"""The set-based writing and lookups every domain's import uses (orders.imports.bulk,
orders.events, orders.db.keys_found), on SQLite and on PostgreSQL."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from orders import db
from orders.events import order_event_record, order_events_write
from orders.imports.bulk import TableRows, new_ids
from orders.models import ApiToken, OrderEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Keys a COPY text or an array literal must carry through unharmed.
AWKWARD = ['plain', 'a "quoted" one', "back\\slash", "comma, {braces}", "tab\there",
           "new\nline", "é ünïcödé", "NULL", ""]


def token_rows(user, labels):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return [(user.pk, label, f"p{i}", f"hash-{i}", ["orders:read", {"nested": label}], when,
             False) for i, label in enumerate(labels)]


TOKEN_ROWS = TableRows(ApiToken, ["user_id", "label", "prefix", "token_hash", "abilities",
                                  "created_at", "issued_by_login"])


def test_table_rows_write_the_values_given_json_and_awkward_text_included():
    user = UserFactory()
    TOKEN_ROWS.write(token_rows(user, AWKWARD))

    stored = {t.label: t for t in ApiToken.objects.filter(user=user)}
    assert sorted(stored) == sorted(AWKWARD)
    for label, token in stored.items():
        assert token.abilities == ["orders:read", {"nested": label}]
        assert token.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert token.issued_by_login is False


def test_copy_text_is_one_escaped_line_per_row_in_the_described_order():
    user = UserFactory()
    text = TOKEN_ROWS.copy_text(token_rows(user, ["tab\there"]))
    fields = db.copy_fields(text)
    assert text.count("\n") == 1
    assert fields[:4] == [str(user.pk), "tab\there", "p0", "hash-0"]
    assert json.loads(fields[4]) == ["orders:read", {"nested": "tab\there"}]


def test_the_compiled_formatter_writes_what_copy_row_writes():
    user = UserFactory()
    for row in token_rows(user, AWKWARD):
        values = [*row[:4], json.dumps(row[4], ensure_ascii=False), *row[5:]]
        assert TOKEN_ROWS.formatter()(row) == db.copy_row(values)
        assert TOKEN_ROWS.formatter(start=2)(row) == "\t" + db.copy_row(values[2:])
    with_nulls = (user.pk, None, "p", "h", None, None, True)
    assert TOKEN_ROWS.formatter()(with_nulls) == db.copy_row(with_nulls)


def test_a_column_the_model_does_not_have_is_refused_when_described():
    with pytest.raises(ValueError, match="ApiToken has no column user"):
        TableRows(ApiToken, ["user", "label"])


def test_new_ids_are_fresh_and_later_inserts_do_not_collide():
    user = UserFactory()
    with transaction.atomic():
        ids = new_ids(get_user_model(), 3)
        assert len(set(ids)) == 3 and min(ids) > user.pk
        get_user_model().objects.bulk_create(
            [get_user_model()(id=i, username=f"bulk{i}") for i in ids])
    after = UserFactory()
    assert after.pk not in ids


def test_new_ids_never_give_again_the_id_of_a_deleted_row():
    """History rows name an order by id: a new order must not take a deleted one's."""
    newest = UserFactory()
    deleted_id = newest.pk
    newest.delete()
    with transaction.atomic():
        assert deleted_id not in new_ids(get_user_model(), 5)


def test_batch_events_read_like_single_ones():
    user = UserFactory()
    order_event_record(order=user, action="create", via="api", actor=user, to_state="new",
                       note="2 line(s)")
    order_events_write(get_user_model(), [(user.pk, "create", "", "new", "2 line(s)")],
                       via="import", actor=user)

    rows = list(OrderEvent.objects.filter(object_id=user.pk).values_list(
        "content_type", "action", "from_state", "to_state", "actor", "via", "note"))
    content_type = ContentType.objects.get_for_model(user).pk
    assert rows == [(content_type, "create", "", "new", user.pk, "api", "2 line(s)"),
                    (content_type, "create", "", "new", user.pk, "import", "2 line(s)")]


def test_keys_found_gives_each_existing_keys_row_and_nothing_for_the_rest():
    user = UserFactory()
    TOKEN_ROWS.write(token_rows(user, AWKWARD))
    ids = dict(ApiToken.objects.filter(user=user).values_list("label", "id"))

    keys = [(user.pk, label) for label in AWKWARD] + [
        (user.pk, "missing"), (user.pk + 1, "plain"), (user.pk, None), (user.pk, "nul\x00")]
    found = db.keys_found(ApiToken, ["user_id", "label"], keys)

    assert found == {(user.pk, label): ids[label] for label in AWKWARD}
    assert db.keys_found(ApiToken, ["user_id", "label"], []) == {}


@pytest.mark.postgres
def test_keys_found_probes_the_index_whatever_the_statistics_say():
    """Statistics taken when the table held three rows, then 20,000 rows written: the
    lookup still probes the index once per key (no scan of the table), so a batch costs
    the same however large the table has grown."""
    first = UserFactory()
    TOKEN_ROWS.write(token_rows(first, ["a", "b", "c"]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_apitoken")
    users = [UserFactory() for _ in range(50)]
    when = datetime(2026, 1, 1, tzinfo=UTC)
    TOKEN_ROWS.write([(users[i % 50].pk, f"label-{i}", "p", f"h{i}", [], when, False)
                      for i in range(20_000)])

    keys = {(f"h{i}",) for i in range(0, 20_000, 10)} | {("absent",)}
    sql, params = db.rows_by_key_query(ApiToken, ["token_hash"], keys, ["id"], limit=1)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    assert "orders_apitoken" not in scanned_whole(plan)
    assert len(db.keys_found(ApiToken, ["token_hash"], keys)) == len(keys) - 1


def scanned_whole(plan) -> set[str]:
    """The tables a plan reads by sequential scan."""
    tables = set()

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            tables.add(node.get("Relation Name"))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return tables
