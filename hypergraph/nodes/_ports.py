"""What every function-backed node (FunctionNode, gates) knows about its parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FunctionPorts"]


class FunctionPorts:
    """Parameter lookups shared by nodes that wrap one function.

    Needs `func`, `params` (real parameter names), `inputs` (their graph names, in the same
    order) and `_defaults` (parameter -> (default, needs deep copy)).
    """

    func: Callable[..., Any]
    params: tuple[str, ...]
    inputs: tuple[str, ...]
    _defaults: dict[str, tuple[Any, bool]]

    def param_name(self, input_name: str) -> str:
        """The real parameter name behind (possibly renamed) input `input_name`."""
        return self.params[self.inputs.index(input_name)]

    @property
    def defaults(self) -> dict[str, Any]:
        """Input name -> signature default."""
        return {
            name: self._defaults[param][0]
            for param, name in zip(self.params, self.inputs)
            if param in self._defaults
        }

    def has_default_for(self, param: str) -> bool:
        """Whether input `param` has a signature default."""
        return param in self.inputs and self.param_name(param) in self._defaults

    def default_needs_copy(self, input_name: str) -> bool:
        """Whether the default of `input_name` must be deep-copied before each use."""
        return self._defaults[self.param_name(input_name)][1]

    @property
    def parameter_annotations(self) -> dict[str, Any]:
        """Input name -> resolved type hint (`Annotated` kept); unannotated ones absent."""
        from hypergraph.typecheck.hints import hints_of

        hints = hints_of(self.func)
        return {
            name: hints[param] for param, name in zip(self.params, self.inputs) if param in hints
        }

    def get_input_type(self, param: str) -> Any:
        """The annotation of input `param`, or None if unannotated."""
        return self.parameter_annotations.get(param)
