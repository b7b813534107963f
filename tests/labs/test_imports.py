"""import_orders / export_orders / import_catalog for labs (JSON Lines only)."""

import copy
import json

import pytest
from django.conf import settings
from django.db.models import Count

from labs import inputs
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.inputs import InputErrors
from orders.models import OrderEvent
from tests.commands import events_by_order, kill_9_when, run_subprocess, write_jsonl
from tests.commands import run_command as run
from tests.labs.test_lifecycle import BAD_DATA, order_create

pytestmark = pytest.mark.django_db
EXAMPLES = settings.BASE_DIR / "examples"
NUL_TEXT = "Contains a NUL character (\\u0000), which cannot be stored."
BEYOND_BIGINT = 2**63
# What PostgreSQL cannot hold (a NUL character in a text; an integer beyond its column)
# and numbers that are no whole numbers: refused by labs.inputs, naming the field,
# never a crash (a NUL reached PostgreSQL and failed the whole import there).
OUT_OF_RANGE_DATA = [
    (lambda d: d["orderer"].update(name="Dev\x00User"), "orderer.name", NUL_TEXT),
    (lambda d: d["orderer"].update(email="dev\x00@lightlabs.com"), "orderer.email",
     NUL_TEXT),
    (lambda d: d.update(external_id="v-\x00"), "external_id", NUL_TEXT),
    (lambda d: d["samples"][0].update(lot="L-\x001"), "samples[0].lot", NUL_TEXT),
    (lambda d: d["samples"][0].update(batch="\x00"), "samples[0].batch", NUL_TEXT),
    (lambda d: d["samples"][0].update(sku_id="\x00"), "samples[0].sku_id", "No sku"),
    (lambda d: d["samples"][0].update(assay_ids=[69, "6\x009"]), "samples[0].assay_ids",
     "No assay"),
    (lambda d: d["samples"][0].update(sku_id=BEYOND_BIGINT), "samples[0].sku_id",
     str(BEYOND_BIGINT)),
    (lambda d: d["samples"][0].update(sku_id=-BEYOND_BIGINT - 1), "samples[0].sku_id",
     str(-BEYOND_BIGINT - 1)),
    (lambda d: d["samples"][0].update(sku_id=16.0), "samples[0].sku_id", "16.0"),
    (lambda d: d["samples"][0].update(sku_id=1e308), "samples[0].sku_id", "1e+308"),
    (lambda d: d["samples"][0].update(assay_ids=[69, BEYOND_BIGINT]),
     "samples[0].assay_ids", str(BEYOND_BIGINT)),
    (lambda d: d["samples"][0].update(assay_ids=[2**64 + 69]), "samples[0].assay_ids",
     str(2**64 + 69)),
    (lambda d: d["samples"][0].update(number_of_composites=2**31),
     "samples[0].number_of_composites", str(2**31)),
    (lambda d: d["samples"][0].update(number_of_composites=BEYOND_BIGINT),
     "samples[0].number_of_composites", str(BEYOND_BIGINT)),
    (lambda d: d["samples"][0].update(number_of_composites=-BEYOND_BIGINT),
     "samples[0].number_of_composites", str(-BEYOND_BIGINT)),
    (lambda d: d["samples"][0].update(number_of_composites=2.0),
     "samples[0].number_of_composites", "2.0"),
    (lambda d: d["samples"][0].update(number_of_composites=-1e308),
     "samples[0].number_of_composites", "-1e+308"),
]


def flat_orderer(email, name=None):
    """The record's orderer as `orderer_email` (and `orderer_name`, when given)."""

    def change(record):
        record.pop("orderer")
        record.update(orderer_email=email, **({"orderer_name": name} if name else {}))

    return change


def sample_with_tests(**test):
    """The record's sample with `tests` (their states and times) for `assay_ids`."""

    def change(record):
        record["samples"] = [{"sku_id": 16, "tests": [{"assay_id": 69, **test}]}]

    return change


