"""Reading a file: JSON Lines, or CSV whose rows are grouped into one record per order."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

import orjson

from orders.imports.importers import Importer
from orders.imports.records import ERRORS_KEY, ImportFileError, SourceItem, errors_from_validation
from orders.inputs import InputError, strict_int


class CountingReader:
    """Iterates a binary stream line by line, counting bytes for progress."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        while lines := self.stream.readlines(1 << 20):  # about a megabyte at a time
            self.bytes_read += sum(map(len, lines))
            yield from lines


def json_loads(text: bytes) -> Any:
    """Parse one JSON value as the APIs' parser does (DRF: the standard library, refusing
    NaN and Infinity). orjson, four times faster, where it agrees: not where a number has
    19 digits or more, which it would read as a float where the standard library reads an
    integer (such a line goes to the standard library)."""
    if text.translate(DIGITS_AS_ZEROS).find(NINETEEN_DIGITS) < 0:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the standard library's message names the fault
    return json.loads(text, parse_constant=refuse_constant)


DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")  # (quicker than a regex)
NINETEEN_DIGITS = b"0" * 19


def refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_jsonl(reader: CountingReader) -> Iterator[SourceItem]:
    for number, raw in enumerate(reader, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            record = json_loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            item = SourceItem(number, None, raw=raw.decode("utf-8", "replace").rstrip("\n"))
            item.reject("json", f"not valid JSON ({exc})")
            yield item
            continue
        if not isinstance(record, dict):
            item = SourceItem(number, None, raw=text.decode("utf-8", "replace"))
            item.reject("json", f"expected a JSON object, got {type(record).__name__}")
            yield item
            continue
        record.pop(ERRORS_KEY, None)
        yield SourceItem(number, record)


def read_csv(reader: CountingReader, importer: Importer) -> Iterator[SourceItem]:
    """Group consecutive rows with the same key into one record."""
    if not importer.csv_supported:
        raise ImportFileError(f"{importer.domain} is imported from JSON Lines only")
    text_lines = (raw.decode("utf-8-sig") for raw in reader)
    rows = csv.DictReader(text_lines)
    if rows.fieldnames is None:
        return
    if importer.csv_key and importer.csv_key not in rows.fieldnames:
        raise ImportFileError(
            f"the CSV header has no '{importer.csv_key}' column "
            f"(it groups the rows of one order); columns: {', '.join(rows.fieldnames)}"
        )
    group: list[dict] = []
    group_line = 0
    for row in rows:
        line = rows.line_num
        if None in row:  # more cells than header columns
            item = SourceItem(line, None, raw=json.dumps(row.get(None)))
            item.reject("csv", f"row has {len(row) - 1 + len(row[None])} cells, "
                               f"the header has {len(rows.fieldnames)}")
            yield item
            continue
        if group and (
            importer.csv_key is None or row[importer.csv_key] != group[0][importer.csv_key]
        ):
            yield csv_item(importer, group_line, group)
            group = []
        if not group:
            group_line = line
        group.append(row)
    if group:
        yield csv_item(importer, group_line, group)


def csv_item(importer: Importer, line: int, rows: list[dict]) -> SourceItem:
    from django.core.exceptions import ValidationError

    try:
        record = importer.csv_record(rows)
    except ValidationError as exc:
        item = SourceItem(line, None, lines_read=len(rows), raw=json.dumps(rows))
        for name, message in errors_from_validation(exc):
            item.reject(name, message, key=rows[0].get(importer.csv_key or "", ""))
        return item
    return SourceItem(line, record, lines_read=len(rows))


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    name = path.lower()
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    raise ImportFileError(
        f"cannot tell the format of {path!r} from its name: pass --format jsonl or csv"
    )


def open_source(path: str) -> tuple[IO[bytes], int | None]:
    """The file (or standard input for '-') as bytes, and its size when known."""
    if path == "-":
        return sys.stdin.buffer, None
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        size = os.fstat(stream.fileno()).st_size if os.path.isfile(path) else None
    except OSError:
        size = None
    return stream, size


def read_items(importer: Importer, reader: CountingReader, fmt: str) -> Iterator[SourceItem]:
    if fmt == "jsonl":
        return read_jsonl(reader)
    if fmt == "csv":
        return read_csv(reader, importer)
    raise ImportFileError(f"unknown format {fmt!r}: use jsonl or csv")


def csv_int(value: str | None):
    """A CSV cell as an int where it is one in ASCII digits (as orders.inputs.strict_int
    reads them: `int()` would take "٣" and "1_000"); otherwise as given, for validation to
    name. An empty cell is None (absent)."""
    if value is None or value == "":
        return None
    try:
        return strict_int(value, maximum=None)
    except InputError:
        return value


def csv_bool(value: str | None):
    """A CSV cell as a bool where it is one (true/false/1/0, any case); otherwise as
    given, for validation to name. An empty cell is None (absent)."""
    if value is None or value == "":
        return None
    return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower(),
                                                                     value)
