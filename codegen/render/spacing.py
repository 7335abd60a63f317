"""Blank lines around local ``async def`` blocks in run(), as ``ruff format`` writes them."""

from __future__ import annotations

__all__ = ["space_local_defs"]


def space_local_defs(source: str) -> str:
    """One blank line before (above its comments) and after every local ``async def`` in
    run(), as ``ruff format`` writes them."""
    lines = source.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("async def run(")), None)
    if start is None:
        return source
    out = lines[:start]
    open_defs: list[int] = []  # indents of local defs whose bodies are still open
    for line in lines[start:]:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        while open_defs and stripped and indent <= open_defs[-1]:
            open_defs.pop()
            if out[-1].strip():
                out.append("")
        if indent > 0 and stripped.startswith("async def "):
            at = len(out)
            while at > 0 and out[at - 1].lstrip().startswith("#"):
                at -= 1
            previous = out[at - 1].rstrip()
            if previous and not previous.endswith(":"):
                out.insert(at, "")
            open_defs.append(indent)
        out.append(line)
    return "\n".join(out)
