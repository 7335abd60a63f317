"""Turning `map()` arguments into per-item input dicts."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from hypergraph.exceptions import GraphConfigError

__all__ = ["map_items"]


def map_items(
    inputs: Mapping[str, Any],
    map_over: str | Sequence[str],
    map_mode: str,
    clone: bool | Sequence[str],
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The mapped parameter names and one input dict per item (zip or product)."""
    names = (map_over,) if isinstance(map_over, str) else tuple(map_over)
    if not names:
        raise ValueError("map_over names no input; give at least one")
    for name in names:
        if name not in inputs:
            raise KeyError(f"map_over names {name!r}, which is not among the supplied inputs")
    if map_mode == "zip":
        lengths = {name: len(inputs[name]) for name in names}
        if len(set(lengths.values())) > 1:
            listing = ", ".join(f"{k}={v}" for k, v in lengths.items())
            raise ValueError(f"map_mode='zip' needs equal lengths, got {listing}")
        count = next(iter(lengths.values()))
        rows: list[tuple[Any, ...]] = [
            tuple(inputs[name][i] for name in names) for i in range(count)
        ]
    elif map_mode == "product":
        rows = list(itertools.product(*(inputs[name] for name in names)))
    else:
        raise ValueError(f"map_mode must be 'zip' or 'product', got {map_mode!r}")
    if isinstance(clone, bool):
        cloned = {k for k in inputs if k not in names} if clone else set()
    else:
        cloned = set(clone)
    items = []
    for row in rows:
        item = dict(inputs)
        item.update(zip(names, row))
        for key in cloned:
            try:
                item[key] = copy.deepcopy(item[key])
            except Exception as exc:
                raise GraphConfigError(
                    f"clone: input {key!r} cannot be deep-copied ({exc}); leave it shared"
                ) from exc
        items.append(item)
    return names, items
