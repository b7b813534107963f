"""Streaming import framework behind `import_orders`, `import_catalog` and `export_orders`.

The framework reads a file (JSON Lines, or CSV whose rows are grouped into one record per
order), hands the records to the domain in batches, commits each batch in its own
transaction (so an interrupted run leaves only whole orders), reports every bad row and
shows progress. A domain supplies an `OrderImporter` in `<domain>/importers.py`:

- `import_batch(items, actor=...)`: validate a batch of records with the same rules as
  its API, write the good ones set-based, and say per record what happened. It runs
  inside the batch's transaction.
- optionally `prepare_batch(items)`: the part of that work that reads only the catalog
  and writes nothing (parsing, validating, pricing, formatting rows). On PostgreSQL the
  next batch is prepared while the previous one is written (see `run_import`).
- `csv_record(rows)`: the rows of one order in a CSV file as one JSON Lines record.
- `export_records(filters)` / `csv_rows(record)`: what `export_orders` writes, in the form
  `import_batch` reads back.

Records carry an optional `external_id`; a domain keys re-runs on it (and on its own
natural key where it has one), so importing the same file twice changes nothing.
"""

from orders.imports.importers import (
    CatalogImporter,
    Importer,
    OrderImporter,
    own_orders_named,
)
from orders.imports.progress import Progress
from orders.imports.readers import (
    CountingReader,
    detect_format,
    json_loads,
    open_source,
    read_csv,
    read_items,
    read_jsonl,
)
from orders.imports.records import (
    ERRORS_KEY,
    OUTCOMES,
    ImportFileError,
    Outcome,
    RowError,
    SourceItem,
    error_record,
    errors_from_validation,
    readable,
)
from orders.imports.runner import ImportStats, batched, get_importer, run_import
from orders.imports.writer import WriterProcess

__all__ = [
    "ERRORS_KEY", "OUTCOMES", "CatalogImporter", "CountingReader", "ImportFileError",
    "ImportStats", "Importer", "OrderImporter", "Outcome", "Progress", "RowError",
    "SourceItem", "WriterProcess", "batched", "detect_format", "error_record",
    "errors_from_validation", "get_importer", "json_loads",
    "open_source", "own_orders_named", "read_csv", "read_items", "read_jsonl", "readable",
    "run_import",
]
