"""Turning `map()` arguments into per-item inputs."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypergraph.exceptions import GraphConfigError

__all__ = ["MapRows", "map_items", "map_rows"]


@dataclass(frozen=True, slots=True)
class MapRows:
    """The items of a map: what differs from one item to the next, and nothing else.

    `columns` are the mapped names, then the cloned broadcast names; `rows` hold one tuple of
    column values per item. Deep copies are made here, for every item before any runs (a value
    that cannot be copied stops the map before its first item).
    """

    names: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def fill(self, base: dict[str, Any], row: tuple[Any, ...]) -> dict[str, Any]:
        """A copy of `base` (every input, in order) with this item's values written in."""
        item = base.copy()
        if len(row) == 1:  # the usual case: one mapped name, nothing cloned
            item[self.columns[0]] = row[0]
        else:
            item.update(zip(self.columns, row))
        return item


def map_items(
    inputs: Mapping[str, Any],
    map_over: str | Sequence[str],
    map_mode: str,
    clone: bool | Sequence[str],
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The mapped parameter names and one input dict per item (zip or product)."""
    mapped = map_rows(inputs, map_over, map_mode, clone)
    base = dict(inputs)
    return mapped.names, [mapped.fill(base, row) for row in mapped.rows]


def map_rows(
    inputs: Mapping[str, Any],
    map_over: str | Sequence[str],
    map_mode: str,
    clone: bool | Sequence[str],
) -> MapRows:
    """The mapped names and each item's values for them (zip or product), cloned as asked."""
    names = (map_over,) if isinstance(map_over, str) else tuple(map_over)
    if not names:
        raise ValueError("map_over names no input; give at least one")
    for name in names:
        if name not in inputs:
            raise KeyError(f"map_over names {name!r}, which is not among the supplied inputs")
    rows = _rows(inputs, names, map_mode)
    cloned = _cloned(inputs, names, clone)
    if not cloned:
        return MapRows(names, names, rows)
    broadcast = tuple(key for key in cloned if key not in names)
    rows = [_clone_row(inputs, names, row, cloned, broadcast) for row in rows]
    return MapRows(names, names + broadcast, rows)


def _rows(
    inputs: Mapping[str, Any], names: tuple[str, ...], map_mode: str
) -> list[tuple[Any, ...]]:
    """One tuple of mapped values per item, item by item: zip indexes, product iterates."""
    if map_mode == "zip":
        lengths = {name: len(inputs[name]) for name in names}
        if len(set(lengths.values())) > 1:
            listing = ", ".join(f"{k}={v}" for k, v in lengths.items())
            raise ValueError(f"map_mode='zip' needs equal lengths, got {listing}")
        count = next(iter(lengths.values()))
        mapped = [inputs[name] for name in names]
        if len(mapped) == 1:
            (values,) = mapped
            return [(values[i],) for i in range(count)]
        return [tuple(values[i] for values in mapped) for i in range(count)]
    if map_mode == "product":
        return list(itertools.product(*(inputs[name] for name in names)))
    raise ValueError(f"map_mode must be 'zip' or 'product', got {map_mode!r}")


def _cloned(
    inputs: Mapping[str, Any], names: tuple[str, ...], clone: bool | Sequence[str]
) -> tuple[str, ...]:
    """The names deep-copied per item: every broadcast input (True) or the named ones."""
    if isinstance(clone, bool):
        return tuple(k for k in inputs if k not in names) if clone else ()
    if not isinstance(clone, list | tuple):  # a str would clone its characters' names
        raise TypeError(
            f"clone must be a bool or a list of input names, got {type(clone).__name__} {clone!r}"
        )
    for key in clone:
        if not isinstance(key, str):
            raise TypeError(f"clone lists input names (str), got {type(key).__name__} {key!r}")
        if key not in inputs:
            raise GraphConfigError(
                f"clone names {key!r}, which is not among the supplied inputs {list(inputs)}"
            )
    return tuple(dict.fromkeys(clone))


def _clone_row(
    inputs: Mapping[str, Any],
    names: tuple[str, ...],
    row: tuple[Any, ...],
    cloned: tuple[str, ...],
    broadcast: tuple[str, ...],
) -> tuple[Any, ...]:
    """The item's mapped values, then its broadcast ones, each cloned name deep-copied."""
    values = dict(zip(names, row))
    for key in cloned:
        try:
            values[key] = copy.deepcopy(values[key] if key in values else inputs[key])
        except Exception as exc:
            raise GraphConfigError(
                f"clone: input {key!r} cannot be deep-copied ({exc}); leave it shared"
            ) from exc
    return tuple(values[key] for key in names + broadcast)
