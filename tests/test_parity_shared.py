"""Issue 12, item 12: `shared=[...]` state (API 3.2 shared mode) in both runners; the compiler
refuses it with an error naming the graph and the shared names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from run_support import RUNNERS, execute

from codegen import CompileError, compile_graph
from hypergraph import END, FunctionNode, Graph, GraphConfigError, MissingInputError, node, route


@node(output_name="messages")
def add_user(messages: list[str], queries: list[str]) -> list[str]:
    return [*messages, f"user: {queries[len(messages) // 2]}"]


@node(output_name="response")
def llm(messages: list[str]) -> str:
    return f"echo {messages[-1]}"


@node(output_name="messages")
def add_assistant(messages: list[str], response: str) -> list[str]:
    return [*messages, f"bot: {response}"]


@route(targets=["add_user", END])
def more(messages: list[str], queries: list[str]) -> object:
    return "add_user" if len(messages) < 2 * len(queries) else END


def chat() -> Graph:
    """The chat loop: every node reads and writes the conversation kept in run state."""
    return Graph(
        [add_user, llm, add_assistant, more],
        shared=["messages"],
        edges=[(add_user, llm), (add_assistant, more)],
        entrypoint="add_user",
        name="chat",
    )


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_chat_loop_reads_and_writes_shared_messages(runner: str) -> None:
    result = execute(runner, chat(), messages=[], queries=["hi", "why"])
    assert result["messages"] == [
        "user: hi",
        "bot: echo user: hi",
        "user: why",
        "bot: echo user: why",
    ]
    assert result["response"] == "echo user: why"


def test_shared_names_skip_inference_and_declared_shared_values_only_order() -> None:
    graph = chat()
    kinds = {(e.source, e.target): (e.kind, e.values) for e in graph.edges}
    assert kinds == {
        ("more", "add_user"): ("control", ()),
        ("add_user", "llm"): ("ordering", ("messages",)),
        ("llm", "add_assistant"): ("data", ("response",)),
        ("add_assistant", "more"): ("ordering", ("messages",)),
    }
    assert graph.shared == ("messages",)
    assert graph.describe().splitlines()[1:3] == ["  entrypoints: add_user", "  shared:  messages"]
    assert graph.data_edges == (("llm", "add_assistant", "response"),)
    # without shared=, the same nodes are two producers of `messages` on a data cycle
    with pytest.raises(GraphConfigError):
        Graph([add_user, llm, add_assistant, more], entrypoint="add_user")


def test_a_declared_edge_keeps_its_other_values_as_data() -> None:
    @node(output_name=("log", "n"))
    def first(log: list[str]) -> tuple[list[str], int]:
        return [*log, "first"], 1

    @node(output_name="log")
    def second(log: list[str], n: int) -> list[str]:
        return [*log, f"second {n}"]

    graph = Graph([first, second], shared="log", edges=[(first, second)])
    (edge,) = graph.edges
    assert (edge.kind, edge.values, edge.orders) == ("data", ("n",), ("log",))
    assert execute("sync", graph, log=[]).values == {"log": ["first", "second 1"], "n": 1}


@node(output_name="log")
def start(log: list[str]) -> list[str]:
    return [*log, "start"]


@node(output_name="log")
def left(log: list[str]) -> list[str]:
    return [*log, "left"]


@node(output_name="log")
def right(log: list[str]) -> list[str]:
    return [*log, "right"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_latest_write_wins_in_declaration_order(runner: str) -> None:
    graph = Graph([start, left, right], shared="log", edges=[(start, left), (start, right)])
    assert graph.plan.supersteps == (("start",), ("left", "right"))
    # left and right read the state as it was before their superstep; right writes last
    assert execute(runner, graph, log=[]).values == {"log": ["start", "right"]}


def test_shared_values_are_required_unless_bound() -> None:
    @node(output_name="log")
    def defaulted(log: list[str] | None = None) -> list[str]:
        return [*(log or []), "x"]

    graph = Graph([defaulted, left], shared="log", edges=[(defaulted, left)])
    assert graph.inputs.required == ("log",)  # a signature default does not count
    with pytest.raises(MissingInputError, match="'log'"):
        execute("sync", graph)
    bound = graph.bind(log=["seed"])
    assert bound.inputs.required == ()
    assert bound.inputs.bound == {"log": ["seed"]}
    assert execute("sync", bound).values == {"log": ["seed", "x", "left"]}


def test_a_shared_name_must_be_a_data_output() -> None:
    with pytest.raises(GraphConfigError, match=r"shared name 'lgo' is not a data output.*'log'"):
        Graph([start, left], shared=["lgo"], edges=[(start, left)])


def test_the_wired_graph_must_be_weakly_connected() -> None:
    with pytest.raises(GraphConfigError, match=r"2 unconnected groups of nodes \(start; left\)"):
        Graph([start, left], shared="log")
    assert Graph([start], shared="log").inputs.required == ("log",)


def test_shared_takes_a_name_or_a_list_of_names() -> None:
    with pytest.raises(GraphConfigError, match="shared= takes a name or a list of names"):
        Graph([start], shared=[1])  # type: ignore[list-item]


def test_add_nodes_replays_shared_and_declared_edges() -> None:
    @node(output_name="label")
    def label() -> str:
        return "tag"

    @node(output_name="log")
    def tagged(log: list[str], label: str = "none") -> list[str]:
        return [*log, label]

    graph = Graph([start, tagged], shared="log", edges=[(start, tagged)])
    assert execute("sync", graph, log=[]).values == {"log": ["start", "none"]}
    grown = graph.add_nodes(label)
    assert grown.shared == ("log",)
    assert {(e.source, e.target, e.kind) for e in grown.edges} == {
        ("start", "tagged", "ordering"),
        ("label", "tagged", "data"),
    }
    assert execute("sync", grown, log=[]).values == {"log": ["start", "tag"], "label": "tag"}
    with pytest.raises(GraphConfigError, match="unconnected"):
        graph.add_nodes(right)  # the rebuilt graph is validated in full


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_shared_graph_nests_as_a_node(runner: str) -> None:
    # reading and writing `messages`, the node loops on itself: an entrypoint starts it,
    # or the outer graph shares `messages` too
    for outer in (
        Graph([chat().as_node()], entrypoint="chat", name="outer"),
        Graph([chat().as_node()], shared="messages", name="outer"),
    ):
        assert outer.inputs.required == ("messages", "queries")
        result = execute(runner, outer, messages=[], queries=["hi"])
        assert result["messages"] == ["user: hi", "bot: echo user: hi"]


def test_the_compiler_refuses_shared_state_naming_graph_and_names() -> None:
    with pytest.raises(CompileError, match=r"graph 'chat' uses shared=\['messages'\]"):
        compile_graph(chat())
    outer = Graph([chat().as_node(name="talk")], entrypoint="talk", name="outer")
    with pytest.raises(CompileError, match=r"nested graph 'talk' \('chat'\) uses shared") as err:
        compile_graph(outer, backend="async")
    assert err.value.node == "talk"


def test_shared_mode_changes_the_definition_hash() -> None:
    plain = Graph([start, left], edges=[(start, left)])
    shared = Graph([start, left], shared="log", edges=[(start, left)])
    assert plain.definition_hash != shared.definition_hash


def _appender(tag: str) -> object:
    def append(log: list[str]) -> list[str]:
        return [*log, tag]

    return append


@settings(max_examples=40, deadline=None)
@given(parents=st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
def test_runners_agree_with_the_superstep_model_on_shared_writers(parents: list[int]) -> None:
    """Random DAGs of writers appending to one shared log: every node of a superstep reads
    the log as it was before the superstep, and the last writer in declaration order wins."""
    names = [f"n{i}" for i in range(len(parents) + 1)]
    nodes = [FunctionNode(_appender(n), name=n, output_name="log") for n in names]  # type: ignore[arg-type]
    edges = [(names[p % (i + 1)], names[i + 1]) for i, p in enumerate(parents)]
    graph = Graph(nodes, shared="log", edges=edges)
    depth: dict[str, int] = {}
    for name in names:  # declared edges point forward: longest path by one pass
        depth[name] = max((depth[s] + 1 for s, t in edges if t == name), default=0)
    log: list[str] = []
    for level in range(max(depth.values()) + 1):
        writers = [n for n in names if depth[n] == level]
        log = [*log, writers[-1]]
    for runner in RUNNERS:
        assert execute(runner, graph, log=[]).values == {"log": log}
