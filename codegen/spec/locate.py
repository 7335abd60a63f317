"""Where a field is in spec text: the line of a field path, the field path of a line (the
TOML parser and pydantic name neither), and pydantic locations as field paths."""

from __future__ import annotations

import re

__all__ = ["field_at", "format_loc", "locate"]


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
