"""Module-level nodes and gates for the compiler tests of gated and cyclic graphs, and a builder
of random ones (compiled modules import node functions by module and name)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from functools import partial
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


def grow(total: int = 1) -> int:
    """A loop seed with a default: `total` is an optional input the loop also produces."""
    LOG.append(f"grow {total}")
    return total * 2


def settle(grown: int) -> int:
    return grown


@route(targets=["grow", END])
def enough(total: int) -> str:
    return "grow" if total < 40 else END


def seed_loop_graph() -> Graph:
    """A gated loop whose seed may be omitted (the first round then uses grow's default)."""
    return Graph(
        [
            FunctionNode(grow, output_name="grown"),
            FunctionNode(settle, output_name="total"),
            enough,
        ],
        entrypoint="grow",
        name="seed_loop",
    )


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


def long_named_graph() -> Graph:
    """Long names: generated assignments and step functions must still be laid out as ruff
    formats them (parenthesised targets and values, wrapped calls)."""
    name = "a_long_nested_agent_loop_name_for_layout_tests_"
    once = (
        agent_graph()
        .as_node(name=name)
        .rename_outputs(
            history="the_transcript_of_every_round_so_far", answer="the_final_answer_of_the_loop"
        )
    )
    mapped = agent_graph().as_node(name=name + "_mapped").map_over("query")
    mapped = mapped.rename_inputs(query="every_question_of_the_batch_to_answer")
    mapped = mapped.rename_outputs(
        history="all_transcripts_of_batch",
        answer="all_answers_of_batch",
        docs="all_documents_of_batch",
        _should_continue="all_decisions_of_batch",
    )
    return Graph([once, mapped], name="long_named")


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


def nested_branch_graph() -> Graph:
    """A router graph nested once: both branches write `reply`, so the parent always has it."""
    return Graph([branch_graph().as_node(name="router")], name="nested_branch")


def double_or_four(b: int = 4) -> int:
    LOG.append(f"double {b}")
    return b * 2


@ifelse(when_true="finish", when_false=END)
def positive(c: int) -> bool:
    return c > 0


def fed_under_entrypoint_graph() -> Graph:
    """Started past `start`: its output `b` becomes an optional input (the consumer has a
    default) that is also a result when given, as in RunResult.values."""
    return Graph(
        [
            FunctionNode(inc, name="start", output_name="b"),
            FunctionNode(double_or_four, name="double", output_name="c"),
            positive,
            FunctionNode(half, name="finish", output_name="d").rename_inputs(a="c"),
        ],
        name="fed",
    ).with_entrypoint("double")


def fed_dag_graph() -> Graph:
    """The same without the gate: a DAG whose fed value is a result only when given."""
    return Graph(
        [
            FunctionNode(inc, name="start", output_name="b"),
            FunctionNode(double_or_four, name="double", output_name="c"),
            FunctionNode(half, name="finish", output_name="d").rename_inputs(a="c"),
        ],
        name="fed_dag",
    ).with_entrypoint("double")


def seven() -> int:
    return 7


def routed_constant_graph() -> Graph:
    """A gate routing to a nested graph that takes no inputs (a `()` module function)."""
    constant = Graph([FunctionNode(seven, output_name="lucky")], name="constant")
    gate = IfElseNode(is_even, "constant", END, name="even")
    return Graph([gate, constant.as_node(name="constant")], name="routed_constant")


def mapped_branches_graph() -> Graph:
    """A gated graph mapped over messages inside a gated parent."""
    inner = branch_graph().select("reply").as_node(name="each").map_over("message")
    inner = inner.rename_inputs(message="messages").rename_outputs(reply="replies")
    return Graph([is_loud, shout, inner.with_name("calm")], name="mapped_branches")


# -- emit / wait_for signals in gated and cyclic graphs (API 2.7, 5.6 R4 (d), R5) ---------------


@node(output_name="count", emit="ticked")
def tick(count: int) -> int:
    LOG.append(f"tick {count}")
    return count + 1


@node(output_name="seen", wait_for="ticked")
def observe(label: str) -> str:
    """Its data input never changes: only a re-emitted signal makes it run again."""
    LOG.append(f"observe {label}")
    return label


@route(targets=["tick", END])
def more(count: int, seen: str, rounds: int = 3) -> object:
    LOG.append(f"more {count} {seen}")
    return "tick" if count < rounds else END


def signal_loop_graph() -> Graph:
    """Each round `tick` emits; `observe` (in the loop: the gate reads its output) runs again
    for each emission, though its input never changes."""
    return Graph([tick, observe, more], entrypoint="tick", name="signal_loop")


def nested_signal_loop_graph() -> Graph:
    """The signal loop as one node of a plain parent (its `count` surely written)."""
    inner = signal_loop_graph().select("count").as_node(name="looped")
    return Graph([inner.rename_outputs(count="total")], name="nested_signal_loop")


def mapped_signal_loop_graph() -> Graph:
    """The signal loop once per label: a plain parent mapping it."""
    inner = signal_loop_graph().select("seen").as_node(name="each").map_over("label")
    return Graph([inner], name="mapped_signal_loop")


@node(output_name="n", emit="s")
def produce(n: int) -> int:
    LOG.append(f"produce {n}")
    return n + 1


@route(targets=["produce", "waiter"], multi_target=True)
def again(n: int, w: int = 0) -> list[str]:
    LOG.append(f"again {n} {w}")
    return ["produce", "waiter"] if n < 3 else []


@node(output_name="w", wait_for="s")
def waiter(n: int) -> int:
    LOG.append(f"waiter {n}")
    return n * 10


def held_waiter_graph() -> Graph:
    """`again` picks `produce` and `waiter` together: `waiter`, not yet run and waiting for
    the signal `produce` emits, waits one step while `produce` runs (R4's hold-back)."""
    return Graph([produce, again, waiter], entrypoint="produce", name="held_waiter")


@ifelse(when_true="loud", when_false="quiet")
def is_big(a: int) -> bool:
    return a > 5


@node(output_name="out", emit="done")
def loud(a: int) -> int:
    LOG.append("loud")
    return a * 10


@node(output_name="out")
def quiet(a: int) -> int:
    LOG.append("quiet")
    return a


@node(output_name="after", wait_for="done")
def finish(a: int) -> int:
    LOG.append("finish")
    return a + 100


def untaken_signal_graph() -> Graph:
    """`finish` waits for a signal only the `loud` branch emits."""
    return Graph([is_big, loud, quiet, finish], name="untaken_signal")


@route(targets=["bump", END], emit="routed", wait_for="bumped")
def step_gate(total: int) -> object:
    LOG.append(f"step_gate {total}")
    return "bump" if total < 4 else END


@node(output_name="total", emit="bumped")
def bump(total: int) -> int:
    LOG.append(f"bump {total}")
    return total + 1


@node(output_name="log_size", wait_for="routed")
def tally(total: int) -> int:
    LOG.append(f"tally {total}")
    return total


def signalling_gate_graph() -> Graph:
    """A gate that both waits for a signal and emits one, in a loop."""
    return Graph([bump, step_gate, tally], entrypoint="bump", name="signalling_gate")


@node(output_name="inner_out", emit="inner_done")
def inner_work(a: int) -> int:
    LOG.append(f"inner_work {a}")
    return a + 1


@node(output_name="tail", wait_for="inner_done")
def after_inner(a: int) -> int:
    LOG.append(f"after_inner {a}")
    return a - 1


def nested_signal_graph(namespaced: bool = False) -> Graph:
    """A nested graph's emit names are its GraphNode's: they advance whenever it runs
    (namespaced: the signal is ``loud.inner_done``, the nested graph's input ``loud.a``)."""
    inner = Graph([inner_work], name="inner").as_node(name="loud", namespaced=namespaced)
    after = after_inner
    if namespaced:
        after = FunctionNode(after_inner, output_name="tail", wait_for="loud.inner_done")
    return Graph([is_big, inner, quiet, after], name="nested_signal")


# -- random gated and cyclic graphs --------------------------------------------------------------

_PLAIN = (inc, add, half, scale)
_MARKERS = ("<end>", "<none>", "<string-end>", "<list>", "<unknown>")


def random_gated_graph(
    rng: random.Random,
    size: int,
    *,
    allow_async: bool,
    failing: bool = False,
    signals: bool = True,
) -> tuple[Graph, dict[str, int]]:
    """`size` nodes n0..n<size-1> over ints; gates route forward, back (loops) or to END.

    With `signals`, some graphs also have emit/wait_for signals s0, s1 between their nodes
    (gates included), forward or back (`_signal_draws`); they are drawn from a generator seeded
    by `rng`'s state, so every other draw, and the graph without signals, stay as they were.
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
    makers: list[Callable[[Signals], HyperNode]] = []
    routed: list[list[int]] = []  # per gate, the indexes of its targets
    bound: dict[str, tuple[str, ...]] = {}
    for index, (name, func, renames) in enumerate(specs):
        if func != "gate":
            makers.append(partial(_function_node, func, name, f"v{index}", renames))
            continue
        others = [n for n in names if n != name]
        targets = rng.sample(others, min(len(others), rng.randint(1, 3)))
        routed.append([names.index(t) for t in targets])
        kind = rng.random()
        gate: Callable[..., HyperNode]
        if kind < 0.3 and len(targets) >= 1:
            second = rng.choice([*[n for n in others if n != targets[0]], END])
            gate = partial(IfElseNode, rng.choice([is_even, sloppy_bool]), targets[0], second)
        elif kind < 0.5:
            gate = partial(RouteNode, pick_many, [*targets, END], multi_target=True)
            opts = tuple(rng.sample([*targets, "<end>"], len(targets) + 1))
            bound[f"opts_{name}"] = opts
        else:
            fallback = rng.choice([None, None, targets[0]])
            gate = partial(RouteNode, pick, [*targets, END], fallback=fallback)
            pool = [*targets, "<end>", "<none>", *rng.sample(_MARKERS[2:], 1)]
            bound[f"opts_{name}"] = tuple(rng.sample(pool, rng.randint(1, len(pool))))
        renamed = dict(renames)
        if f"opts_{name}" in bound:
            renamed["options"] = f"opts_{name}"
        makers.append(partial(_gate_node, gate, name, renamed))
    plain = [make(((), ())) for make in makers]
    graph = _build(plain, names, gate_at)
    if signals:
        draws = _signal_draws(random.Random(hash(rng.getstate()[1])), size, routed)
        if draws is not None:  # an invalid signal wiring keeps the graph without signals
            with contextlib.suppress(Exception):
                graph = _build([make(d) for make, d in zip(makers, draws)], names, gate_at)
    if bound:
        graph = graph.bind(**{k: v for k, v in bound.items() if k in graph.inputs.all})
    inputs = {"x0": rng.randint(-9, 20), "x1": rng.randint(-9, 20)}
    for name in graph.inputs.required:
        inputs.setdefault(name, rng.randint(-5, 12))
    return graph, {k: v for k, v in inputs.items() if k in graph.inputs.all}


Signals = tuple[tuple[str, ...], tuple[str, ...]]
"""A node's (emit, wait_for)."""


def _function_node(
    func: object, name: str, output: str, renames: dict[str, str], signals: Signals
) -> HyperNode:
    emit, wait_for = signals
    made = FunctionNode(
        func,  # type: ignore[arg-type]
        name=name,
        output_name=output,
        emit=emit or None,
        wait_for=wait_for or None,
    )
    return made.rename_inputs(renames)


def _gate_node(
    gate: Callable[..., HyperNode], name: str, renames: dict[str, str], signals: Signals
) -> HyperNode:
    emit, wait_for = signals
    return gate(name=name, emit=emit or None, wait_for=wait_for or None).rename_inputs(renames)


def _signal_draws(sig: random.Random, size: int, routed: list[list[int]]) -> list[Signals] | None:
    """Per node, the signals it emits and waits for (None: a graph without signals). A
    signal has one or two emitters and one or two waiters, anywhere in declaration order (a
    waiter before its emitter closes a loop), never both on one node; sometimes an emitter
    and a waiter are targets of one gate (which may pick both: the waiter's hold-back)."""
    if size < 2 or sig.random() >= 0.45:
        return None
    emits: list[list[str]] = [[] for _ in range(size)]
    waits: list[list[str]] = [[] for _ in range(size)]
    shared = [targets for targets in routed if len(targets) >= 2]
    for number in range(sig.choice([1, 1, 2])):
        signal = f"s{number}"
        if shared and sig.random() < 0.4:
            emitter, waiter = sig.sample(sig.choice(shared), 2)
            emits[emitter].append(signal)
            waits[waiter].append(signal)
            continue
        emitters = sig.sample(range(size), sig.choice([1, 1, 2]) if size > 2 else 1)
        others = [i for i in range(size) if i not in emitters]
        for i in emitters:
            emits[i].append(signal)
        for i in sig.sample(others, min(len(others), sig.choice([1, 1, 2]))):
            waits[i].append(signal)
    return [(tuple(e), tuple(w)) for e, w in zip(emits, waits)]


def _build(nodes: list[HyperNode], names: list[str], gates: set[int]) -> Graph:
    try:
        return Graph(nodes, name="gated")
    except Exception:  # a loop: it needs an entrypoint (never a gate)
        start = next(n for i, n in enumerate(names) if i not in gates)
        return Graph(nodes, name="gated", entrypoint=start)


def gated_modules(directory: Path, count: int = 16) -> list[Path]:
    """Compiled gated and cyclic graphs written to `directory` (both back ends, both shapes:
    the state machine and the step loop), for mypy and ruff."""
    import codegen.backends.dynamic.run
    from codegen import compile_graph

    paths: list[Path] = []
    graphs: list[tuple[str, Graph]] = [
        ("agent", agent_graph()),
        ("branch", branch_graph()),
        ("nested_agent", nested_agent_graph()),
        ("mapped_agent", mapped_agent_graph()),
        ("routed_nested", routed_nested_graph()),
        ("seed_loop", seed_loop_graph()),
        ("fed", fed_under_entrypoint_graph()),
        ("fed_dag", fed_dag_graph()),
        ("long_named", long_named_graph()),
        ("signal_loop", signal_loop_graph()),
        ("held_waiter", held_waiter_graph()),
        ("nested_signal_loop", nested_signal_loop_graph()),
        ("mapped_signal_loop", mapped_signal_loop_graph()),
        ("untaken_signal", untaken_signal_graph()),
        ("signalling_gate", signalling_gate_graph()),
        ("nested_signal", nested_signal_graph()),
    ]
    seed = 0
    while len(graphs) < count + 10:
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
                    codegen.backends.dynamic.run.SPECIALISE = shape == "states"
                    try:
                        source = compile_graph(graph, backend=backend, sync_nodes=nodes)  # type: ignore[arg-type]
                    finally:
                        codegen.backends.dynamic.run.SPECIALISE = True
                    target = directory / f"{name}_{backend}_{nodes}_{shape}.py"
                    target.write_text(source)
                    paths.append(target)
    return paths
