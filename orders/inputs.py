"""The strict parsers every domain's inputs use, with no database access.

Each check raises `InputError(field, message)`; the API layer turns it into the domain's
error body (naming the field), the importer into a rejected row.

- `text_problem` / `storable_text`: what the database cannot store (NUL, lone surrogates);
- `strict_int`: ASCII digits only (`"²"` and `"٣"` pass `isdigit()`), bounded length and
  value, so a 5,000-digit id is an error and not a `ValueError` or a database overflow;
- `bounded_datetime`: aware, and within the years both the databases and the renderers
  take once converted to UTC (`9999-12-31T20:00:00-05:00` is year 10000 in UTC), with an
  offset PostgreSQL accepts.

A domain's `<domain>/inputs.py` declares its bodies as DRF serializers (which also describe
them in the OpenAPI schema, so the schema and the rules are one declaration) and parses
them with `BodyRules`, which raises `InputErrors` carrying every field's fault at once.
The API, the admin and the importer all parse through it.
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


NON_FIELD = "non_field_errors"  # DRF's key for errors of a whole body


class InputErrors(ValueError):
    """Every fault found in one body, as DRF's nested error detail (`{"order_items":
    [{}, {"panel_sku": ["..."]}]}`); `pairs()` names them flat, as the APIs and the
    import's errors file do (`order_items[1].panel_sku`)."""

    def __init__(self, detail):
        self.detail = detail if isinstance(detail, dict | list) else [str(detail)]
        super().__init__("; ".join(f"{name}: {' '.join(messages)}"
                                   for name, messages in self.as_dict().items()))

    @classmethod
    def of(cls, *errors: InputError) -> "InputErrors":
        detail: dict[str, list[str]] = {}
        for error in errors:
            detail.setdefault(error.field or NON_FIELD, []).append(error.message)
        return cls(detail)

    def as_dict(self) -> dict[str, list[str]]:
        return flatten_errors(self.detail)

    def pairs(self) -> list[tuple[str, str]]:
        return [(name, message) for name, messages in self.as_dict().items()
                for message in messages]


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"order_items[0].panel_sku": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list item's errors, keyed by its index
                name = f"{prefix}[{key}]"
            elif key == NON_FIELD and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                flat[prefix or NON_FIELD] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for k, v in flatten_errors(item, f"{prefix}[{index}]").items():
                    flat.setdefault(k, []).extend(v)
    elif detail not in (None, ""):
        flat[prefix or NON_FIELD] = [str(detail)]
    return flat


class BodyRules:
    """The rules of a body serializer (a DRF `Serializer` of plain fields, nested
    serializers and lists: nothing that reads the database), run on one body.

    It accepts and rejects exactly what `Serializer(data=body).is_valid()` would, with the
    same messages and `validated_data`, because it runs the serializer's own validation
    (fields, `validate_<field>` methods, `validate`). It builds the serializer once, not
    per body: building one copies every declared field, most of a small body's cost, and
    an import parses millions. Validation keeps no state on the instance, so one serves
    every thread.

    Plain valid values (a non-blank string within its length, an int within its bounds, a
    bool, a known choice, a list within its bounds) are taken by a compiled check that
    costs a fraction of DRF's per-field machinery; anything else, and every fault, goes to
    DRF's own validation, which gives the messages.
    """

    def __init__(self, serializer_class, **kwargs):
        self.serializer_class = serializer_class
        self._whole = serializer_class(**kwargs)
        self._partial = serializer_class(partial=True, **kwargs)
        self._fast = {id(self._whole): _compiled_serializer(self._whole),
                      id(self._partial): _compiled_serializer(self._partial)}

    def parse(self, body, *, partial: bool = False) -> dict:
        """The validated values of `body` (a dict, or a QueryDict from a form); raises
        InputErrors. `partial`: absent fields are left out rather than required (PATCH)."""
        from django.core.exceptions import ValidationError as DjangoValidationError
        from rest_framework.exceptions import ValidationError

        serializer = self._partial if partial else self._whole
        fast = self._fast[id(serializer)]
        if fast is not None:
            try:
                return fast(body)
            except _NotPlain:
                pass  # DRF's validation decides, and names the faults
        try:
            return serializer.run_validation(body)
        except ValidationError as exc:
            raise InputErrors(exc.detail) from None
        except DjangoValidationError as exc:
            raise InputErrors(exc.message_dict if hasattr(exc, "error_dict")
                              else {NON_FIELD: exc.messages}) from None


class _NotPlain(Exception):
    """A value the compiled checks do not take as plainly valid: DRF decides."""


_NOT_PLAIN = _NotPlain()
# Validators whose whole effect the compiled checks reproduce (by class, not instance).
_PLAIN_VALIDATORS = {"MaxLengthValidator", "MinLengthValidator", "MaxValueValidator",
                     "MinValueValidator", "ProhibitNullCharactersValidator",
                     "ProhibitSurrogateCharactersValidator"}


def _compiled_serializer(serializer):
    """A function taking a plain dict to what `serializer.run_validation` returns for it,
    raising _NotPlain where it cannot tell; None for a serializer it cannot compile."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import serializers
    from rest_framework.exceptions import ValidationError
    from rest_framework.fields import SkipField, empty

    kind = type(serializer)
    if (kind.run_validation is not serializers.Serializer.run_validation
            or kind.to_internal_value is not serializers.Serializer.to_internal_value):
        return None
    entries = []
    for field in serializer._writable_fields:
        if len(field.source_attrs) != 1:  # source="*" or a dotted source
            return None
        entries.append((field.field_name, field.source_attrs[0], field, _compiled_field(field),
                        getattr(serializer, "validate_" + field.field_name, None)))
    if any(f.read_only and f.default is not empty for f in serializer.fields.values()):
        return None
    validators = serializer.validators
    overridden = kind.validate is not serializers.Serializer.validate
    validate = serializer.validate if overridden else None
    faults = (ValidationError, DjangoValidationError)

    def run(data):
        if type(data) is not dict:
            raise _NOT_PLAIN
        values = {}
        for name, source, field, fast, validate_field in entries:
            value = data.get(name, empty)
            try:
                if fast is None or value is empty:
                    try:
                        value = field.run_validation(value)
                    except SkipField:
                        continue
                else:
                    value = fast(value)
                if validate_field is not None:
                    value = validate_field(value)
            except faults:
                raise _NOT_PLAIN from None
            values[source] = value
        try:
            if validators:
                serializer.run_validators(values)
            if validate is not None:
                values = validate(values)
        except faults:
            raise _NOT_PLAIN from None
        return values

    return run


def _compiled_field(field):
    """A check taking a plainly valid value to the field's validated value (raising
    _NotPlain otherwise), or None where the field is left to DRF."""
    from rest_framework import fields, serializers

    kind = type(field)
    if any(type(v).__name__ not in _PLAIN_VALIDATORS for v in field.validators):
        return None
    if kind is serializers.ListSerializer or kind is fields.ListField:
        if kind is serializers.ListSerializer:
            if (type(field).validate is not serializers.ListSerializer.validate
                    or not isinstance(field.child, serializers.Serializer)):
                return None
            item = _compiled_serializer(field.child)
        else:
            item = _compiled_field(field.child)
        if item is None:
            return None
        allow_empty, min_length, max_length = field.allow_empty, field.min_length, field.max_length

        def plain_list(value):
            if type(value) is not list or (not value and not allow_empty) or (
                    max_length is not None and len(value) > max_length) or (
                    min_length is not None and len(value) < min_length):
                raise _NOT_PLAIN
            return [item(element) for element in value]

        return plain_list
    if isinstance(field, serializers.Serializer):
        return _compiled_serializer(field)
    if kind is fields.CharField:
        trim, max_length, min_length = field.trim_whitespace, field.max_length, field.min_length

        def plain_text(value):
            if type(value) is not str:
                raise _NOT_PLAIN
            text = value.strip() if trim else value
            if (not text or (max_length is not None and len(text) > max_length)
                    or (min_length is not None and len(text) < min_length)
                    or _UNSTORABLE.search(text)):
                raise _NOT_PLAIN
            return text

        return plain_text
    if kind is fields.IntegerField:
        minimum, maximum = field.min_value, field.max_value

        def plain_int(value):
            if type(value) is not int or (minimum is not None and value < minimum) or (
                    maximum is not None and value > maximum):
                raise _NOT_PLAIN
            return value

        return plain_int
    if kind is fields.BooleanField:

        def plain_bool(value):
            if type(value) is not bool:
                raise _NOT_PLAIN
            return value

        return plain_bool
    if kind is fields.ChoiceField:
        choices = field.choice_strings_to_values

        def plain_choice(value):
            if type(value) is not str or not value or value not in choices:
                raise _NOT_PLAIN
            return choices[value]

        return plain_choice
    return None


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


def import_datetime(value, *, field: str = "") -> datetime | None:
    """A time an import file carries (an export's own format, `2017-11-24 10:00:00`, or
    ISO 8601; without a zone it is UTC), bounded; None for an empty value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or text_problem(value):
        raise InputError(field, f"Must be an ISO 8601 datetime, got {short_repr(value)}.")
    return parse_datetime_bounded(value.replace(" ", "T", 1), field=field)


def short_repr(value, limit: int = 40) -> str:
    """A value as a message may quote it: never thousands of characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def escape_unstorable(text: str) -> str:
    """`text` with each NUL or lone surrogate written as its escape (`\\ud800`), for a
    message or error key that must itself be sendable and storable."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
