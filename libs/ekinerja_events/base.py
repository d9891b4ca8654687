"""The machinery of the payload definitions: a frozen dataclass per event type and version, its JSON codec and its
check. Standard library only, so the application rooms can build payloads and the platform can check them.

Field types: `str`, `int`, `bool`, `Decimal` (a string on the wire, "12.50"), `dt.date` ("YYYY-MM-DD"),
`dt.datetime` (ISO 8601), a nested `Record`, `tuple[X, ...]` (a JSON list) of any of these, and `X | None` (may be
null). A field with a default may be absent from the data (how a field is added in the same version). `to_data()`
writes every field in declaration order (one made with `absent_if_none()` is left out when None, for the keys a
producer only sends sometimes); `from_data()` reads and checks.

Two strengths of check (docs/events.md, "Payloads"): `strict` for what a producer writes (no key the definition does
not name, decimals as strings: a mistake in our own code) and the default for what a consumer reads (a newer
producer's extra optional keys are ignored, a decimal written as a JSON number is read as one).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DECIMAL = re.compile(DECIMAL_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_OMIT = "ekinerja_events.absent_if_none"

# (producer, event_type, version) -> definition
REGISTRY: dict[tuple[str, str, int], type[Payload]] = {}


class InvalidEventData(ValueError):
    """An event's data does not match its definition (or there is no definition): a bug in the producer when
    raised while recording, a message to dead-letter (`invalid_data`) when raised in a consumer."""


def absent_if_none() -> Any:
    """An optional field the producer leaves out of the data (rather than sending null) when it has no value."""
    return dataclasses.field(default=None, metadata={_OMIT: True})


# -- codecs: one per field type ----------------------------------------------------------------------------------
class _Mismatch(Exception):
    """Raised by a codec; the records on the way up add where (so a value that fits costs no path string)."""

    def __init__(self, expected: str, value=None, *, text: str | None = None):
        super().__init__(expected)
        self.expected, self.value, self.text = expected, value, text
        self.where: list[str] = []  # innermost first

    def message(self) -> str:
        path = "data" + "".join(reversed(self.where))
        if self.text:
            return f"{path}: {self.text}"
        shown = type(self.value).__name__ if self.value is not None else "null"
        return f"{path}: expected {self.expected}, got {shown}"


class _Codec:
    """`read(value, strict, build)`: the Python value (None when not `build`: a check only), or _Mismatch."""

    def read(self, value, strict: bool, build: bool):
        raise NotImplementedError

    def write(self, value):
        return value

    def schema(self) -> dict:
        raise NotImplementedError


class _Plain(_Codec):
    def __init__(self, kind: type, name: str):
        self.kind, self.name = kind, name

    def read(self, value, strict, build):
        if type(value) is not self.kind:  # not isinstance: a bool is no int
            raise _Mismatch(self.name, value)
        return value

    def schema(self):
        return {"type": self.name}


class _Decimal(_Codec):
    def read(self, value, strict, build):
        if isinstance(value, str) and _DECIMAL.match(value):
            return Decimal(value) if build else None
        if not strict and type(value) in (int, float):  # tolerated from a consumer's point of view
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite():
                return number
        raise _Mismatch("a decimal as a string", value)

    def write(self, value):
        return format(value, "f")

    def schema(self):
        return {"type": "string", "pattern": DECIMAL_PATTERN}


class _Date(_Codec):
    def read(self, value, strict, build):
        if isinstance(value, str) and _DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise _Mismatch("a date YYYY-MM-DD", value)

    def write(self, value):
        return value.isoformat()

    def schema(self):
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}


class _DateTime(_Codec):
    def read(self, value, strict, build):
        if isinstance(value, str) and len(value) >= 10:
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
        raise _Mismatch("an ISO 8601 timestamp", value)

    def write(self, value):
        return value.isoformat()

    def schema(self):
        return {"type": "string", "format": "date-time"}


class _Optional(_Codec):
    def __init__(self, inner: _Codec):
        self.inner = inner

    def read(self, value, strict, build):
        return None if value is None else self.inner.read(value, strict, build)

    def write(self, value):
        return None if value is None else self.inner.write(value)

    def schema(self):
        return {"anyOf": [self.inner.schema(), {"type": "null"}]}


class _List(_Codec):
    def __init__(self, inner: _Codec):
        self.inner = inner

    def read(self, value, strict, build):
        if not isinstance(value, list):
            raise _Mismatch("a list", value)
        items = []
        for i, item in enumerate(value):
            try:
                items.append(self.inner.read(item, strict, build))
            except _Mismatch as mismatch:
                mismatch.where.append(f"[{i}]")
                raise
        return tuple(items) if build else None

    def write(self, value):
        return [self.inner.write(item) for item in value]

    def schema(self):
        return {"type": "array", "items": self.inner.schema()}


class _Nested(_Codec):
    def __init__(self, record: type[Record]):
        self.record = record

    def read(self, value, strict, build):
        return self.record.read(value, strict, build)

    def write(self, value):
        return value.to_data()

    def schema(self):
        return self.record.object_schema()


_SIMPLE: dict[Any, _Codec] = {str: _Plain(str, "string"), int: _Plain(int, "integer"),
                              bool: _Plain(bool, "boolean"), Decimal: _Decimal(), dt.date: _Date(),
                              dt.datetime: _DateTime()}


def _codec(hint) -> _Codec:
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args and len(args) == 2:
        return _Optional(_codec(next(a for a in args if a is not type(None))))
    if origin in (list, tuple) and args:
        return _List(_codec(args[0]))
    if isinstance(hint, type) and issubclass(hint, Record):
        return _Nested(hint)
    raise TypeError(f"unsupported field type {hint!r} in an event definition")


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    codec: _Codec
    required: bool  # no default: present (and not null unless optional)
    omit_if_none: bool


# -- records and payloads ---------------------------------------------------------------------------------------
class Record:
    """A JSON object of a payload: subclass it as a frozen, keyword-only dataclass."""

    _fields_cache: ClassVar[tuple[_Field, ...] | None] = None

    @classmethod
    def _fields(cls) -> tuple[_Field, ...]:
        if cls.__dict__.get("_fields_cache") is None:
            hints = typing.get_type_hints(cls)
            found = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                codec = _codec(hints[f.name])
                required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                found.append(_Field(f.name, codec, required, bool(f.metadata.get(_OMIT))))
            cls._fields_cache = tuple(found)
        return cls.__dict__["_fields_cache"]

    def to_data(self) -> dict:
        """The JSON object (dict of JSON values) this record travels as."""
        data = {}
        for f in self._fields():
            value = getattr(self, f.name)
            if value is None and f.omit_if_none:
                continue
            data[f.name] = f.codec.write(value)
        return data

    @classmethod
    def from_data(cls, data, *, strict: bool = False):
        """The record `data` describes; InvalidEventData naming the first field that does not fit."""
        try:
            return cls.read(data, strict, True)
        except _Mismatch as mismatch:
            raise InvalidEventData(mismatch.message()) from None

    @classmethod
    def check_data(cls, data, *, strict: bool = False) -> None:
        """As `from_data`, without building the record (the platform's checks: a third of the time)."""
        try:
            cls.read(data, strict, False)
        except _Mismatch as mismatch:
            raise InvalidEventData(mismatch.message()) from None

    @classmethod
    def read(cls, data, strict: bool, build: bool):
        if not isinstance(data, dict):
            raise _Mismatch("an object", data)
        values = {}
        name = ""
        try:
            for f in cls._fields():
                name = f.name
                if name not in data:
                    if f.required:
                        raise _Mismatch("", text="is required")
                    continue  # absent: the field's default (a field added later, optional, in the same version)
                values[name] = f.codec.read(data[name], strict, build)
        except _Mismatch as mismatch:
            mismatch.where.append(f".{name}")
            raise
        if strict and len(data) > len(values):  # a key the definition does not name
            unknown = sorted(set(data) - {f.name for f in cls._fields()})
            if unknown:
                raise _Mismatch("", text=f"{', '.join(unknown)} not in the definition {cls.__name__}")
        return cls(**values) if build else None

    @classmethod
    def object_schema(cls) -> dict:
        fields = cls._fields()
        return {"type": "object",
                "properties": {f.name: f.codec.schema() for f in fields},
                "required": [f.name for f in fields if f.required]}


class Payload(Record):
    """The `data` of one event type in one version. Subclasses set `producer`, `event_type` and `schema_version` and
    give an `example()` (used by the contract tests and the schema files)."""

    producer: ClassVar[str]
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1  # the envelope's `schema_version` (`version` is a field of many payloads)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        key = (cls.producer, cls.event_type, cls.schema_version)
        if key in REGISTRY:
            raise TypeError(f"{key} is defined twice ({REGISTRY[key].__name__}, {cls.__name__})")
        REGISTRY[key] = cls

    @classmethod
    def example(cls):
        raise NotImplementedError(f"{cls.__name__}.example()")


def definition(producer: str, event_type: str, version: int) -> type[Payload]:
    try:
        return REGISTRY[(producer, event_type, version)]
    except KeyError:
        raise InvalidEventData(f"no definition of {producer}.{event_type} version {version} "
                               "(libs/ekinerja_events)") from None


def check(producer: str, event_type: str, version: int, data, *, strict: bool = False) -> None:
    """Whether `data` fits the definition of (producer, event_type, version): InvalidEventData when it does not."""
    definition(producer, event_type, version).check_data(data, strict=strict)
