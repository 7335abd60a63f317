"""Definition hashes: a SHA-256 that changes whenever what a node computes could change.

A later cache keys results on these hashes, so they must be the same in every process that
runs the same code: nothing here reads `id()`, a memory address, a default `repr()` or the
salted `hash()` of a string. A function is fingerprinted by

* its source text (or, without source, its bytecode, constants and names), followed through
  `__wrapped__`;
* the values of its closure cells and its defaults (positional and keyword-only);
* for a bound method, the instance's state; for a callable object, its class's `__call__`
  and its state; for `functools.partial`, the wrapped callable and the bound arguments.

Values are encoded structurally: atoms (None, bool, numbers, str, bytes) by value; tuples,
lists, dicts, sets (sorted, so string hashing cannot reorder them) item by item; enums, classes,
modules and builtins by qualified name; functions by their own fingerprint; buffers (bytes-like
objects, arrays) by their bytes; other objects by class and attributes (`__dict__` and
`__slots__`). Not included: module globals a function reads, objects without readable state
(they count by class only; so does one whose attributes raise when read), and anything deeper
than `_MAX_DEPTH` levels or beyond `_BUDGET` encoded values (cut off with a marker). The hash
is taken once per node, at first use.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import inspect
import types
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["digest", "encode_value", "fingerprint"]

_MAX_DEPTH = 8
_BUDGET = 20_000
_ATOMS = (type(None), bool, int, float, complex, str, bytes)


def digest(parts: Iterable[str]) -> str:
    """SHA-256 hex of `parts`, each length-prefixed so no two part lists collide."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def fingerprint(func: Callable[..., Any]) -> str:
    """The fingerprint of a callable: its code and the values it closes over."""
    encoder = _Encoder()
    encoder.value(func, 0)
    return digest(encoder.parts)


def encode_value(value: object) -> str:
    """A deterministic digest of a value (used for bound values of nested graphs)."""
    encoder = _Encoder()
    encoder.value(value, 0)
    return digest(encoder.parts)


@functools.lru_cache(maxsize=4096)
def _code_text(filename: str, line: int, code: types.CodeType) -> str:
    """The source of a code object, or its bytecode, constants and names without source."""
    del filename, line  # part of the cache key: two identical bodies in two places differ
    try:
        return inspect.getsource(code)
    except (OSError, TypeError):
        return _bytecode(code)


def _bytecode(code: types.CodeType) -> str:
    consts = [_bytecode(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return repr((code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars))


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _qualified(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or ""
    return f"{module}.{name}"


class _Encoder:
    """Appends one string per encoded piece to `parts`; `seen` breaks reference cycles."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.seen: set[int] = set()  # ids of containers on the current path (never emitted)
        self.budget = _BUDGET

    def value(self, value: object, depth: int) -> None:
        self.budget -= 1
        if self.budget < 0 or depth > _MAX_DEPTH:
            self.parts.append("<cut>")
            return
        kind = type(value)
        if kind in _ATOMS:
            self.parts.append(f"{kind.__name__}:{value!r}")
            return
        if isinstance(value, enum.Enum):
            self.parts.append(f"enum:{_qualified(kind)}.{value.name}")
            return
        if isinstance(value, type):
            self.parts.append(f"class:{_qualified(value)}")
            return
        if isinstance(value, types.ModuleType):
            self.parts.append(f"module:{value.__name__}")
            return
        if id(value) in self.seen:
            self.parts.append("<cycle>")
            return
        self.seen.add(id(value))
        mark = len(self.parts)
        try:
            self._composite(value, depth + 1)
        except Exception:  # an object whose state cannot be read: hashing must not fail
            del self.parts[mark:]
            self.parts.append(f"<unreadable {_qualified(type(value))}>")
        finally:
            self.seen.discard(id(value))

    def _composite(self, value: Any, depth: int) -> None:
        kind = type(value)
        if isinstance(value, _ATOMS):  # a subclass of an atom (END, an IntEnum, ...)
            atom: Any = next(base for base in _ATOMS if isinstance(value, base))
            self.parts.append(f"{_qualified(kind)}:{atom.__repr__(value)}")  # the base's repr
        elif isinstance(value, tuple | list):
            self.parts.append(f"{kind.__name__}[{len(value)}")
            for item in value:
                self.value(item, depth)
            self.parts.append("]")
        elif isinstance(value, dict):
            self._mapping(value, depth, kind.__name__)
        elif isinstance(value, set | frozenset):
            self.parts.append(f"{kind.__name__}{{{len(value)}")
            self.parts.extend(sorted(encode_value(item) for item in value))
            self.parts.append("}")
        elif isinstance(value, types.FunctionType):
            self._function(value, depth)
        elif isinstance(value, types.MethodType):
            self.parts.append("method")
            self.value(value.__func__, depth)
            self.value(value.__self__, depth)
        elif isinstance(value, functools.partial):
            self.parts.append("partial")
            self.value(value.func, depth)
            self.value(value.args, depth)
            self._mapping(value.keywords, depth, "keywords")
        elif isinstance(value, types.BuiltinFunctionType | types.BuiltinMethodType):
            self.parts.append(f"builtin:{_qualified(value)}")
        elif not self._buffer(value):
            self._object(value, depth)

    def _mapping(self, mapping: dict[Any, Any], depth: int, label: str) -> None:
        """Items sorted by their keys' encodings: stable whatever the insertion order."""
        self.parts.append(f"{label}{{{len(mapping)}")
        encoded = sorted(((encode_value(k), v) for k, v in mapping.items()), key=_first)
        for key, item in encoded:
            self.parts.append(key)
            self.value(item, depth)
        self.parts.append("}")

    def _function(self, func: types.FunctionType, depth: int) -> None:
        code = func.__code__
        self.parts.append(f"function:{_qualified(func)}")
        self.parts.append(_code_text(code.co_filename, code.co_firstlineno, code))
        for cell in func.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell (a name assigned after the function)
                self.parts.append("<empty cell>")
                continue
            self.value(contents, depth)
        self.value(func.__defaults__, depth)
        self._mapping(func.__kwdefaults__ or {}, depth, "kwdefaults")
        wrapped = func.__dict__.get("__wrapped__")
        if wrapped is not None:
            self.value(wrapped, depth)

    def _buffer(self, value: object) -> bool:
        """Bytes-like objects and arrays: their type, shape and bytes."""
        try:
            view = memoryview(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):  # no buffer, or one of Python objects
            return False
        with view:
            self.parts.append(f"buffer:{_qualified(type(value))}:{view.format}:{view.shape}")
            self.parts.append(hashlib.sha256(view.tobytes()).hexdigest())
        return True

    def _object(self, value: object, depth: int) -> None:
        """Any other object: its class, its class's `__call__` if it is callable, and its
        attributes. An object without readable attributes counts by class only."""
        kind = type(value)
        self.parts.append(f"object:{_qualified(kind)}")
        call = getattr(kind, "__call__", None)  # noqa: B004 (the class's, not the instance's)
        if isinstance(call, types.FunctionType):
            self.value(call, depth)
        state: dict[str, Any] = {}
        if dataclasses.is_dataclass(value):
            state = {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
        else:
            state = dict(getattr(value, "__dict__", {}))
            for klass in kind.__mro__:
                for slot in klass.__dict__.get("__slots__", ()):
                    if isinstance(slot, str) and slot not in state and hasattr(value, slot):
                        state[slot] = getattr(value, slot)
        self._mapping(state, depth, "state")
