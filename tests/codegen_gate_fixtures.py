"""Module-level nodes and gates for the compiler tests of gated and cyclic graphs, and a builder
of random ones (compiled modules import node functions by module and name)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from hypergraph import END, FunctionNode, Graph, IfElseNode, RouteNode, ifelse, node, route
from hypergraph.nodes.base import HyperNode

LOG: list[str] = []


class GateFixtureError(Exception):
    """Raised on purpose by `fragile`."""


# -- value nodes (ints) ------------------------------------------------------------------------


def inc(a: int) -> int:
    LOG.append(f"inc {a}")
    return a + 1


def add(a: int, b: int) -> int:
    LOG.append(f"add {a} {b}")
    return a + b


def half(a: int) -> int:
    return a // 2


def scale(a: int, k: int = 3) -> int:
    """`k` may be wired to a value whose producer is routed away: the default is used."""
    return a * k


def fragile(a: int) -> int:
    if a % 7 == 3:
        raise GateFixtureError(f"fragile got {a}")
    return a - 1


def remember_seed(count: int = 0) -> int:
    """A loop seed with a default: an optional input the loop also produces."""
    return count + 1 if count < 3 else count


async def ainc(a: int) -> int:
    await asyncio.sleep(0)
    LOG.append(f"ainc {a}")
    return a + 1


# -- the version rule (API 5.6 R5): changed if `!=` says so; if comparing raises, changed
# unless it is the same object ---------------------------------------------------------------


class Restless:
    """Unequal to everything, itself included (like NaN)."""

    def __ne__(self, other: object) -> bool:
        return True


class Incomparable:
    """Comparing it raises (like an array with an ambiguous truth value)."""

    def __ne__(self, other: object) -> bool:
        raise ValueError("ambiguous comparison")


RESTLESS = Restless()
INCOMPARABLE = Incomparable()


def same_restless(token: object) -> object:
    """Hands back the one Restless object: the same object, yet `!=` to itself."""
    LOG.append("same_restless")
    return RESTLESS


def same_incomparable(token: object) -> object:
    LOG.append("same_incomparable")
    return INCOMPARABLE


def new_incomparable(token: object) -> object:
    LOG.append("new_incomparable")
    return Incomparable()


def relay_token(value: object) -> object:
    LOG.append("relay_token")
    return value


def token_cycle(producer: object) -> Graph:
    """A gate-less cycle: `producer` (token -> value) and `relay_token` (value -> token)."""
    return Graph(
        [
            FunctionNode(producer, output_name="value"),  # type: ignore[arg-type]
            FunctionNode(relay_token, output_name="token"),
        ],
        entrypoint=producer.__name__,  # type: ignore[attr-defined]
        name="token_cycle",
    )


# -- routing functions ---------------------------------------------------------------------------


def is_even(a: int) -> bool:
    return a % 2 == 0


def sloppy_bool(a: int) -> bool:
    """Returns an int (not a bool) for large values: ifelse must raise TypeError."""
    return a if a > 12 else a > 0  # type: ignore[return-value]


def pick(a: int, options: tuple[str, ...]) -> str | None:
    """One of `options` by value; the markers stand for END, None and bad decisions."""
    choice = options[abs(a) % len(options)]
    if choice == "<end>":
        return END
    if choice == "<none>":
        return None
    if choice == "<string-end>":
        return "END"
    if choice == "<list>":
        return [options[0]]  # type: ignore[return-value]
    if choice == "<unknown>":
        return "nowhere"
    return choice


def pick_many(a: int, options: tuple[str, ...]) -> list[str] | None:
    """A subset of `options` chosen by the bits of `a` (None when a is a multiple of 5)."""
    if a % 5 == 0:
        return None
    chosen = [o for i, o in enumerate(options) if (abs(a) >> i) & 1]
    return [END if o == "<end>" else o for o in chosen]


# -- the classic agentic loop --------------------------------------------------------------------


@node(output_name="docs")
def retrieve(query: str, history: list[str]) -> str:
    return f"docs about {query} (round {len(history)})"


@node(output_name="answer")
def generate(query: str, docs: str) -> str:
    return f"answer from {docs}"


@node(output_name="history")
def accumulate(history: list[str], answer: str) -> list[str]:
    return [*history, answer]


@route(targets=["retrieve", END])
def should_continue(history: list[str], rounds: int = 3) -> str:
    return "retrieve" if len(history) < rounds else END


def agent_graph() -> Graph:
    return Graph(
        [retrieve, generate, accumulate, should_continue], entrypoint="retrieve", name="agent"
    )


# -- gated and cyclic graphs nested in other graphs ----------------------------------------------


@node(output_name="summary")
def summarise(transcript: list[str]) -> str:
    return " | ".join(transcript)


def nested_agent_graph() -> Graph:
    """The agent loop as one node of a plain parent: the parent decides readiness at run
    time, and compiles the loop to a module function."""
    agent = agent_graph().as_node(name="agent").rename_outputs(history="transcript")
    return Graph([agent, summarise], name="outer")


def mapped_agent_graph() -> Graph:
    """The agent loop once per query: a plain parent mapping a cyclic graph."""
    agent = agent_graph().select("answer").as_node(name="agent").map_over("query")
    return Graph([agent], name="batch")


@ifelse(when_true="shout", when_false="whisper")
def is_urgent(message: str) -> bool:
    return message.endswith("!")


@node(output_name="reply")
def shout(message: str) -> str:
    LOG.append("shout")
    return message.upper()


@node(output_name="reply")
def whisper(message: str) -> str:
    LOG.append("whisper")
    return message.lower()


def branch_graph() -> Graph:
    return Graph([is_urgent, shout, whisper], name="branch")


@ifelse(when_true="shout", when_false="calm")
def is_loud(message: str) -> bool:
    return message.endswith("!")


def routed_nested_graph() -> Graph:
    """A gate routing to a nested graph (a branch graph of its own) or to a node."""
    calm = Graph([Graph([whisper], name="quiet").as_node(name="quiet")], name="calm")
    return Graph([is_loud, shout, calm.as_node(name="calm")], name="routed")


def mapped_branches_graph() -> Graph:
    """A gated graph mapped over messages inside a gated parent."""
    inner = branch_graph().select("reply").as_node(name="each").map_over("message")
    inner = inner.rename_inputs(message="messages").rename_outputs(reply="replies")
    return Graph([is_loud, shout, inner.with_name("calm")], name="mapped_branches")


# -- random gated and cyclic graphs --------------------------------------------------------------

_PLAIN = (inc, add, half, scale)
_MARKERS = ("<end>", "<none>", "<string-end>", "<list>", "<unknown>")


def random_gated_graph(
    rng: random.Random, size: int, *, allow_async: bool, failing: bool = False
) -> tuple[Graph, dict[str, int]]:
    """`size` nodes n0..n<size-1> over ints; gates route forward, back (loops) or to END.

    Returns the graph and its inputs (x0, x1 and the seeds of its loops).
    """
    values = ["x0", "x1"]
    specs: list[tuple[str, object, dict[str, str]]] = []
    gate_at: set[int] = set()
    for index in range(size):
        roll = rng.random()
        if index > 0 and roll < 0.3:
            gate_at.add(index)
            specs.append((f"n{index}", "gate", {"a": rng.choice(values)}))
            continue
        funcs: list[object] = list(_PLAIN)
        if allow_async:
            funcs.append(ainc)
        if failing:
            funcs.append(fragile)
        func = rng.choice(funcs)
        pool = list(values)
        if rng.random() < 0.15 and index + 1 < size:
            pool = [f"v{rng.randrange(index + 1, size)}"]  # a back edge: a data loop
        renames = {"a": rng.choice(pool)}
        rest = [v for v in values if v != renames["a"]]
        if func is add:
            renames["b"] = rng.choice(rest)
        produced = [v for v in rest if v.startswith("v")]
        if func is scale and produced and rng.random() < 0.5:
            renames["k"] = rng.choice(produced)  # wired, with a default
        specs.append((f"n{index}", func, renames))
        values.append(f"v{index}")
    names = [name for name, _, _ in specs]
    nodes: list[HyperNode] = []
    bound: dict[str, tuple[str, ...]] = {}
    for index, (name, func, renames) in enumerate(specs):
        if func != "gate":
            made = FunctionNode(func, name=name, output_name=f"v{index}")  # type: ignore[arg-type]
            nodes.append(made.rename_inputs(renames))
            continue
        others = [n for n in names if n != name]
        targets = rng.sample(others, min(len(others), rng.randint(1, 3)))
        kind = rng.random()
        if kind < 0.3 and len(targets) >= 1:
            second = rng.choice([*[n for n in others if n != targets[0]], END])
            made_gate: HyperNode = IfElseNode(
                rng.choice([is_even, sloppy_bool]), targets[0], second, name=name
            )
        elif kind < 0.5:
            made_gate = RouteNode(pick_many, [*targets, END], multi_target=True, name=name)
            opts = tuple(rng.sample([*targets, "<end>"], len(targets) + 1))
            bound[f"opts_{name}"] = opts
        else:
            fallback = rng.choice([None, None, targets[0]])
            made_gate = RouteNode(pick, [*targets, END], fallback=fallback, name=name)
            pool = [*targets, "<end>", "<none>", *rng.sample(_MARKERS[2:], 1)]
            bound[f"opts_{name}"] = tuple(rng.sample(pool, rng.randint(1, len(pool))))
        renamed = dict(renames)
        if f"opts_{name}" in bound:
            renamed["options"] = f"opts_{name}"
        nodes.append(made_gate.rename_inputs(renamed))
    graph = _build(nodes, names, gate_at)
    if bound:
        graph = graph.bind(**{k: v for k, v in bound.items() if k in graph.inputs.all})
    inputs = {"x0": rng.randint(-9, 20), "x1": rng.randint(-9, 20)}
    for name in graph.inputs.required:
        inputs.setdefault(name, rng.randint(-5, 12))
    return graph, {k: v for k, v in inputs.items() if k in graph.inputs.all}


def _build(nodes: list[HyperNode], names: list[str], gates: set[int]) -> Graph:
    try:
        return Graph(nodes, name="gated")
    except Exception:  # a loop: it needs an entrypoint (never a gate)
        start = next(n for i, n in enumerate(names) if i not in gates)
        return Graph(nodes, name="gated", entrypoint=start)


def gated_modules(directory: Path, count: int = 16) -> list[Path]:
    """Compiled gated and cyclic graphs written to `directory` (both back ends, both shapes:
    the state machine and the step loop), for mypy and ruff."""
    import codegen.dynamic
    from codegen import compile_graph

    paths: list[Path] = []
    graphs: list[tuple[str, Graph]] = [
        ("agent", agent_graph()),
        ("branch", branch_graph()),
        ("nested_agent", nested_agent_graph()),
        ("mapped_agent", mapped_agent_graph()),
        ("routed_nested", routed_nested_graph()),
    ]
    seed = 0
    while len(graphs) < count + 5:
        try:
            graph, _ = random_gated_graph(random.Random(seed), 3 + seed % 6, allow_async=True)
        except Exception:
            graph = None
        seed += 1
        if graph is not None and graph.plan.is_dynamic:
            graphs.append((f"gated_{seed}", graph))
    for name, graph in graphs:
        for backend in ("sync", "async"):
            if backend == "sync" and any(n.is_async for n in graph.iter_nodes()):
                continue
            for nodes in ("thread", "inline") if backend == "async" else ("thread",):
                for shape in ("states", "steps"):
                    codegen.dynamic.SPECIALISE = shape == "states"
                    try:
                        source = compile_graph(graph, backend=backend, sync_nodes=nodes)  # type: ignore[arg-type]
                    finally:
                        codegen.dynamic.SPECIALISE = True
                    target = directory / f"{name}_{backend}_{nodes}_{shape}.py"
                    target.write_text(source)
                    paths.append(target)
    return paths
