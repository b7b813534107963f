"""import_orders / export_orders / import_catalog, through the panels domain.

Each domain's own import tests live beside its other tests; these cover the framework:
reading, batching, reporting, --atomic, --dry-run, --errors, re-runs and interruptions.
"""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from orders.imports import ImportStats, Progress, SourceItem, run_import
from orders.models import OrderEvent
from panels.importers import order_importer
from panels.models import CustomerPanelOrder, CustomerPanelOrderItem, Panel
from tests.commands import kill_9_when, run_subprocess, seed_demo, write_jsonl
from tests.commands import run_command as run
from tests.panels.test_api import BAD_ORDER_BODIES, post_json

pytestmark = pytest.mark.django_db
EXAMPLES = settings.BASE_DIR / "examples"


@pytest.fixture
def demo():
    return seed_demo("panels")




def orders_snapshot():
    """Every order as export keys it: external id (or own id), customer, state, time, skus."""
    return sorted(
        (o.external_id or f"panels-{o.pk}", o.customer_id, o.status,
         o.created_at.replace(microsecond=0), tuple(i.panel.sku for i in o.items.all()))
        for o in CustomerPanelOrder.objects.prefetch_related("items__panel")
    )




class TestImport:
    @pytest.mark.parametrize("name", ["panels-orders.jsonl", "panels-orders.csv"])
    def test_example_files_import_with_history_and_rerun_changes_nothing(self, demo, name):
        before = CustomerPanelOrder.objects.count()
        status, out, err = run("import_orders", "panels", str(EXAMPLES / name), "--no-progress")
        assert (status, err) == (0, "")
        assert "created 2," in out
        first = CustomerPanelOrder.objects.get(external_id="partner-A-0001")
        assert [i.panel.sku for i in first.items.all()] == ["cardiometabolic-1", "nutri-opt-1"]
        second = CustomerPanelOrder.objects.get(external_id="partner-A-0002")
        assert second.status == "canceled"
        assert second.created_at.isoformat() == "2017-11-24T10:01:00+00:00"
        assert [(e.action, e.via) for e in OrderEvent.objects.filter(object_id=second.pk)] == [
            ("create", "import"), ("cancel", "import")]

        status, out, _ = run("import_orders", "panels", str(EXAMPLES / name), "--no-progress")
        assert status == 0
        assert out.startswith("Nothing changed: all 2 orders were imported before.")
        assert CustomerPanelOrder.objects.count() == before + 2

    def test_bad_rows_are_reported_and_good_rows_imported(self, demo, tmp_path):
        hormone = [{"panel_sku": "hormone-1"}]
        path = write_jsonl(tmp_path / "mixed.jsonl", [
            {"external_id": "ok-1", "customer_id": 319, "order_items": hormone},
            {"external_id": "bad-1", "customer_id": 319, "order_items": [{"panel_sku": "nope"}]},
            {"external_id": "ok-2", "customer_id": 320, "order_items": hormone},
        ])
        with open(path, "a") as f:
            f.write("{broken\n")
            f.write('{"order_items": ' + "[" * 5000 + "]" * 5000 + "}\n")  # too deep
        errors_path = tmp_path / "errors.jsonl"
        status, out, err = run("import_orders", "panels", path, "--no-progress",
                               "--errors", str(errors_path))
        assert status == 1
        assert "created 2," in out and "rejected 3" in out
        assert "line 2 [bad-1] order_items: Unknown or inactive panel sku 'nope'." in err
        assert "line 4 json: not valid JSON" in err
        assert "line 5 json: not valid JSON (maximum recursion depth exceeded" in err
        assert set(CustomerPanelOrder.objects.filter(external_id__isnull=False)
                   .values_list("external_id", flat=True)) == {"ok-1", "ok-2"}

        rejected = [json.loads(line) for line in errors_path.read_text().splitlines()]
        assert rejected[0]["_errors"][0] == {"line": 2, "key": "bad-1", "field": "order_items",
                                             "message": "Unknown or inactive panel sku 'nope'."}
        assert rejected[1]["_raw"] == "{broken"
        # Fixed and fed back in, the rejected order goes in (its _errors are ignored).
        fixed = rejected[0] | {"order_items": [{"panel_sku": "nutri-opt-1"}]}
        status, out, _ = run("import_orders", "panels",
                             write_jsonl(tmp_path / "fixed.jsonl", [fixed]), "--no-progress")
        assert status == 0 and "created 1," in out

    @pytest.mark.parametrize("flag", ["--atomic", "--dry-run"])
    def test_atomic_and_dry_run_write_nothing_on_a_bad_file(self, demo, tmp_path, flag):
        path = write_jsonl(tmp_path / "bad.jsonl", [
            {"external_id": "a-1", "customer_id": 319, "order_items": [{"panel_sku": "hormone-1"}]},
            {"external_id": "a-2", "customer_id": 319, "order_items": []},
        ])
        counts = (CustomerPanelOrder.objects.count(), CustomerPanelOrderItem.objects.count(),
                  OrderEvent.objects.count())
        status, out, err = run("import_orders", "panels", path, flag, "--batch-size", "1",
                               "--no-progress")
        assert status == 1
        assert "nothing written" in out
        assert "line 2 [a-2] order_items" in err
        assert (CustomerPanelOrder.objects.count(), CustomerPanelOrderItem.objects.count(),
                OrderEvent.objects.count()) == counts

    def test_dry_run_of_a_good_file_writes_nothing(self, demo):
        before = CustomerPanelOrder.objects.count()
        status, out, _ = run("import_orders", "panels", str(EXAMPLES / "panels-orders.jsonl"),
                             "--dry-run", "--no-progress")
        assert status == 0
        assert out.startswith("Dry run, nothing written: would have created 2,")
        assert CustomerPanelOrder.objects.count() == before

    def test_usage_errors_exit_2(self, demo, tmp_path):
        assert run("import_orders", "panels", str(tmp_path / "missing.jsonl"))[0] == 2
        assert run("import_orders", "panels", str(tmp_path / "orders.txt"))[0] == 2
        csv_without_key = tmp_path / "nokey.csv"
        csv_without_key.write_text("customer_id,panel_sku\n319,hormone-1\n")
        status, _, err = run("import_orders", "panels", str(csv_without_key), "--no-progress")
        assert status == 2 and "external_id" in err

    def test_progress_is_plain_lines_when_not_a_terminal(self):
        stream = StringIO()
        progress = Progress(stream, total_bytes=1000, enabled=True)
        progress.PLAIN_EVERY = 0
        stats = ImportStats(created=3, order_lines=6)
        progress.update(500, stats)
        assert progress.bar is None
        assert stream.getvalue().startswith("... 3 orders, 6 order lines, 0 rejected,")

    def test_progress_is_a_bar_on_a_terminal(self):
        class Terminal(StringIO):
            def isatty(self):
                return True

        stream = Terminal()
        progress = Progress(stream, total_bytes=1000, enabled=True)
        progress.update(500, ImportStats(created=3, order_lines=6))
        progress.close()
        assert progress.bar is not None
        assert "50%" in stream.getvalue() and "lines=6" in stream.getvalue()