# The same for what only an import record carries: the company, the flat orderer, the
# states and times of the order and of its tests.
OUT_OF_RANGE_RECORDS = [
    (lambda r: r.update(company_id=BEYOND_BIGINT), "company_id", str(BEYOND_BIGINT)),
    (lambda r: r.update(company_id=-BEYOND_BIGINT - 1), "company_id",
     str(-BEYOND_BIGINT - 1)),
    (lambda r: r.update(company_id="\x00"), "company_id", "No company with id"),
    (lambda r: r.update(company_id=1e308), "company_id", "1e+308"),
    (flat_orderer("dev\x00@lightlabs.com"), "orderer_email", NUL_TEXT),
    (flat_orderer("dev\x00@lightlabs.com", "Dev"), "orderer_email", NUL_TEXT),
    (flat_orderer("dev@lightlabs.com", "Dev\x00"), "orderer_name", NUL_TEXT),
    (lambda r: r.update(status="created\x00"), "status", "is not one of"),
    (lambda r: r.update(payment_status="\x00"), "payment_status", "is not one of"),
    (lambda r: r.update(paid_at="2025-10-02T10:30:00\x00Z"), "paid_at", "Must be an ISO 8601"),
    (sample_with_tests(status="completed\x00"), "samples[0].tests[0].status", "is not one of"),
    (sample_with_tests(created_at="\x00"), "samples[0].tests[0].created_at",
     "Must be an ISO 8601"),
    (sample_with_tests(assay_id=BEYOND_BIGINT), "samples[0].tests[0].assay_id",
     str(BEYOND_BIGINT)),
]
# Numbers as a file writes them, read by the importer's JSON parser: 1e400 is a float
# (infinity), integers of 19 digits or more are exact integers beyond a bigint.
RAW_NUMBERS = [
    ('"sku_id": 16', '"sku_id": 1e400', "samples[0].sku_id", "inf"),
    ('"sku_id": 16', '"sku_id": -1e400', "samples[0].sku_id", "-inf"),
    ('"sku_id": 16', '"sku_id": 123456789012345678901234567890', "samples[0].sku_id",
     "123456789012345678901234567890"),
    ('"assay_ids": [69, 243]', '"assay_ids": [69, 99999999999999999999]',
     "samples[0].assay_ids", "99999999999999999999"),
    ('"lot": "L-1"', '"lot": "L-1", "number_of_composites": 1e400',
     "samples[0].number_of_composites", "inf"),
    ('"lot": "L-1"', '"lot": "L-1", "number_of_composites": 10000000000000000000',
     "samples[0].number_of_composites", "10000000000000000000"),
    ('"company_id": COMPANY', '"company_id": 9223372036854775808', "company_id",
     "9223372036854775808"),
    ('"company_id": COMPANY', '"company_id": 1e400', "company_id", "inf"),
    # Not JSON at all (JSON has no Infinity nor NaN): the line is refused as such.
    ('"sku_id": 16', '"sku_id": Infinity', "json", "Infinity is not a JSON number"),
    ('"sku_id": 16', '"sku_id": NaN', "json", "NaN is not a JSON number"),
]






def example(name, demo, tmp_path):
    """An example file with the demo company's id (1 on a fresh seed_demo; a test
    database's sequences may have moved on)."""
    text = (EXAMPLES / name).read_text()
    path = tmp_path / name
    path.write_text(text.replace('"company_id": 1,', f'"company_id": {demo["company_id"]},'))
    return str(path)


def import_example(demo, tmp_path, *flags):
    return run("import_orders", "labs", example("labs-orders.jsonl", demo, tmp_path),
               "--no-progress", *flags)


def events(order):
    return [(e.action, e.from_state, e.to_state, e.via)
            for e in OrderEvent.objects.filter(object_id=order.pk,
                                               content_type__model="laborder")]


def snapshot():
    """Every order as export keys it, with its samples, tests, states and times."""
    return sorted(
        (o.external_id or f"labs-{o.pk}", o.company_id, o.orderer.email, o.orderer.name,
         o.status, o.payment_status, o.ordered_at, o.paid_at, o.date_received, o.created_at,
         o.updated_at,
         tuple((s.sku_id, s.lot, s.batch, s.composite, s.number_of_composites,
                tuple((t.assay_id, t.status, t.created_at, t.updated_at)
                      for t in s.tests.all()))
               for s in o.samples.all()))
        for o in LabOrder.objects.select_related("orderer").prefetch_related("samples__tests")
    )


def counts():
    return (LabOrder.objects.count(), Sample.objects.count(), Test.objects.count(),
            OrderEvent.objects.count())


@pytest.fixture
def company(demo):
    return demo["company"]


def valid_record(company_id, external_id="v-1"):
    return {"external_id": external_id, "company_id": company_id,
            "orderer": {"email": "dev@lightlabs.com", "name": "Development User"},
            "samples": [{"sku_id": 16, "lot": "L-1", "assay_ids": [69, 243]}]}


