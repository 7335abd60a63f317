"""Module-level nodes and classes for the compiler hardening tests: hostile annotation classes
and functions (compiled modules import them by module and name), and graphs whose values
carry the names of builtins or of the compiled module's helpers."""

from __future__ import annotations

from codegen_gate_fixtures import accumulate, generate, retrieve, should_continue

from hypergraph import FunctionNode, Graph

# -- classes whose __module__ / __qualname__ do not lead back to them ----------------------------

SpacedName = type("Spaced Name", (), {"__module__": __name__})
"""Its qualified name has a space: ``from m import Spaced Name`` would not parse."""

Renamed = type("Original", (), {"__module__": __name__})
"""Bound under another name than its own: ``from m import Original`` would fail."""

Hostile = type(
    "Hostile",
    (),
    {"__module__": "os\n__import__('codegen_fixtures').INJECTED.append('annotation')\nimport os"},
)
"""Its module string holds statements: written into an import, they would run on import."""

Sneaky = type(
    "Sneaky",
    (),
    {
        "__module__": __name__,
        "__qualname__": "Sneaky\n__import__('codegen_fixtures').INJECTED.append('qualname')",
    },
)


class Fine:
    """An ordinary importable class: still imported."""


def takes_spaced(a: SpacedName) -> int:  # type: ignore[valid-type]
    return 1


def takes_renamed(a: Renamed) -> int:  # type: ignore[valid-type]
    return 2


def takes_hostile(a: Hostile) -> int:  # type: ignore[valid-type]
    return 3


def takes_sneaky(a: Sneaky) -> int:  # type: ignore[valid-type]
    return 4


def takes_fine(a: Fine) -> int:
    return 5


# -- functions whose names do not lead back to them ----------------------------------------------


def relabelled(a: int) -> int:
    return a + 10


relabelled.__qualname__ = "relabelled\n__import__('codegen_fixtures').INJECTED.append('function')"


def elsewhere(a: int) -> int:
    return a + 20


elsewhere.__module__ = "no_such_module_for_hardening"


# -- node functions named after builtins ---------------------------------------------------------


def type(a: int) -> int:  # a node function may have any name
    return a * 2


def isinstance(a: int, b: int) -> int:
    return a - b


def range(a: int) -> bool:
    return a > 3


# -- the agentic loop with renamed values --------------------------------------------------------


def agent_with_values(
    query: str, docs: str, answer: str, history: str, rounds: str, gate: str = "should_continue"
) -> Graph:
    """The agentic loop of codegen_gate_fixtures with every value (and the gate) renamed."""
    return Graph(
        [
            retrieve.rename_inputs(query=query, history=history).rename_outputs(docs=docs),
            generate.rename_inputs(query=query, docs=docs).rename_outputs(answer=answer),
            accumulate.rename_inputs(history=history, answer=answer).rename_outputs(
                history=history
            ),
            should_continue.with_name(gate).rename_inputs(history=history, rounds=rounds),
        ],
        entrypoint="retrieve",
        name="agent",
    )


def builtin_function_graph() -> Graph:
    """Node functions named type / isinstance / range, and values named like builtins."""
    return Graph(
        [
            FunctionNode(type, output_name="len"),
            FunctionNode(isinstance, output_name="zip").rename_inputs(a="len", b="dict"),
            FunctionNode(range, output_name="tuple").rename_inputs(a="zip"),
        ],
        name="builtin_functions",
    )
