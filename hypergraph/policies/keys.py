"""Cache keys: a node's definition hash plus a deterministic encoding of its input values.

A key is the SHA-256 (hex) of the encoding version, the node's `definition_hash` and every
argument the function is called with, by parameter name in sorted order. Each value is
encoded exactly, with its type, and without `id()`, memory addresses, default `repr()`s or
the salted `hash()` of strings, so the same values give the same key in every process:

* ``None``, ``bool``, ``int``, ``float`` (its exact binary value: ``float.hex``), ``complex``,
  ``str`` and ``bytes`` by value and type (``1``, ``1.0`` and ``True`` are three keys);
* ``tuple`` and ``list`` item by item (a sequence of plain floats or plain ints in one piece,
  by the floats' bytes or the ints' digits); ``dict`` item by item in insertion order (a function
  may see the order, so ``{"a": 1, "b": 2}`` and ``{"b": 2, "a": 1}`` are two keys); ``set``
  and ``frozenset`` by their items' encodings, sorted;
* enum members by class and member name; classes by qualified name; subclasses of the types
  above (a NamedTuple, an ``OrderedDict``, a ``str`` subclass) by class name plus their value;
* dataclass instances by class and every field; ``datetime``, ``date``, ``time``,
  ``timedelta``, ``Decimal``, ``Fraction``, ``UUID`` and paths by class and ``repr``;
* objects that support the buffer protocol (``bytearray``, ``memoryview``, numpy arrays of
  numbers) by class, format, shape and a SHA-256 of their bytes;
* any object whose class defines ``__cache_key__(self)``, by class and the encoding of what
  that method returns (the way to make your own types cacheable).

Anything else (a file handle, a generator, a client object, an object array) cannot be keyed
safely: the encoder raises instead of guessing, and so do reference cycles and nesting deeper
than 100 levels.

The section between the ``portable`` markers uses the standard library only: compiled
modules carry a copy of it (codegen writes it out), so a compiled module and a runner encode
values identically.
"""

from __future__ import annotations

from typing import Any

from hypergraph.exceptions import CacheKeyError

__all__ = ["KEY_VERSION", "cache_key"]

# --- portable: begin (compiled modules carry this section verbatim) ---
from dataclasses import fields as _fields
from dataclasses import is_dataclass as _is_dataclass
from datetime import date as _date
from datetime import time as _time
from datetime import timedelta as _timedelta
from decimal import Decimal as _Decimal
from enum import Enum as _Enum
from fractions import Fraction as _Fraction
from hashlib import sha256 as _sha256
from pathlib import PurePath as _PurePath
from struct import pack as _pack
from uuid import UUID as _UUID

_KEY_VERSION = "hypergraph-cache-key/1"
"""Changes whenever the encoding does, so old entries are never read with a new meaning."""

_MAX_DEPTH = 100
_BY_REPR = (_date, _time, _timedelta, _Decimal, _Fraction, _UUID, _PurePath)
_BASES = (int, float, complex, str, bytes, tuple, list, dict, set, frozenset)
_SLICED = (str, bytes, tuple, list)  # a full slice of a subclass is the plain base value