class TestParityWithTheApi:
    @pytest.mark.parametrize("body, field, text", BAD_ORDER_BODIES)
    def test_importer_rejects_what_the_api_rejects(self, client, demo, tmp_path, body, field,
                                                   text):
        api = post_json(client, "/api/v1/customer-panel-orders/", body, demo["partner"]["token"])
        assert api.status_code == 400 and field in api.json()["errors"]
        status, _, err = run("import_orders", "panels",
                             write_jsonl(tmp_path / "one.jsonl", [body]), "--no-progress")
        assert status == 1
        assert f" {field}: " in err and text in err

    def test_importer_accepts_what_the_api_accepts(self, client, demo, tmp_path):
        body = {"customer_id": 320, "order_items": [{"panel_sku": "hormone-1"},
                                                    {"panel_sku": "nutri-opt-1"}]}
        assert post_json(client, "/api/v1/customer-panel-orders/", body,
                         demo["partner"]["token"]).status_code == 201
        status, out, _ = run("import_orders", "panels",
                             write_jsonl(tmp_path / "one.jsonl", [body]), "--no-progress")
        assert status == 0 and "created 1," in out


class TestExportRoundTrip:
    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_export_then_import_into_an_empty_database_gives_the_same_orders(
        self, demo, tmp_path, fmt
    ):
        run("import_orders", "panels", str(EXAMPLES / "panels-orders.jsonl"), "--no-progress")
        path = str(tmp_path / f"export.{fmt}")
        status, out, _ = run("export_orders", "panels", path)
        assert status == 0 and "Exported 4 panels order(s)" in out
        exported = orders_snapshot()

        OrderEvent.objects.all().delete()
        CustomerPanelOrderItem.objects.all().delete()
        CustomerPanelOrder.objects.all().delete()
        status, out, _ = run("import_orders", "panels", path, "--no-progress")
        assert status == 0 and "created 4," in out
        assert orders_snapshot() == exported

    def test_export_filters_by_status(self, demo, tmp_path):
        call_command("import_orders", "panels", str(EXAMPLES / "panels-orders.jsonl"),
                     "--no-progress", stdout=StringIO())
        path = tmp_path / "canceled.jsonl"
        run("export_orders", "panels", str(path), "--status", "canceled")
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [r["external_id"] for r in lines] == ["partner-A-0002"]