class TestImport:
    def test_example_file_imports_with_states_times_and_history(self, company, tmp_path):
        before = counts()
        status, out, err = import_example(company, tmp_path)
        assert (status, err) == (0, "")
        assert out.startswith("created 3, updated 0, unchanged 0, rejected 0 (3 orders, "
                              "4 lines)")
        assert counts() == (before[0] + 3, before[1] + 4, before[2] + 6, before[3] + 3)

        draft = LabOrder.objects.get(external_id="lims-2025-0001")
        assert (draft.company_id, draft.orderer.name) == (company["company_id"],
                                                         "Development User")
        assert (draft.status, draft.payment_status, draft.ordered_at) == ("created", "draft",
                                                                          None)
        sample = draft.samples.get()
        assert (sample.sku_id, sample.lot) == (16, "LOT-7781")
        assert [(t.assay.name, t.status) for t in sample.tests.all()] == [
            ("Phthalates", "not_started"), ("Bisphenols", "not_started")]
        assert events(draft) == [("create", "", "created", "import")]

        done = LabOrder.objects.get(external_id="lims-2025-0002")
        assert (done.status, done.payment_status) == ("completed", "paid")
        assert done.orderer.email == "qa@lightlabs.com"
        assert done.paid_at.isoformat() == "2025-10-02T10:30:00+00:00"
        assert done.created_at.isoformat() == "2025-10-01T08:55:12.345000+00:00"
        sample = done.samples.get()
        assert (sample.batch, sample.composite, sample.number_of_composites) == ("B-12", True, 3)
        assert [(t.assay_id, t.status, t.updated_at.isoformat()) for t in sample.tests.all()] \
            == [(243, "completed", "2025-10-07T11:00:00+00:00"),
                (69, "canceled", "2025-10-04T09:00:00+00:00")]
        assert events(done) == [("create", "", "completed", "import")]

        canceled = LabOrder.objects.get(external_id="lims-2025-0003")
        assert canceled.status == "canceled"
        # Tests without times of their own take their order's.
        assert {t.created_at for t in Test.objects.filter(sample__order=canceled)} == {
            canceled.created_at}

        status, out, _ = import_example(company, tmp_path)
        assert status == 0
        assert out.startswith("Nothing changed: all 3 orders were imported before.")
        assert counts() == (before[0] + 3, before[1] + 4, before[2] + 6, before[3] + 3)

    def test_the_same_external_id_twice_in_one_file_makes_one_order(self, company, tmp_path):
        record = valid_record(company["company_id"], "twice")
        path = write_jsonl(tmp_path / "twice.jsonl", [record, record])
        status, out, _ = run("import_orders", "labs", path, "--no-progress")
        assert status == 0 and "created 1, updated 0, unchanged 1," in out
        assert LabOrder.objects.filter(external_id="twice").count() == 1

    def test_orderer_name_may_be_left_out_for_a_known_orderer(self, company, tmp_path):
        known = {"company_id": company["company_id"], "orderer_email": "DEV@lightlabs.com",
                 "samples": [{"sku_id": 16, "assay_ids": [69]}]}
        unknown = {**known, "orderer_email": "new@lightlabs.com"}
        path = write_jsonl(tmp_path / "orderers.jsonl", [known, unknown])
        status, out, err = run("import_orders", "labs", path, "--no-progress")
        assert status == 1 and "created 1," in out
        assert (f"line 2 [company_id={company['company_id']}] orderer_name: "
                "An orderer name is required.") in err

    @pytest.mark.parametrize("batch_size", ["1", "50"])
    def test_an_orderer_named_earlier_in_the_file_needs_no_name_whatever_the_batches(
        self, company, tmp_path, batch_size
    ):
        first = {"external_id": "n-1", "company_id": company["company_id"],
                 "orderer_email": "fresh@lightlabs.com", "orderer_name": "Fresh Orderer",
                 "samples": [{"sku_id": 16, "assay_ids": [69]}]}
        second = {**first, "external_id": "n-2", "orderer_email": "FRESH@lightlabs.com",
                  "orderer_name": None}
        path = write_jsonl(tmp_path / "orderers.jsonl", [first, second])
        status, out, err = run("import_orders", "labs", path, "--no-progress",
                               "--batch-size", batch_size)
        assert (status, err) == (0, "")
        assert out.startswith("created 2, updated 0, unchanged 0, rejected 0")
        assert {o.orderer.name for o in LabOrder.objects.filter(external_id__in=["n-1", "n-2"])
                } == {"Fresh Orderer"}

    def test_bad_rows_are_reported_with_line_key_and_field_and_good_rows_imported(
        self, company, tmp_path
    ):
        company_id = company["company_id"]
        good = valid_record(company_id, "good-1")
        tests = [{"assay_id": 69, "status": "in_progress"}]
        path = write_jsonl(tmp_path / "mixed.jsonl", [
            good,
            {**valid_record(9999, "bad-company")},
            {**valid_record(company_id, "bad-status"), "status": "lost"},
            {**valid_record(company_id, "bad-time"), "paid_at": "yesterday"},
            {**valid_record(company_id, "open-tests"), "status": "completed",
             "samples": [{"sku_id": 16, "tests": tests}]},
            {**valid_record(company_id, "bad-test"),
             "samples": [{"sku_id": 16, "tests": [{"assay_id": 69, "status": "done"}]}]},
            {**valid_record(company_id, "odd-status"), "status": "completed",
             "samples": [{"sku_id": 16, "tests": [{"assay_id": 69, "status": {}}]}]},
            {**valid_record(company_id, "both"),
             "samples": [{"sku_id": 16, "assay_ids": [69], "tests": tests}]},
            {"external_id": "bad-email", "company_id": company_id, "orderer_email": "nope",
             "orderer_name": "N", "samples": [{"sku_id": 16, "assay_ids": [69]}]},
            # References are checked once a record parses: an unknown assay, and another
            # company's sku, which is no sku of this company.
            {**valid_record(company_id, "bad-assay"),
             "samples": [{"sku_id": 16, "tests": [{"assay_id": 424242}]}]},
            {**valid_record(company_id, "other-sku"),
             "samples": [{"sku_id": 900, "assay_ids": [69]}]},
            valid_record(company_id, "good-2"),
        ])
        with open(path, "a") as f:
            f.write("{broken\n")
        errors_path = tmp_path / "errors.jsonl"
        status, out, err = run("import_orders", "labs", path, "--no-progress",
                               "--errors", str(errors_path))
        assert status == 1
        assert "created 2, updated 0, unchanged 0, rejected 11" in out
        for expected in [
            "line 2 [bad-company] company_id: No company with id 9999.",
            "line 3 [bad-status] status: 'lost' is not one of: created, completed, canceled.",
            "line 4 [bad-time] paid_at: Must be an ISO 8601 datetime, got 'yesterday'.",
            "line 5 [open-tests] status: A completed order's tests are all completed or "
            "canceled; not: samples[0].tests[0] (in_progress).",
            "line 6 [bad-test] samples[0].tests[0].status: 'done' is not one of:",
            "line 7 [odd-status] samples[0].tests[0].status: {} is not one of:",
            "line 8 [both] samples[0].tests: Give a sample's tests or its assay_ids, not both.",
            "line 9 [bad-email] orderer_email: Enter a valid email address, got 'nope'.",
            "line 10 [bad-assay] samples[0].tests[0].assay_id: No assay with id 424242.",
            "line 11 [other-sku] samples[0].sku_id: No sku with id 900.",
            "line 13 json: not valid JSON",
        ]:
            assert expected in err, err
        assert set(LabOrder.objects.filter(external_id__isnull=False)
                   .values_list("external_id", flat=True)) == {"good-1", "good-2"}

        rejected = [json.loads(line) for line in errors_path.read_text().splitlines()]
        assert rejected[0]["_errors"] == [{"line": 2, "key": "bad-company",
                                           "field": "company_id",
                                           "message": "No company with id 9999."}]
        fixed = rejected[0] | {"company_id": company_id}
        status, out, _ = run("import_orders", "labs",
                             write_jsonl(tmp_path / "fixed.jsonl", [fixed]), "--no-progress")
        assert status == 0 and "created 1," in out

    @pytest.mark.parametrize("flag", ["--atomic", "--dry-run"])
    def test_atomic_and_dry_run_write_nothing_on_a_bad_file(self, company, tmp_path, flag):
        path = write_jsonl(tmp_path / "bad.jsonl", [
            valid_record(company["company_id"], "a-1"),
            {**valid_record(company["company_id"], "a-2"), "samples": []},
        ])
        before = counts()
        status, out, err = run("import_orders", "labs", path, flag, "--batch-size", "1",
                               "--no-progress")
        assert status == 1
        assert "nothing written" in out
        assert "line 2 [a-2] samples: At least one sample is required." in err
        assert counts() == before

    def test_dry_run_of_the_example_writes_nothing(self, company, tmp_path):
        before = counts()
        status, out, _ = import_example(company, tmp_path, "--dry-run")
        assert status == 0
        assert out.startswith("Dry run, nothing written: would have created 3,")
        assert counts() == before

    def test_csv_is_refused_with_exit_2(self, company, tmp_path):
        path = tmp_path / "orders.csv"
        path.write_text("external_id,company_id\nx,1\n")
        status, _, err = run("import_orders", "labs", str(path), "--no-progress")
        assert status == 2 and "labs is imported from JSON Lines only" in err
        status, _, err = run("export_orders", "labs", str(tmp_path / "out.csv"))
        assert status == 2 and "labs orders are exported as JSON Lines only" in err


