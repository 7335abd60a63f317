"""The spec file format: pydantic models of a TOML spec, and loading with located errors."""

from __future__ import annotations

import hashlib
import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from codegen.errors import SpecError, SpecReadError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["GraphSection", "LoadedSpec", "NodeEntry", "Spec", "load_spec", "parse_spec"]

# Names are matched whole (`fullmatch`): `$` would also match before a trailing newline.
_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

MODULE_NAME_BYTES = 100
"""Longest `[graph] module` name: far below the 255 bytes a file name may have, leaving room
for the ``.pyi`` suffix and the temporary file written next to it."""

MAX_NESTING = 100
"""Deepest nesting of arrays and inline tables a spec may use (parsers recurse per level)."""


def _check_ref(value: str) -> str:
    if not _REF.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an import reference; write 'package.module:attribute' "
            "(module path, a colon, then the name defined in that module)"
        )
    return value


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a Python identifier (ASCII letters, digits, '_')")
    return value


def check_module_name(value: str) -> str:
    """`value` if it can name the compiled module's file and be imported by that name."""
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an importable module name: use ASCII letters, digits and '_', "
            "not starting with a digit"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise ValueError(f"{value!r} is a Python keyword; a module of that name cannot be imported")
    if len(value.encode()) > MODULE_NAME_BYTES:
        raise ValueError(
            f"module name of {len(value)} characters is too long (at most {MODULE_NAME_BYTES})"
        )
    if value in sys.stdlib_module_names:
        raise ValueError(
            f"{value!r} is a standard library module; a compiled module of that name would "
            "shadow it: pick another name"
        )
    return value


def _check_spec_path(value: str) -> str:
    if not value or not value.isprintable():
        raise ValueError(f"{value!r} is not a path: give a non-empty path of printable characters")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class GraphSection(_Model):
    """``[graph]``: what to build and how to compile it."""

    name: str = Field(description="Graph name (an identifier).")
    runner: Literal["sync", "async"] = Field("sync", description="Target back end.")
    module: str | None = Field(None, description="Compiled module name; default <stem>_compiled.")
    select: list[str] | None = Field(None, description="Outputs to compute and return.")
    entrypoint: str | list[str] | None = Field(
        None, description="Node(s) that start the run; a graph with a loop needs one."
    )
    strict_types: bool = Field(False, description="Type-check every edge when building.")
    sync_nodes: Literal["thread", "inline"] = Field(
        "thread", description="async only: run plain def nodes in worker threads or inline."
    )
    bind: dict[str, Any] = Field(default_factory=dict, description="Inputs fixed to values.")

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("module")
    @classmethod
    def _module(cls, value: str | None) -> str | None:
        return value if value is None else check_module_name(value)


class NodeEntry(_Model):
    """One ``[[nodes]]`` entry: a node (``ref``) or a whole graph to inline (``graph``)."""

    ref: str | None = Field(None, description="'module:attr' of a @node or a plain function.")
    graph: str | None = Field(None, description="'module:attr' of a Graph whose nodes to inline.")
    output: str | list[str] | None = Field(None, description="Output name(s) of a function.")
    name: str | None = Field(None, description="Node name (default: the function's name).")
    rename_inputs: dict[str, str] = Field(default_factory=dict, description="Old -> new input.")
    rename_outputs: dict[str, str] = Field(default_factory=dict, description="Old -> new output.")
    emit: str | list[str] | None = Field(None, description="Ordering signal(s) to emit.")
    wait_for: str | list[str] | None = Field(None, description="Signal(s) to wait for.")
    subgraph: str | None = Field(None, description="'module:attr' of a Graph nested as a node.")
    spec: str | None = Field(None, description="Path of a spec nested as a node (relative).")
    namespaced: bool = Field(False, description="Nested: address ports as <name>.<port>.")
    expose: list[str] = Field(default_factory=list, description="Namespaced ports kept flat.")
    map_over: list[str] | None = Field(None, description="Nested: run once per item of these.")
    map_mode: Literal["zip", "product"] = Field("zip", description="How mapped inputs pair.")
    map_errors: Literal["raise", "continue"] = Field("raise", description="Failed item policy.")
    clone: bool | list[str] = Field(False, description="Deep-copy other inputs per item.")
    kind: Literal["node", "route", "ifelse"] = Field(
        "node", description="'route' or 'ifelse': the plain function is a gate."
    )
    targets: list[str] | dict[str, str] | None = Field(
        None, description='Route: node names and/or "END" (a table maps them to descriptions).'
    )
    fallback: str | None = Field(None, description="Route: the target run when it returns None.")
    multi_target: bool = Field(False, description="Route: the function returns a list.")
    when_true: str | None = Field(None, description="Ifelse: the target run on True.")
    when_false: str | None = Field(None, description="Ifelse: the target run on False.")
    default_open: bool = Field(True, description="Gate: targets may run before it decides.")

    @field_validator("ref", "graph", "subgraph")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        return value if value is None else _check_ref(value)

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        return value if value is None else _check_name(value)

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, value: object) -> object:
        # one message instead of pydantic's two (one per member of the union)
        if value is None or (isinstance(value, list) and all(isinstance(t, str) for t in value)):
            return value
        if isinstance(value, dict) and all(isinstance(t, str) for t in value.values()):
            return value
        raise ValueError(
            'targets is a list of node names and/or "END" (targets = ["a", "END"]), or a '
            'table of descriptions (targets = { a = "why", END = "why" })'
        )

    @field_validator("spec")
    @classmethod
    def _spec_path(cls, value: str | None) -> str | None:
        return value if value is None else _check_spec_path(value)


