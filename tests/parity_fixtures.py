"""Module-level nodes for the issue 12 differential tests (compiled modules import node
functions by module and name)."""

from __future__ import annotations

from hypergraph import END, Graph, RouteNode, node

LOG: list[str] = []


# -- the chat accumulator: two producers of `messages` ordered by emit/wait_for ------------------


@node(output_name="messages", emit="query_added")
def accumulate_query(messages: list[str], queries: list[str]) -> list[str]:
    turn = len(messages) // 2
    LOG.append(f"query {turn}")
    return [*messages, f"user: {queries[turn]}"]


@node(output_name="replies")
def respond(queries: list[str]) -> list[str]:
    LOG.append("respond")
    return [query.upper() for query in queries]


@node(output_name="messages", wait_for="query_added")
def accumulate_response(messages: list[str], replies: list[str]) -> list[str]:
    turn = len(messages) // 2
    LOG.append(f"response {turn}")
    return [*messages, f"bot: {replies[turn]}"]


def another_turn(messages: list[str], queries: list[str]) -> object:
    return "accumulate_query" if len(messages) < 2 * len(queries) else END


def chat_graph() -> Graph:
    """A scripted chat loop: the query and the reply of each turn both append to `messages`,
    in that order (`wait_for`), until every query is answered."""
    return Graph(
        [
            accumulate_query,
            respond,
            accumulate_response,
            RouteNode(another_turn, ["accumulate_query", END], name="another_turn"),
        ],
        entrypoint=["accumulate_query", "respond"],
        name="chat",
    )


# -- routes returning END, declared or not -------------------------------------------------------


def finish(a: int) -> int:
    LOG.append(f"finish {a}")
    return a + 1


def choose(a: int, options: tuple[str, ...]) -> object:
    """One of `options` by value; "<end>" stands for END."""
    choice = options[abs(a) % len(options)]
    return END if choice == "<end>" else choice


def choose_many(a: int, options: tuple[str, ...]) -> list[object]:
    """A list of the options picked by the bits of `a`; "<end>" stands for END."""
    picked = [o for i, o in enumerate(options) if abs(a) >> i & 1]
    return [END if o == "<end>" else o for o in picked]
