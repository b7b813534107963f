import csv
import json
import sys
from datetime import UTC

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from orders.imports import ImportFileError, detect_format, get_importer


class Command(BaseCommand):
    help = (
        "Export a domain's orders as JSON Lines or CSV, in the form import_orders reads "
        "(PATH '-' writes standard output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("domain", choices=settings.DOMAIN_APPS)
        parser.add_argument("path", help="The file to write, or - for standard output.")
        parser.add_argument("--format", choices=["jsonl", "csv"],
                            help="Default: from the file name (.jsonl, .csv).")
        parser.add_argument("--status", help="Only orders in this state.")
        parser.add_argument("--created-after", help="Only orders created at or after (ISO 8601).")
        parser.add_argument("--created-before", help="Only orders created before (ISO 8601).")

    def handle(self, *args, domain, path, **options):
        try:
            importer = get_importer(domain)
            fmt = detect_format(path, options["format"] or ("jsonl" if path == "-" else None))
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if fmt == "csv" and not importer.csv_supported:
            raise CommandError(f"{domain} orders are exported as JSON Lines only", returncode=2)
        filters = {"status": options["status"]}
        for name in ("created_after", "created_before"):
            value = options[name]
            if value:
                try:
                    parsed = parse_datetime(value)
                except ValueError:
                    parsed = None
                if parsed is not None and parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)  # a date or time without a zone: UTC
                if parsed is None:
                    raise CommandError(f"--{name.replace('_', '-')}: not a date or time: "
                                       f"{value!r}", returncode=2)
                filters[name] = parsed

        out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        count = 0
        try:
            records = importer.export_records(filters)
            if fmt == "jsonl":
                for record in records:
                    out.write(json.dumps(record, default=str) + "\n")
                    count += 1
            else:
                writer = csv.DictWriter(out, fieldnames=importer.csv_columns)
                writer.writeheader()
                for record in records:
                    writer.writerows(importer.csv_rows(record))
                    count += 1
        finally:
            if out is not sys.stdout:
                out.close()
        if path != "-":
            self.stdout.write(f"Exported {count} {domain} order(s) to {path}.")
