"""Loading a spec file: read, parse (within the parser's limits), validate, with every mistake
reported as a SpecError naming the file, the field and the line."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from codegen.errors import SpecError, SpecReadError
from codegen.spec.checks import check_entry, check_gate, first_error
from codegen.spec.limits import MAX_NESTING, check_nesting, long_integer
from codegen.spec.locate import locate
from codegen.spec.models import Spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["LoadedSpec", "display_path", "load_spec", "parse_spec"]


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
    check_nesting(text, shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise SpecError(shown, "", f"TOML syntax: {exc}", line) from None
    except ValueError as exc:  # an integer longer than Python converts (int_max_str_digits)
        raise long_integer(text, shown, exc) from None
    except RecursionError:  # nesting is checked above; a last resort all the same
        raise SpecError(shown, "", f"values nested too deeply (at most {MAX_NESTING})") from None
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, shown, text) from None
    for index, entry in enumerate(spec.nodes):
        check_entry(entry, index, shown, text)
        check_gate(entry, index, shown, text)
    return LoadedSpec(spec, shown, text, digest)
