"""Rename machinery shared by every node kind: simultaneous pairs, chained history."""

from __future__ import annotations

from collections.abc import Mapping

from hypergraph.exceptions import RenameError

__all__ = ["RenameError", "apply_renames", "merge_mapping"]


def merge_mapping(
    mapping: Mapping[str, str] | None, kwargs: Mapping[str, str], what: str
) -> dict[str, str]:
    """Combine the positional mapping and keyword pairs of a rename call."""
    merged = dict(mapping or {})
    for key, value in kwargs.items():
        if key in merged:
            raise RenameError(f"{what}: {key!r} is given twice")
        merged[key] = value
    return merged


def apply_renames(
    names: tuple[str, ...],
    mapping: Mapping[str, str],
    history: Mapping[str, tuple[str, ...]],
    *,
    node_name: str,
    kind: str,
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Rename `names` by `mapping` (all pairs at once); return new names and chain history.

    `history` maps a current name to the chain of names it has had (oldest first).
    """
    for old in mapping:
        if old not in names:
            chains = [" → ".join(chain) for chain in history.values() if old in chain[:-1]]
            detail = f" (it was renamed: {chains[0]})" if chains else ""
            raise RenameError(
                f"Node {node_name!r} has no {kind} {old!r}{detail}; its {kind}s are "
                f"{', '.join(repr(n) for n in names) or '(none)'}"
            )
    renamed = tuple(mapping.get(n, n) for n in names)
    duplicates = sorted({n for n in renamed if renamed.count(n) > 1})
    if duplicates:
        raise RenameError(
            f"Renaming {kind}s of node {node_name!r} would give two {kind}s the name "
            f"{duplicates[0]!r}; pick distinct names"
        )
    new_history = {}
    for old, new in zip(names, renamed):
        chain = history.get(old, (old,))
        new_history[new] = chain if new == old else (*chain, new)
    return renamed, new_history
