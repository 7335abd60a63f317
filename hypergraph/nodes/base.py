"""HyperNode: the common shape of every node (name, ports, immutable renames)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from hypergraph.hashing import digest
from hypergraph.nodes._rename import apply_renames, merge_mapping

if TYPE_CHECKING:
    from hypergraph.policies.retry import RetryPolicy

__all__ = ["HyperNode"]

_N = TypeVar("_N", bound="HyperNode")


class HyperNode:
    """Base class of all nodes. Nodes are immutable: renames return new nodes."""

    name: str
    inputs: tuple[str, ...]
    data_outputs: tuple[str, ...]
    emit: tuple[str, ...]
    wait_for: tuple[str, ...]
    is_async: bool = False
    is_generator: bool = False
    is_gate: bool = False
    node_type: str = "NODE"
    cache: bool = False
    """Whether a runner with a cache backend may reuse this node's results."""
    retry: RetryPolicy | None = None
    """How a failing call is retried (function nodes only)."""
    timeout: float | None = None
    """Seconds each call may take (function nodes only)."""
    hide: bool = False

    _input_history: dict[str, tuple[str, ...]]
    _output_history: dict[str, tuple[str, ...]]

    @property
    def outputs(self) -> tuple[str, ...]:
        """Data outputs followed by emit signal names."""
        return self.data_outputs + self.emit

    @property
    def defaults(self) -> dict[str, Any]:
        """Input name -> signature default, for inputs that have one."""
        return {}

    def has_default_for(self, param: str) -> bool:
        """Whether input `param` has a default value."""
        return param in self.defaults

    def get_default_for(self, param: str) -> Any:
        """The default of input `param` (KeyError if it has none)."""
        defaults = self.defaults
        if param not in defaults:
            raise KeyError(f"node {self.name!r} has no default for {param!r}")
        return defaults[param]

    @property
    def definition_hash(self) -> str:
        """SHA-256 hex of what the node computes (see `hypergraph.hashing`); computed once, then
        cached (nodes are immutable: renames make new nodes with their own hash)."""
        cached: str | None = self.__dict__.get("_definition_hash")
        if cached is None:
            cached = self.__dict__["_definition_hash"] = digest(self._definition_parts())
        return cached

    def _definition_parts(self) -> list[str]:
        """What the hash covers: kind, name and ports (subclasses add what they compute)."""
        ports = (self.inputs, self.data_outputs, self.emit, self.wait_for)
        return [type(self).__name__, self.name, repr(ports)]

    def __copy__(self: _N) -> _N:
        """A shallow copy of the attributes as they are (pickling may swap a function for a
        reference to it: `hypergraph.nodes.pickling`; a copy must not)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def _clone(self: _N) -> _N:
        clone = copy.copy(self)
        clone.__dict__.pop("_definition_hash", None)  # the copy is about to change
        return clone

    def with_name(self: _N, new: str) -> _N:
        """A copy of this node under another name."""
        clone = self._clone()
        clone.name = new
        return clone

    def rename_inputs(self: _N, mapping: Mapping[str, str] | None = None, /, **kwargs: str) -> _N:
        """A copy with inputs renamed; all pairs apply at once, successive calls chain."""
        pairs = merge_mapping(mapping, kwargs, f"rename_inputs of {self.name!r}")
        clone = self._clone()
        clone.inputs, clone._input_history = apply_renames(
            self.inputs, pairs, self._input_history, node_name=self.name, kind="input"
        )
        return clone

    def rename_outputs(self: _N, mapping: Mapping[str, str] | None = None, /, **kwargs: str) -> _N:
        """A copy with outputs (data outputs and emit names) renamed."""
        pairs = merge_mapping(mapping, kwargs, f"rename_outputs of {self.name!r}")
        clone = self._clone()
        renamed, clone._output_history = apply_renames(
            self.outputs, pairs, self._output_history, node_name=self.name, kind="output"
        )
        count = len(self.data_outputs)
        clone.data_outputs, clone.emit = renamed[:count], renamed[count:]
        return clone

    with_inputs = rename_inputs
    with_outputs = rename_outputs

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, inputs={self.inputs!r}, "
            f"outputs={self.outputs!r})"
        )
