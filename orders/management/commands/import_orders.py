import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orders.imports import (
    CountingReader,
    ImportFileError,
    Progress,
    detect_format,
    error_record,
    get_importer,
    open_source,
    read_items,
    run_import,
)


class Command(BaseCommand):
    importer_kind = "order_importer"  # import_catalog reads `catalog_importer`
    help = (
        "Import orders of one domain from JSON Lines or CSV (PATH '-' reads standard input). "
        "Bad rows are reported and skipped; exit status 0 when every row was imported, "
        "1 when any was rejected, 2 for a usage or unreadable-file error."
    )

    def add_arguments(self, parser):
        parser.add_argument("domain", choices=settings.DOMAIN_APPS)
        parser.add_argument("path", help="The file, or - for standard input.")
        parser.add_argument("--format", choices=["jsonl", "csv"],
                            help="Default: from the file name (.jsonl, .csv).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate everything, write nothing.")
        parser.add_argument("--atomic", action="store_true",
                            help="All rows or none: any rejected row writes nothing.")
        parser.add_argument("--batch-size", type=int, default=2000,
                            help="Orders committed per transaction (default 2000).")
        parser.add_argument("--errors", metavar="ERRORS_PATH",
                            help="Write rejected orders, with their errors, as JSON Lines "
                                 "that can be fixed and fed back in.")
        parser.add_argument("--no-progress", action="store_true",
                            help="No progress bar or progress lines.")

    def handle(self, *args, domain, path, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=2)
        try:
            importer = get_importer(domain, self.importer_kind)
            fmt = detect_format(path, options["format"])
            stream, size = open_source(path)
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from None

        errors_file = None
        if options["errors"]:
            try:
                errors_file = open(options["errors"], "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise CommandError(f"cannot write {options['errors']}: {exc.strerror}",
                                   returncode=2) from None

        def on_error(item):
            for error in item.errors:
                self.stderr.write(error.as_text())
            if errors_file:
                errors_file.write(json.dumps(error_record(item), default=str) + "\n")

        reader = CountingReader(stream)
        progress = Progress(sys.stderr, total_bytes=size, enabled=not options["no_progress"])
        try:
            stats, rolled_back = run_import(
                importer,
                read_items(importer, reader, fmt),
                batch_size=options["batch_size"],
                atomic=options["atomic"],
                dry_run=options["dry_run"],
                on_error=on_error,
                on_batch=lambda stats: progress.update(reader.bytes_read, stats),
            )
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from None
        finally:
            progress.close()
            if stream is not sys.stdin.buffer:
                stream.close()
            if errors_file:
                errors_file.close()

        self.stdout.write(stats.summary(dry_run=options["dry_run"], rolled_back=rolled_back))
        if stats.rejected:
            raise CommandError(f"{stats.rejected} row(s) rejected (see above).", returncode=1)
