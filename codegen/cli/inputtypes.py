"""``hypergraph run --input name=value``: the text parsed by the input's declared type.

The declared type is the one of the compiled module's ``Inputs`` (the node parameters'
annotations). Parsing is pydantic's, in its lax mode:

- ``str`` keeps the text as it is (``text=123`` is the string ``"123"``), and so does a union
  that admits ``str``;
- numbers, booleans (``true``/``false``, ``1``/``0``, ``yes``/``no``), enums and literals are
  converted from the text;
- containers (lists, tuples, sets, dicts, TypedDicts, dataclasses, ``Sequence[...]`` ...) are
  read as JSON and validated item by item (``[1, 2]``);
- ``None`` in the type accepts ``null``;
- an unannotated (``Any``) input is read as JSON when it parses, else as the text.

A value that does not fit is a UsageError naming the input, its type and what was wrong.
"""

from __future__ import annotations

import json
import typing
from types import ModuleType
from typing import Any, cast

from pydantic import (
    PydanticSchemaGenerationError,
    PydanticUserError,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import is_typeddict

from codegen.errors import UsageError

__all__ = ["input_types", "typed_value"]


def input_types(compiled: ModuleType) -> dict[str, object]:
    """Input name -> declared type, from the compiled module's ``Inputs`` TypedDict."""
    try:
        return dict(typing.get_type_hints(compiled.Inputs))
    except Exception:  # an annotation that does not evaluate: read those inputs as JSON
        return {}


def _format(kind: object) -> str:
    from hypergraph.typecheck import format_type

    return format_type(kind)


def typed_value(name: str, text: str, kind: object) -> Any:
    """`text` parsed as a value of type `kind` (see the module docstring)."""
    if kind is Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(cast(Any, kind))
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError) as exc:
        if is_typeddict(kind):  # typing.TypedDict before 3.12, which pydantic does not take
            return _json_object(name, text, kind)
        raise UsageError(
            f"error: --input {name}: values of type {_format(kind)} cannot be given on the "
            f"command line ({type(exc).__name__}); call the compiled module's run() from Python"
        ) from None
    try:
        return adapter.validate_python(text)
    except ValidationError as first:
        try:
            return adapter.validate_json(text)
        except ValidationError as second:
            problem = _reason(second if _is_json(text) else first)
            raise UsageError(
                f"error: --input {name}={text!r}: not a valid {_format(kind)}: {problem}"
            ) from None


def _json_object(name: str, text: str, kind: object) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        value = exc
    if not isinstance(value, dict):
        raise UsageError(
            f"error: --input {name}={text!r}: not a valid {_format(kind)}: write a JSON object"
        )
    return value


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _reason(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