def admin_form(company_id, body):
    """The admin's add form filled in with a body, or None where a form cannot say it
    (it sends text: no orderer object to leave out, no list for an external id)."""
    orderer = body.get("orderer")
    if not isinstance(orderer, dict) or not all(
            isinstance(value, str) for value in (body.get("external_id") or "",
                                                 orderer.get("email", ""),
                                                 orderer.get("name", ""))):
        return None
    return {"company": str(company_id), "external_id": body.get("external_id") or "",
            "orderer_email": orderer.get("email", ""), "orderer_name": orderer.get("name", ""),
            "samples": json.dumps(body["samples"])}


def admin_shows(field, message):
    """Where the admin's add form shows an error of a body's field, and how."""
    shown = {"orderer.email": "orderer_email", "orderer.name": "orderer_name"}.get(field, field)
    if field.startswith("samples") and field != "samples":
        return "samples", f"{field}: {message}"
    return shown, message


def admin_add(admin_client, data):
    response = admin_client.post(ADMIN_ADD, data)
    if response.status_code == 302:
        return {}
    assert response.status_code == 200
    return response.context["adminform"].form.errors


ADMIN_ADD = "/admin/labs/laborder/add/"


def record_key(record):
    from labs.importers import order_importer

    return order_importer.record_key(record)


