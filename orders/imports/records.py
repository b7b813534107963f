"""What an import reads and reports: a record per order, its outcome and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ERRORS_KEY = "_errors"  # errors written back into a rejected record; ignored on re-import


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


OUTCOMES = {None: None, **{outcome.value: outcome for outcome in Outcome}}


@dataclass
class RowError:
    line: int
    key: str
    field: str
    message: str

    def as_text(self) -> str:
        key = f" [{self.key}]" if self.key else ""
        return f"line {self.line}{key} {self.field}: {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "key": self.key, "field": self.field,
                "message": self.message}


@dataclass
class SourceItem:
    """One order read from the file: its first line number and its record (or why not)."""

    line: int
    record: dict | None
    lines_read: int = 1
    raw: str = ""
    errors: list[RowError] = field(default_factory=list)
    outcome: Outcome | None = None
    prepared: Any = None  # what the importer's prepare_batch made of the record

    def reject(self, field_name: str, message: str, key: str = "") -> None:
        self.errors.append(RowError(self.line, key, field_name, message))
        self.outcome = Outcome.REJECTED


class ImportFileError(Exception):
    """The file cannot be read as the format says (exit status 2)."""


def errors_from_validation(exc) -> list[tuple[str, str]]:
    """(field, message) pairs, flattened as the APIs name fields, of InputErrors or
    InputError, a Django ValidationError, or a DRF serializer's `.errors`."""
    from orders.inputs import NON_FIELD, InputError, InputErrors, flatten_errors

    if isinstance(exc, InputErrors):
        return exc.pairs()
    if isinstance(exc, InputError):
        return [(exc.field or NON_FIELD, exc.message)]
    if isinstance(exc, dict):
        detail = exc
    elif hasattr(exc, "error_dict"):
        detail = exc.message_dict
    else:
        detail = {NON_FIELD: exc.messages}
    return [
        (name, message)
        for name, messages in flatten_errors(detail).items()
        for message in messages
    ]


def readable(batch: list[SourceItem]) -> list[SourceItem]:
    return [item for item in batch if item.record is not None and not item.errors]


def error_record(item: SourceItem) -> dict:
    """A rejected order as a JSON Lines record that can be fixed and fed back in."""
    record = dict(item.record) if item.record is not None else {"_raw": item.raw}
    record[ERRORS_KEY] = [error.as_dict() for error in item.errors]
    return record