class _Unkeyable(Exception):
    """A value the encoder refuses: `param` names the argument, `where` the path inside it
    (``[2].meta``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.param = ""
        self.where = ""


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def _class_name(kind: type) -> bytes:
    return _frame(f"{kind.__module__}.{kind.__qualname__}".encode())


def _key_digest(definition: str, arguments: dict[str, Any]) -> str:
    """SHA-256 hex of the key version, `definition` and the arguments by sorted name."""
    out = [_frame(_KEY_VERSION.encode()), _frame(definition.encode())]
    for name in sorted(arguments):
        out.append(_frame(name.encode()))
        try:
            _encode(arguments[name], out, 0, set())
        except _Unkeyable as exc:
            exc.param = name
            raise
    return _sha256(b"".join(out)).hexdigest()


def _encode(value: Any, out: list[bytes], depth: int, seen: set[int]) -> None:
    """Append the encoding of `value` to `out` (raises _Unkeyable)."""
    kind: type[Any] = type(value)  # pyright: ignore[reportUnknownVariableType]
    if value is None:
        out.append(b"N")
    elif kind is bool:
        out.append(b"T" if value else b"F")
    elif kind is int:
        out.append(b"I" + _frame(value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)))
    elif kind is float:
        out.append(b"D" + _frame(value.hex().encode()))
    elif kind is str:
        out.append(b"S" + _frame(value.encode("utf-8", "surrogatepass")))
    elif kind is bytes:
        out.append(b"B" + _frame(value))
    elif kind is complex:
        out.append(b"C" + _frame(f"{value.real.hex()} {value.imag.hex()}".encode()))
    elif isinstance(value, _Enum):
        out.append(b"E" + _class_name(kind) + _frame(value.name.encode()))
    elif isinstance(value, type):
        out.append(b"K" + _class_name(value))
    elif depth >= _MAX_DEPTH:
        raise _Unkeyable(f"a value nested deeper than {_MAX_DEPTH} levels")
    elif id(value) in seen:
        raise _Unkeyable("a value that contains itself (a reference cycle)")
    else:
        seen.add(id(value))
        try:
            _encode_composite(value, kind, out, depth + 1, seen)
        finally:
            seen.discard(id(value))


def _encode_composite(value: Any, kind: type, out: list[bytes], depth: int, seen: set[int]) -> None:
    if kind is tuple or kind is list:
        out.append((b"(" if kind is tuple else b"[") + _frame(str(len(value)).encode()))
        if _encode_numbers(value, out):
            return
        for index, item in enumerate(value):
            try:
                _encode(item, out, depth, seen)
            except _Unkeyable as exc:
                exc.where = f"[{index}]{exc.where}"
                raise
    elif kind is dict:
        out.append(b"{" + _frame(str(len(value)).encode()))
        for key, item in value.items():
            try:
                _encode(key, out, depth, seen)
                _encode(item, out, depth, seen)
            except _Unkeyable as exc:
                exc.where = f"[{key!r:.40}]{exc.where}"
                raise
    elif kind is set or kind is frozenset:
        items: list[bytes] = []
        for item in value:
            encoded: list[bytes] = []
            try:
                _encode(item, encoded, depth, seen)
            except _Unkeyable as exc:
                exc.where = f" (the item {item!r:.40}){exc.where}"
                raise
            items.append(b"".join(encoded))
        out.append((b"<" if kind is set else b">") + _frame(str(len(items)).encode()))
        out.extend(sorted(items))
    elif hasattr(kind, "__cache_key__"):
        out.append(b"H" + _class_name(kind))
        try:
            _encode(value.__cache_key__(), out, depth, seen)
        except _Unkeyable as exc:
            exc.where = f".__cache_key__(){exc.where}"
            raise
    elif _is_dataclass(value):
        out.append(b"@" + _class_name(kind))
        for field in _fields(value):
            out.append(_frame(field.name.encode()))
            try:
                _encode(getattr(value, field.name), out, depth, seen)
            except _Unkeyable as exc:
                exc.where = f".{field.name}{exc.where}"
                raise
    elif isinstance(value, _BY_REPR):
        out.append(b"R" + _class_name(kind) + _frame(repr(value).encode()))
    elif (base := _base_of(value)) is not None:  # a subclass: its class, then its base value
        out.append(b"U" + _class_name(kind))
        _encode(_plain(value, base), out, depth, seen)
    else:
        _encode_buffer(value, kind, out)


def _encode_numbers(items: Any, out: list[bytes]) -> bool:
    """A sequence of plain floats (or of plain ints) in one piece: its exact bytes (a vector
    of 1000 floats in microseconds, not a millisecond). Tagged apart from item-by-item."""
    if len(items) < 2 or type(items[0]) not in (float, int):
        return False
    kinds = set(map(type, items))  # one pass in C
    if kinds == {float}:
        out.append(b"f" + _frame(_pack(f">{len(items)}d", *items)))
        return True
    if kinds == {int}:
        try:
            text = ",".join(map(str, items))
        except ValueError:  # an int beyond str()'s digit limit: item by item
            return False
        out.append(b"i" + _frame(text.encode()))
        return True
    return False


def _base_of(value: Any) -> type | None:
    """The type of `_BASES` that `value` is an instance of (a subclass of it), if any."""
    for base in _BASES:
        if isinstance(value, base):
            return base
    return None


def _plain(value: Any, base: Any) -> Any:
    """A subclass instance as its plain base value (not `str(value)`: `__str__` may differ)."""
    return value[:] if base in _SLICED else base(value)


def _encode_buffer(value: Any, kind: type, out: list[bytes]) -> None:
    try:
        view = memoryview(value)
    except TypeError:
        raise _Unkeyable(f"a {kind.__module__}.{kind.__qualname__} object") from None
    with view:
        if "O" in view.format:
            raise _Unkeyable(f"a {kind.__qualname__} of Python objects")
        shape = f"{view.format}:{view.shape}".encode()
        out.append(b"M" + _class_name(kind) + _frame(shape))
        out.append(_frame(_sha256(view.tobytes()).digest()))


def _unkeyable_message(node: str, error: _Unkeyable) -> str:
    return (
        f"node {node!r}, parameter {error.param!r}: {error.param}{error.where} is "
        f"{error.reason}, which cannot be part of a cache key. The inputs of a node with "
        "cache=True must be None, bool, numbers, str, bytes, tuples, lists, dicts, sets, "
        "enums, dataclasses, dates and times, Decimal, UUID, paths, buffers such as numpy "
        "arrays, or objects whose class defines __cache_key__(); pass such a value, or remove "
        "cache=True from the node"
    )


# --- portable: end ---

KEY_VERSION = _KEY_VERSION


def cache_key(node_name: str, definition: str, arguments: dict[str, Any]) -> str:
    """The cache key of calling a node (`definition`: its definition hash) with `arguments`
    ({parameter: value}); CacheKeyError names the node and the parameter when a value cannot
    be encoded."""
    try:
        return _key_digest(definition, arguments)
    except _Unkeyable as exc:
        message = _unkeyable_message(node_name, exc)
        raise CacheKeyError(message, node_name=node_name, parameter=exc.param) from None