class TestParityOfAdminAndImport:
    """Labs' API is read-only: orders come from the admin's add form and import_orders,
    which both parse with labs.inputs and check references with
    selectors.order_references_check. The same bad body: the same field and message from
    the input layer, the import and the admin, and nothing written."""

    @pytest.mark.parametrize("change, field, text", BAD_DATA + OUT_OF_RANGE_DATA)
    def test_admin_and_import_reject_what_the_inputs_reject(
        self, company, admin_client, tmp_path, change, field, text
    ):
        record = valid_record(company["company_id"])
        change(record)
        body = copy.deepcopy({k: v for k, v in record.items() if k != "company_id"})
        lab = Company.objects.get(pk=company["company_id"])
        before = counts()
        with pytest.raises(InputErrors) as info:
            order_create(lab, copy.deepcopy(body))
        messages = info.value.as_dict()[field]
        assert text in " ".join(messages)

        status, _, err = run("import_orders", "labs",
                             write_jsonl(tmp_path / "one.jsonl", [record]), "--no-progress")
        assert status == 1
        for message in messages:
            assert f"line 1 [{record_key(record)}] {field}: {message}" in err, err

        data = admin_form(company["company_id"], body)
        if data is not None:
            errors = admin_add(admin_client, data)
            for message in messages:
                shown, text_shown = admin_shows(field, message)
                assert text_shown in errors.get(shown, []), errors
        assert counts() == before

    def test_the_admin_adds_what_the_import_adds_and_the_history_reads_alike(
        self, company, admin_client, tmp_path
    ):
        record = valid_record(company["company_id"], "by-import")
        body = {**record, "external_id": "by-admin"}
        assert admin_add(admin_client, admin_form(company["company_id"], body)) == {}
        status, out, _ = run("import_orders", "labs",
                             write_jsonl(tmp_path / "one.jsonl", [record]), "--no-progress")
        assert status == 0 and "created 1," in out

        def shape(order):
            return (order.company_id, order.orderer_id, order.status, order.payment_status,
                    [(s.sku_id, s.lot, s.batch, s.composite, s.number_of_composites,
                      [(t.assay_id, t.status, t.created_at == order.created_at)
                       for t in s.tests.all()]) for s in order.samples.all()])

        by_admin = LabOrder.objects.get(external_id="by-admin")
        by_import = LabOrder.objects.get(external_id="by-import")
        assert shape(by_admin) == shape(by_import)
        assert by_admin.orderer.email == "dev@lightlabs.com"
        assert events(by_admin) == [("create", "", "created", "admin")]
        assert events(by_import) == [("create", "", "created", "import")]
        assert OrderEvent.objects.get(object_id=by_admin.pk, content_type__model="laborder"
                                      ).actor.username == "admin"

        # The same body again: the admin names the taken external id; an import takes it
        # as imported before.
        errors = admin_add(admin_client, admin_form(company["company_id"], body))
        assert errors == {"external_id": ["An order with external_id 'by-admin' exists."]}

    def test_the_admin_names_bad_json_and_unknown_references(self, company, admin_client):
        data = admin_form(company["company_id"], valid_record(company["company_id"]))
        errors = admin_add(admin_client, {**data, "samples": "[{"})
        assert errors["samples"][0].startswith("Not valid JSON: ")
        errors = admin_add(admin_client, {**data, "company": "424242"})
        assert "company" in errors
        errors = admin_add(admin_client, {**data, "samples": json.dumps(
            [{"sku_id": 900, "assay_ids": [69, 4242]}])})
        assert errors == {"samples": ["samples[0].sku_id: No sku with id 900.",
                                      "samples[0].assay_ids: No assay with id 4242."]}
        assert not LabOrder.objects.filter(external_id="v-1").exists()

    @pytest.mark.parametrize("change, field, text", OUT_OF_RANGE_RECORDS)
    def test_out_of_range_import_fields_are_rejected_rows(self, company, tmp_path, change,
                                                          field, text):
        record = valid_record(company["company_id"])
        change(record)
        before = counts()
        status, out, err = run("import_orders", "labs",
                               write_jsonl(tmp_path / "one.jsonl", [record]), "--no-progress")
        assert status == 1 and "rejected 1" in out
        assert f"line 1 [v-1] {field}: " in err and text in err, err
        assert counts() == before

    @pytest.mark.parametrize("valid, raw, field, text", RAW_NUMBERS)
    def test_numbers_beyond_any_column_are_rejected_rows(self, company, tmp_path, valid,
                                                         raw, field, text):
        company_id = str(company["company_id"])
        line = json.dumps(valid_record(company["company_id"]))
        assert valid.replace("COMPANY", company_id) in line
        path = tmp_path / "one.jsonl"
        path.write_text(line.replace(valid.replace("COMPANY", company_id), raw) + "\n")
        before = counts()
        status, out, err = run("import_orders", "labs", str(path), "--no-progress")
        assert status == 1 and "rejected 1" in out
        assert f" {field}: " in err and text in err, err
        assert counts() == before

    @pytest.mark.parametrize("batch_size", ["1", "50"])
    def test_a_nul_in_a_batch_rejects_its_row_only(self, company, tmp_path, batch_size):
        """Keys the importer looks up for the whole batch (external ids, orderer emails)
        with a NUL character do not fail the batch's other rows."""
        company_id = company["company_id"]
        bad_key = valid_record(company_id, "k-\x00")
        bad_email = valid_record(company_id, "k-2")
        flat_orderer("new\x00@lightlabs.com")(bad_email)
        path = write_jsonl(tmp_path / "batch.jsonl", [
            valid_record(company_id, "k-1"), bad_key, bad_email, valid_record(company_id, "k-3")])
        status, out, err = run("import_orders", "labs", path, "--no-progress",
                               "--batch-size", batch_size)
        assert status == 1 and out.startswith("created 2, updated 0, unchanged 0, rejected 2")
        assert f"line 2 [k-\x00] external_id: {NUL_TEXT}" in err
        assert f"line 3 [k-2] orderer_email: {NUL_TEXT}" in err
        assert set(LabOrder.objects.filter(external_id__startswith="k-")
                   .values_list("external_id", flat=True)) == {"k-1", "k-3"}

    def test_importer_accepts_what_the_inputs_accept(self, company, tmp_path):
        record = valid_record(company["company_id"])
        inputs.order_parse({k: v for k, v in record.items() if k != "company_id"})
        status, out, _ = run("import_orders", "labs",
                             write_jsonl(tmp_path / "one.jsonl", [record]), "--no-progress")
        assert status == 0 and "created 1," in out


