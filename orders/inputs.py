"""The strict parsers every domain's inputs use, with no database access.

Each check raises `InputError(field, message)`; the API layer turns it into the domain's
error body (naming the field), the importer into a rejected row.

- `text_problem` / `storable_text`: what the database cannot store (NUL, lone surrogates);
- `strict_int`: ASCII digits only (`"²"` and `"٣"` pass `isdigit()`), bounded length and
  value, so a 5,000-digit id is an error and not a `ValueError` or a database overflow;
- `bounded_datetime`: aware, and within the years both the databases and the renderers
  take once converted to UTC (`9999-12-31T20:00:00-05:00` is year 10000 in UTC), with an
  offset PostgreSQL accepts.
"""

import re
from datetime import UTC, datetime, timedelta

# Bounds of a bigint primary key and of a 4-byte integer column.
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1

# Any rendering of a time in these bounds stays within Python's datetime in any zone.
MIN_DATETIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(9999, 12, 30, tzinfo=UTC)
# PostgreSQL takes offsets up to 15:59; Python's parser takes up to 23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,19}\Z", re.ASCII)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InputError(ValueError):
    """A value a client or a file sent is not acceptable; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def text_problem(value: str) -> str | None:
    """Why the database cannot store this text, or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "Contains a NUL character (\\u0000), which cannot be stored."
    return (f"Contains a lone surrogate (\\u{ord(match.group()):04x}), "
            "which is not valid Unicode text.")


def storable_text(value: str, *, field: str = "") -> str:
    problem = text_problem(value)
    if problem:
        raise InputError(field, problem)
    return value


def first_unstorable(data, path: str = "") -> tuple[str, str] | None:
    """The first string (key or value) anywhere in parsed JSON or form data that the
    database cannot store, as (path, problem), the path like `order_menus[0].options`."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (path, problem) if problem else None
    if isinstance(data, dict) or hasattr(data, "lists"):
        items = data.lists() if hasattr(data, "lists") else data.items()
        for key, value in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := text_problem(key)):
                return name, problem
            if found := first_unstorable(value, name):
                return found
        return None
    if isinstance(data, list | tuple):
        for index, item in enumerate(data):
            if found := first_unstorable(item, f"{path}[{index}]"):
                return found
    return None


def strict_int(value, *, field: str = "", minimum: int | None = None,
               maximum: int | None = BIGINT_MAX) -> int:
    """An int from an int or a string of ASCII digits (an optional sign), within bounds.

    Booleans and floats are refused: `true` is not 1, and `1.5` is not an id.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(field, f"Must be an integer, got {short_repr(value)}.")
    if isinstance(value, str):
        text = value.strip()
        if not _ASCII_INT.match(text):
            raise InputError(field, f"Must be an integer, got {short_repr(value)}.")
        value = int(text)
    if minimum is not None and value < minimum:
        raise InputError(field, f"At least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise InputError(field, f"At most {maximum}, got {value}.")
    return value


def bounded_datetime(value: datetime, *, field: str = "") -> datetime:
    """An aware datetime in UTC within MIN_DATETIME..MAX_DATETIME (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InputError(field, "The UTC offset must be between -15:59 and +15:59.")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_DATETIME <= utc <= MAX_DATETIME:
        raise InputError(
            field, f"Must be between {MIN_DATETIME:%Y-%m-%d} and {MAX_DATETIME:%Y-%m-%d} (UTC).")
    return utc


def parse_datetime_bounded(text: str, *, field: str = "") -> datetime:
    """An ISO 8601 date or datetime string (a bare date is its midnight UTC), bounded."""
    if not isinstance(text, str):
        raise InputError(field, f"Must be an ISO 8601 datetime, got {short_repr(text)}.")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, f"Must be an ISO 8601 datetime, got {short_repr(text)}.") from None
    return bounded_datetime(value, field=field)


def short_repr(value, limit: int = 40) -> str:
    """A value as a message may quote it: never thousands of characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def escape_unstorable(text: str) -> str:
    """`text` with each NUL or lone surrogate written as its escape (`\\ud800`), for a
    message or error key that must itself be sendable and storable."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