class Spec(_Model):
    """A whole spec file."""

    graph: GraphSection
    nodes: list[NodeEntry] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec with the file it came from."""

    spec: Spec
    path: str
    """The spec as messages and generated headers show it (relative, posix)."""
    text: str
    digest: str
    location: str = ""
    """Where the file really is, for nested specs (empty: `path`)."""

    @property
    def directory(self) -> Path:
        """The directory nested spec paths are relative to."""
        return Path(self.location or self.path).parent

    def line_of(self, field_path: str) -> int | None:
        """Best-effort line number of a field path such as ``nodes[2].ref``."""
        return locate(self.text, field_path)

    def path_of_node(self, node: str | None) -> str:
        """The field path of the entry that declared node `node` (best effort)."""
        if node is None:
            return "graph"
        node = node.partition("/")[0]  # a nested call: the entry of its outermost node
        for index, entry in enumerate(self.spec.nodes):
            if entry.name == node or (not entry.name and (entry.ref or "").endswith(f":{node}")):
                return f"nodes[{index}]"
        return "nodes"


def display_path(path: str | Path) -> str:
    """`path` as given, in posix form (relative paths stay relative)."""
    return Path(path).as_posix()


def load_spec(path: str | Path, display: str | None = None) -> LoadedSpec:
    """Read and validate the spec file at `path` (shown as `display` in messages and headers,
    default: `path` itself); every user mistake raises SpecError, an unreadable file
    SpecReadError."""
    shown = display if display is not None else display_path(path)
    try:
        if Path(path).exists() and not Path(path).is_file():  # a directory, a device, a pipe
            raise SpecReadError(shown, "", "cannot read the spec: not a regular file")
        data = Path(path).read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecReadError(shown, "", f"cannot read the spec: {reason}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(shown, "", f"the spec is not UTF-8 text: {exc}") from None
    loaded = parse_spec(text, shown, digest=hashlib.sha256(data).hexdigest())
    return LoadedSpec(loaded.spec, shown, text, loaded.digest, str(path))


def parse_spec(text: str, shown: str, *, digest: str | None = None) -> LoadedSpec:
    """Validate spec `text` (displayed as `shown` in errors)."""
    if digest is None:
        digest = hashlib.sha256(text.encode()).hexdigest()
    _check_nesting(text, shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise SpecError(shown, "", f"TOML syntax: {exc}", line) from None
    except ValueError as exc:  # an integer longer than Python converts (int_max_str_digits)
        raise _long_integer(text, shown, exc) from None
    except RecursionError:  # nesting is checked above; a last resort all the same
        raise SpecError(shown, "", f"values nested too deeply (at most {MAX_NESTING})") from None
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, shown, text) from None
    for index, entry in enumerate(spec.nodes):
        _check_entry(entry, index, shown, text)
        _check_gate(entry, index, shown, text)
    return LoadedSpec(spec, shown, text, digest)


def _check_nesting(text: str, shown: str) -> None:
    """Refuse arrays and inline tables nested deeper than MAX_NESTING (outside strings and
    comments), naming the line, before the parser recurses into them."""
    depth = 0
    line = 1
    index = 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        elif char in "\"'":
            quote = text[index : index + 3] if text.startswith(char * 3, index) else char
            end = _string_end(text, index + len(quote), quote)
            line += text.count("\n", index, end)
            index = end
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                field = field_at(text, line)
                raise SpecError(
                    shown,
                    field,
                    f"arrays or inline tables nested more than {MAX_NESTING} levels deep",
                    line,
                )
        elif char in "]}":
            depth = max(depth - 1, 0)
        index += 1


def _string_end(text: str, start: int, quote: str) -> int:
    """The index after the string whose body starts at `start` (the end of the text if the
    string is not closed: the parser reports that)."""
    index = start
    escapes = quote[0] == '"'
    while index < len(text):
        if escapes and text[index] == "\\":
            index += 2
            continue
        if text.startswith(quote, index):
            return index + len(quote)
        if len(quote) == 1 and text[index] == "\n":
            return index
        index += 1
    return len(text)


def _long_integer(text: str, shown: str, exc: ValueError) -> SpecError:
    if "integer string conversion" not in str(exc):  # no other ValueError is known; be clear
        return SpecError(shown, "", f"the TOML parser refused the spec: {exc}")
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"[0-9][0-9_]{{{max(limit, 1)},}}", text) if limit else None
    line = text.count("\n", 0, found.start()) + 1 if found else None
    field = field_at(text, line) if line else ""
    return SpecError(
        shown,
        field,
        f"integer of more than {limit} digits: Python does not convert integers that long; "
        "write the value as a string",
        line,
    )


def field_at(text: str, line: int) -> str:
    """Best-effort field path (``graph.bind.x``, ``nodes[1].name``) of the value on `line`
    (1-based): its table header and the nearest ``key =`` at or above it."""
    lines = text.splitlines()
    section = ""
    key = ""
    nodes = -1
    for number, content in enumerate(lines[:line], start=1):
        stripped = content.strip()
        if re.match(r"\[\[\s*nodes\s*\]\]", stripped):
            nodes += 1
            section, key = f"nodes[{nodes}]", ""
        elif re.match(r"\[\s*graph\.bind\s*\]", stripped):
            section, key = "graph.bind", ""
        elif re.match(r"\[\s*graph\s*\]", stripped):
            section, key = "graph", ""
        elif re.match(r"\[", stripped) and number < line:
            section, key = stripped.strip("[] "), ""
        else:
            match = re.match(r"([A-Za-z0-9_-]+)\s*=", stripped)
            if match:
                key = match.group(1)
    if not section:
        return key
    return f"{section}.{key}" if key else section


_NESTING = ("namespaced", "expose", "map_over", "map_mode", "map_errors", "clone")


def _check_entry(entry: NodeEntry, index: int, shown: str, text: str) -> None:
    here = f"nodes[{index}]"
    kinds = [k for k in ("ref", "graph", "subgraph", "spec") if getattr(entry, k) is not None]
    if len(kinds) != 1:
        raise SpecError(
            shown,
            here,
            "give exactly one of 'ref' (a node or function), 'graph' (a Graph to inline), "
            "'subgraph' (a Graph nested as one node) or 'spec' (a spec nested as one node)",
            locate(text, here),
        )
    nested = entry.subgraph is not None or entry.spec is not None
    misplaced = [
        key
        for key in (_NESTING if not nested else ("output", "emit", "wait_for"))
        if key in entry.model_fields_set
    ]
    if misplaced:
        path = f"{here}.{misplaced[0]}"
        where = "nested graphs ('subgraph', 'spec')" if not nested else "single nodes ('ref')"
        raise SpecError(
            shown, path, f"'{misplaced[0]}' applies to {where} only", locate(text, path)
        )
    if nested and entry.map_over is None:
        for key in ("map_mode", "map_errors", "clone"):
            if key in entry.model_fields_set:
                path = f"{here}.{key}"
                raise SpecError(shown, path, f"'{key}' needs 'map_over'", locate(text, path))
    if entry.graph is not None:
        extra = [
            key
            for key in ("output", "name", "rename_inputs", "rename_outputs", "emit", "wait_for")
            if key in entry.model_fields_set
        ]
        if extra:
            path = f"{here}.{extra[0]}"
            raise SpecError(
                shown,
                path,
                f"'{extra[0]}' applies to single nodes ('ref'), not to a 'graph' entry",
                locate(text, path),
            )


_GATE_KEYS: dict[str, tuple[str, ...]] = {
    "targets": ("route",),
    "fallback": ("route",),
    "multi_target": ("route",),
    "when_true": ("ifelse",),
    "when_false": ("ifelse",),
    "default_open": ("route", "ifelse"),
}
"""Gate keys of a ``[[nodes]]`` entry, with the kinds that take them."""


def _check_gate(entry: NodeEntry, index: int, shown: str, text: str) -> None:
    """The gate keys (`kind`, `targets`, ...) fit together; targets are checked in resolve."""
    here = f"nodes[{index}]"

    def fail(key: str, message: str) -> NoReturn:
        path = f"{here}.{key}"
        raise SpecError(shown, path, message, locate(text, path))

    kind = entry.kind
    if kind != "node" and entry.ref is None:
        fail("kind", f"kind = \"{kind}\" declares a gate on a plain function: it needs 'ref'")
    for key, kinds in _GATE_KEYS.items():
        if key in entry.model_fields_set and kind not in kinds:
            needed = " or ".join(f'kind = "{k}"' for k in kinds)
            fail(key, f"'{key}' applies to gates declared with {needed} only")
    if kind == "node":
        return
    if "output" in entry.model_fields_set:
        fail(
            "output",
            f"a gate's only output is its decision, named '_<node name>'; remove 'output' "
            f'(kind = "{kind}")',
        )
    if kind == "route":
        if entry.targets is None:
            fail("kind", 'a kind = "route" gate needs targets = ["node", ..., "END"]')
        elif not entry.targets:
            fail("targets", 'give at least one target (node names and/or "END")')
        if entry.fallback is not None and entry.multi_target:
            fail(
                "fallback",
                "fallback cannot be combined with multi_target = true (return [] or None to "
                "route nowhere)",
            )
    else:
        if entry.when_true is None or entry.when_false is None:
            fail("kind", "a kind = \"ifelse\" gate needs 'when_true' and 'when_false'")
        if entry.when_true == entry.when_false:
            fail(
                "when_false",
                f"when_true and when_false are both {entry.when_true!r}; a branch needs two "
                "different targets",
            )


def _first_error(exc: ValidationError, shown: str, text: str) -> SpecError:
    error = exc.errors()[0]
    path = format_loc(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key '{error['loc'][-1]}'"
        parent = format_loc(error["loc"][:-1])
        allowed = _allowed_keys(error["loc"][:-1])
        if allowed:
            message += f" in {parent or 'the spec'}; allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    count = len(exc.errors())
    if count > 1:
        message += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
    return SpecError(shown, path, message, locate(text, path))


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    if not loc:
        return sorted(Spec.model_fields)
    if loc[0] == "graph" and len(loc) == 1:
        return sorted(GraphSection.model_fields)
    if loc[0] == "nodes" and len(loc) == 2:
        return sorted(NodeEntry.model_fields)
    return []


def format_loc(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a field path: ``('nodes', 2, 'ref')`` -> ``nodes[2].ref``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def locate(text: str, field_path: str) -> int | None:
    """Line (1-based) of a field path in TOML text, found by scanning; None if not found."""
    match = re.match(r"^(graph|nodes)(?:\[(\d+)\])?(?:\.(\w+))?(?:\.(\w+))?", field_path)
    if not match:
        return None
    section, index, key, subkey = match.groups()
    lines = text.splitlines()
    header = re.compile(
        r"^\s*\[\[\s*nodes\s*\]\]" if section == "nodes" else r"^\s*\[\s*graph\s*\]"
    )
    wanted = int(index) if index is not None else 0
    seen = -1
    start = None
    for number, line in enumerate(lines):
        if header.match(line):
            seen += 1
            if seen == wanted:
                start = number
                break
    if start is None:
        return None
    if key is None:
        return start + 1
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if re.match(r"^\s*\[", line):
            if key == "bind" and re.match(r"^\s*\[\s*graph\.bind\s*\]", line):
                if subkey is None:
                    return number + 1
                for inner in range(number + 1, len(lines)):
                    if re.match(rf"^\s*{re.escape(subkey)}\s*=", lines[inner]):
                        return inner + 1
            break
        if re.match(rf"^\s*{re.escape(key)}\s*[=.]", line):
            return number + 1
    return start + 1