class TestExportRoundTrip:
    def test_export_then_import_into_an_empty_database_gives_the_same_orders(
        self, company, tmp_path
    ):
        # The seed's orders without samples were inserted as the seed shows them; no write
        # path (admin or import) creates an order without samples, so they stay out.
        LabOrder.objects.filter(samples__isnull=True).delete()
        import_example(company, tmp_path)
        path = str(tmp_path / "export.jsonl")
        status, out, _ = run("export_orders", "labs", path)
        assert status == 0 and "Exported 5 labs order(s)" in out  # 15, 901 and the 3 above
        exported = snapshot()

        OrderEvent.objects.all().delete()
        LabOrder.objects.all().delete()
        status, out, err = run("import_orders", "labs", path, "--no-progress")
        assert (status, err) == (0, "")
        assert "created 5," in out
        assert snapshot() == exported
        assert OrderEvent.objects.filter(via="import", action="create").count() == 5

        status, out, _ = run("import_orders", "labs", path, "--no-progress")
        assert out.startswith("Nothing changed: all 5 orders were imported before.")

    def test_reimporting_an_export_into_the_same_database_changes_nothing(
        self, company, tmp_path
    ):
        """Orders without an external id are exported as `labs-<id>`; fed back in, they are
        recognised as themselves (the seed's orders without samples too), not created
        again or refused."""
        import_example(company, tmp_path)
        path = str(tmp_path / "export.jsonl")
        run("export_orders", "labs", path)
        keys = [json.loads(line)["external_id"] for line in open(path)]
        assert {"labs-15", "labs-901", "lims-2025-0002"} <= set(keys)
        assert len(keys) == LabOrder.objects.count()
        before = (snapshot(), counts())

        status, out, err = run("import_orders", "labs", path, "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith(f"Nothing changed: all {len(keys)} orders were imported before.")
        assert (snapshot(), counts()) == before

    @pytest.mark.parametrize("key", ["labs-015", "labs-{imported}", "labs-{missing}",
                                     "labs-99999999999999999999", "labs-1.5", "labs-"])
    def test_a_labs_key_that_names_no_order_of_ours_makes_a_new_order(
        self, company, tmp_path, key
    ):
        """Only `labs-<id>` as export writes it, of an order that has no external id of its
        own, is that order; any other such key is an external id like any other."""
        import_example(company, tmp_path)
        key = key.format(
            imported=LabOrder.objects.get(external_id="lims-2025-0002").pk,
            missing=LabOrder.objects.order_by("-pk").first().pk + 1000)
        before = snapshot()
        status, out, err = run("import_orders", "labs", write_jsonl(
            tmp_path / "one.jsonl", [valid_record(company["company_id"], key)]), "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("created 1, updated 0, unchanged 0, rejected 0")
        assert LabOrder.objects.filter(external_id=key).count() == 1
        assert [row for row in snapshot() if row[0] != key] == before

    def test_export_filters_by_status_and_time(self, company, tmp_path):
        import_example(company, tmp_path)
        path = tmp_path / "canceled.jsonl"
        run("export_orders", "labs", str(path), "--status", "canceled")
        assert [json.loads(line)["external_id"] for line in path.read_text().splitlines()] \
            == ["lims-2025-0003"]
        run("export_orders", "labs", str(path), "--created-before", "2025-11-01T00:00:00Z")
        assert [json.loads(line)["external_id"] for line in path.read_text().splitlines()] \
            == ["lims-2025-0002"]

    def test_export_costs_no_query_per_order(self, company, tmp_path,
                                             django_assert_max_num_queries):
        import_example(company, tmp_path)
        from labs.importers import order_importer

        with django_assert_max_num_queries(4):
            records = list(order_importer.export_records({}))
        assert len(records) == LabOrder.objects.count()


class TestCatalog:
    def test_example_upserts_by_natural_key_and_rerun_changes_nothing(self, company,
                                                                      tmp_path):
        path = example("labs-catalog.jsonl", company, tmp_path)
        status, out, err = run("import_catalog", "labs", path, "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("created 3, updated 0, unchanged 3, rejected 0 "
                              "(6 catalog records")
        assert Assay.objects.filter(name="Heavy Metals").exists()
        sku = Sku.objects.get(code="ELX-LEMON-500")
        assert (sku.product.name, sku.product.company_id, str(sku.serving_size_grams)) == (
            "Electrolyte Mix", company["company_id"], "7.500")
        status, out, _ = run("import_catalog", "labs", path, "--no-progress")
        assert out.startswith("Nothing changed: all 6 catalog records were imported before.")

    def test_changed_records_are_updated_and_new_ids_keep_sequences_right(self, company,
                                                                          tmp_path):
        path = write_jsonl(tmp_path / "catalog.jsonl", [
            {"kind": "assay", "id": 243, "name": "pH (water)"},
            {"kind": "assay", "id": 7000, "name": "Lead"},
            {"kind": "product", "id": 1, "company_id": company["company_id"],
             "name": "Protein Powder Pro"},
            {"kind": "sku", "code": "StellarPromo165935", "name": "Copper", "product_id": 1,
             "serving_size_grams": "30"},
        ])
        status, out, _ = run("import_catalog", "labs", path, "--no-progress")
        assert status == 0 and "created 1, updated 3, unchanged 0" in out
        assert Assay.objects.get(pk=243).name == "pH (water)"
        assert Product.objects.get(pk=1).name == "Protein Powder Pro"
        assert Sku.objects.get(pk=16).serving_size_grams == 30
        assert Assay.objects.create(name="After").pk > 7000  # the sequence moved past 7000

    def test_bad_catalog_rows_are_named(self, company, tmp_path):
        path = write_jsonl(tmp_path / "catalog.jsonl", [
            {"kind": "widget", "name": "X"},
            {"kind": ["assay"], "name": "X"},
            {"kind": "assay", "id": 69, "name": "pH"},
            {"kind": "sku", "code": "NO-PRODUCT", "name": "X"},
            {"kind": "sku", "code": "GHOST", "name": "X", "product_id": 424242},
            {"kind": "sku", "code": "GHOST-2", "name": "X",
             "company_id": company["company_id"], "product_name": "Nope"},
            {"kind": "product", "company_id": 424242, "name": "X"},
            {"kind": "assay", "name": "Fine"},
        ])
        status, out, err = run("import_catalog", "labs", path, "--no-progress")
        assert status == 1 and "created 1, updated 0, unchanged 0, rejected 7" in out
        for expected in [
            "line 1 [widget X] kind: 'widget' is not one of: product, sku, assay.",
            "line 2 [['assay'] X] kind: ['assay'] is not one of: product, sku, assay.",
            "line 3 [assay 69] name: Assay 243 is named 'pH' already.",
            "line 4 [sku NO-PRODUCT] product_id: Give the sku's product_id, or its "
            "company_id and product_name.",
            "line 5 [sku GHOST] product_id: No product with id 424242.",
            f"line 6 [sku GHOST-2] product_name: Company {company['company_id']} has no "
            "product named 'Nope'.",
            "line 7 [product X] company_id: No company with id 424242.",
        ]:
            assert expected in err, err
        assert Assay.objects.get(pk=69).name == "Phthalates"


class TestInterruption:
    COUNT = 1500

    def records(self, company_id):
        """Orders as an export carries them (their states and times), so that two imports
        give the same rows: two samples with three tests in all; orderers new to the
        company, each named on every order; every third order completed."""
        for i in range(self.COUNT):
            created = f"2025-10-01T{i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}Z"
            done = i % 3 == 0
            test = {"status": "completed", "updated_at": created} if done else {}
            yield {
                "external_id": f"k-{i}", "company_id": company_id,
                "orderer_email": f"orderer-{i % 7}@lightlabs.com",
                "orderer_name": f"Orderer {i % 7}",
                "status": "completed" if done else "created",
                "payment_status": "paid" if done else "pending",
                "created_at": created,
                "samples": [
                    {"sku_id": 16, "lot": f"L-{i}",
                     "tests": [{"assay_id": 69, **test}, {"assay_id": 243, **test}]},
                    {"sku_id": 16, "batch": f"B-{i}", "composite": True,
                     "number_of_composites": 2, "tests": [{"assay_id": 587, **test}]},
                ],
            }

    @staticmethod
    def imported():
        return LabOrder.objects.filter(external_id__startswith="k-")

    @staticmethod
    def events_by_order():
        return events_by_order(LabOrder, {
            pk: external_id or f"labs-{pk}"
            for pk, external_id in LabOrder.objects.values_list("pk", "external_id")})

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_kill_9_midway_then_rerun_gives_the_same_database_as_one_clean_run(
        self, company, tmp_path
    ):
        path = write_jsonl(tmp_path / "big.jsonl", self.records(company["company_id"]))
        orderers = Orderer.objects.count()
        command = ["import_orders", "labs", path, "--batch-size", "50", "--no-progress"]
        kill_9_when(self.imported(), 200, *command)

        partial = self.imported().count()
        assert 0 < partial < self.COUNT, partial
        # Every order written is whole: its two samples, three tests, one import event;
        # nothing of an order that is not there.
        shapes = self.imported().annotate(
            samples_count=Count("samples", distinct=True),
            tests_count=Count("samples__tests", distinct=True))
        assert set(shapes.values_list("samples_count", "tests_count")) == {(2, 3)}
        events = self.events_by_order()
        assert None not in events
        assert all(len(events[external_id]) == 1 for external_id in
                   self.imported().values_list("external_id", flat=True))

        result = run_subprocess(*command)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(
            f"created {self.COUNT - partial}, updated 0, unchanged {partial}, rejected 0")
        resumed = (snapshot(), self.events_by_order(), counts())
        assert Orderer.objects.count() == orderers + 7

        # One clean run into tables emptied of these orders gives the same rows.
        OrderEvent.objects.filter(content_type__model="laborder",
                                  object_id__in=self.imported().values("pk")).delete()
        self.imported().delete()
        Orderer.objects.filter(email__startswith="orderer-").delete()
        status, out, err = run("import_orders", "labs", path, "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith(f"created {self.COUNT}, updated 0, unchanged 0, rejected 0")
        assert (snapshot(), self.events_by_order(), counts()) == resumed