class TestCatalog:
    def test_upsert_by_sku_and_rerun_changes_nothing(self, demo, tmp_path):
        path = tmp_path / "panels.csv"
        path.write_text("sku,name,is_license_required,is_active\n"
                        "hormone-1,Hormone (v2),true,true\nnew-panel-1,New Panel,false,true\n")
        status, out, _ = run("import_catalog", "panels", str(path), "--no-progress")
        assert status == 0 and "created 1, updated 1, unchanged 0" in out
        assert Panel.objects.get(sku="hormone-1").name == "Hormone (v2)"
        status, out, _ = run("import_catalog", "panels", str(path), "--no-progress")
        assert out.startswith("Nothing changed: all 2 panels were imported before.")

    def test_bad_catalog_rows_are_named(self, demo, tmp_path):
        path = tmp_path / "panels.csv"
        path.write_text("sku,name,is_license_required,is_active\nnot a slug!,X,false,true\n")
        status, _, err = run("import_catalog", "panels", str(path), "--no-progress")
        assert status == 1 and "line 2 [not a slug!] sku:" in err


class TestInterruption:
    def records(self, count):
        return [{"external_id": f"int-{i}", "customer_id": 319 + i % 2,
                 "order_items": [{"panel_sku": "hormone-1"}, {"panel_sku": "nutri-opt-1"}]}
                for i in range(count)]

    def test_a_failure_midway_leaves_only_whole_orders_and_a_rerun_finishes(self, demo):
        class Interrupted(Exception):
            pass

        class FailingImporter(type(order_importer)):
            """Fails inside the third batch, after writing part of it."""

            batches = 0

            def import_batch(self, items, *, actor=None):
                self.batches += 1
                if self.batches == 3:
                    super().import_batch(items[:1], actor=actor)
                    raise Interrupted
                super().import_batch(items, actor=actor)

        items = [SourceItem(i + 1, r) for i, r in enumerate(self.records(20))]
        with pytest.raises(Interrupted):
            run_import(FailingImporter(), items, batch_size=5, atomic=False, dry_run=False)
        assert CustomerPanelOrder.objects.filter(external_id__startswith="int-").count() == 10
        assert all(o.items.count() == 2 for o in CustomerPanelOrder.objects.filter(
            external_id__startswith="int-"))

        items = [SourceItem(i + 1, r) for i, r in enumerate(self.records(20))]
        stats, _ = run_import(order_importer, items, batch_size=5, atomic=False, dry_run=False)
        assert (stats.created, stats.unchanged) == (10, 10)
        assert CustomerPanelOrder.objects.filter(external_id__startswith="int-").count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kill_9_midway_then_rerun_gives_the_same_database_as_one_clean_run(demo, tmp_path):
    records = [{"external_id": f"k-{i}", "customer_id": 319 + i % 2,
                "order_items": [{"panel_sku": "hormone-1"}, {"panel_sku": "nutri-opt-1"}]}
               for i in range(3000)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    command = ["import_orders", "panels", path, "--batch-size", "50", "--no-progress"]
    imported = CustomerPanelOrder.objects.filter(external_id__startswith="k-")
    kill_9_when(imported, 200, *command)
    partial = imported.count()
    assert 0 < partial < 3000, partial
    assert not CustomerPanelOrder.objects.filter(external_id__startswith="k-").exclude(
        items__panel__sku="nutri-opt-1").exists()  # every order written is whole

    result = run_subprocess(*command)
    assert result.returncode == 0, result.stderr
    assert f"created {3000 - partial}, updated 0, unchanged {partial}" in result.stdout
    assert imported.count() == 3000
    assert CustomerPanelOrderItem.objects.filter(order__in=imported).count() == 6000
    assert OrderEvent.objects.filter(object_id__in=imported.values("pk"), action="create",
                                     via="import").count() == 3000


def test_reimporting_an_export_into_the_same_database_changes_nothing(demo, tmp_path):
    """Orders without an external id are exported as `panels-<id>`; fed back in, they are
    recognised as themselves, not created again."""
    path = str(tmp_path / "export.jsonl")
    run("export_orders", "panels", path)
    before = CustomerPanelOrder.objects.count()
    status, out, _ = run("import_orders", "panels", path, "--no-progress")
    assert status == 0
    assert out.startswith(f"Nothing changed: all {before} orders were imported before.")
    assert CustomerPanelOrder.objects.count() == before


def test_only_the_exact_exported_key_names_our_own_order(demo, tmp_path):
    """`panels-<id>` is our order <id>; a bare number or another form is an ordinary
    external id from another system, and makes an order of its own."""
    own = CustomerPanelOrder.objects.filter(external_id__isnull=True).first()
    keys = [str(own.pk), f"panels-0{own.pk}", f"panels-{own.pk}", f"panels-{10**30}"]
    path = write_jsonl(tmp_path / "keys.jsonl", [
        {"external_id": key, "customer_id": own.customer_id,
         "order_items": [{"panel_sku": "hormone-1"}]} for key in keys])
    status, out, _ = run("import_orders", "panels", path)
    assert status == 0 and out.startswith("created 3, updated 0, unchanged 1")
    assert set(CustomerPanelOrder.objects.filter(external_id__in=keys).values_list(
        "external_id", flat=True)) == {keys[0], keys[1], keys[3]}
