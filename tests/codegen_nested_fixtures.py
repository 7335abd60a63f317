"""Random nested and mapped graphs for the differential suite (built from codegen_fixtures).

`composite` returns a graph and the inputs to run it with. Shapes: graphs nested one to three
deep with renamed ports and a consumer after each level; two instances of one inner graph, the
second namespaced; a mapped GraphNode (zip or product, raise or continue, clone or not, some
items failing, possibly empty inputs), alone or nested one level further with a consumer of
its lists.
"""

from __future__ import annotations

import random
from typing import Any

from codegen_fixtures import FunctionNode, Graph, inc, random_graph, total

__all__ = ["composite", "int_outputs"]


def int_outputs(graph: Graph) -> list[str]:
    """Outputs of plain (non-generator) function nodes: ints in the random graphs."""
    found = []
    for n in graph.iter_nodes():
        if isinstance(n, FunctionNode) and not n.is_generator:
            found += list(n.data_outputs)
    return found


def _value(name: str, x0: Any, x1: Any) -> Any:
    base = name.rsplit(".", 1)[-1]
    return x0 if base == "x0" else x1


def composite(
    rng: random.Random, *, allow_async: bool, failing: bool
) -> tuple[Graph, dict[str, Any]]:
    """A random nested or mapped graph and its required inputs."""
    shape = rng.choice(["deep", "twins", "mapped", "mapped_nested", "map_of_map"])
    size = rng.randint(1, 5)
    inner = random_graph(
        rng, size, allow_async=allow_async, failing=failing, picky=failing, name="inner"
    )
    x0, x1 = rng.randint(-20, 20), rng.randint(-20, 20)
    if shape == "deep":
        graph = inner
        for level in range(rng.randint(1, 3)):
            wrapped = graph.as_node(name=f"l{level}")
            ints = int_outputs(graph) if level == 0 else [f"p{level - 1}"]
            nodes: list[Any] = [wrapped]
            if ints and rng.random() < 0.8:
                source = rng.choice(ints)
                post = FunctionNode(inc, name=f"post{level}", output_name=f"p{level}")
                nodes.append(post.rename_inputs(a=source))
            if level == 0 and "x1" in wrapped.inputs and rng.random() < 0.5:
                nodes[0] = wrapped.rename_inputs(x1="y")
            graph = Graph(nodes, name=f"level{level}")
        inputs = {n: x0 if n == "x0" else x1 for n in graph.inputs.required}
        return graph, inputs
    if shape == "twins":
        first = inner.as_node(name="a")
        ints = int_outputs(inner)
        if ints and rng.random() < 0.5:
            first = first.rename_outputs({ints[0]: "renamed"})
        second = inner.as_node(name="b", namespaced=True)
        graph = Graph([first, second], name="twins")
        return graph, {n: _value(n, x0, x1) for n in graph.inputs.required}
    mapped_node, inputs = _mapped(rng, inner, x0, x1)
    if shape == "mapped":
        return Graph([mapped_node], name="mapped"), inputs
    if shape == "map_of_map" and "x0" in mapped_node.inner_map.params:  # type: ignore[union-attr]
        middle = Graph([mapped_node], name="middle")
        outer = middle.as_node(name="rows").map_over(
            "x0", error_handling=rng.choice(["raise", "continue"])
        )
        rows = [inputs["x0"], [x + 1 for x in inputs["x0"]]]  # equal: no zip-length races
        return Graph([outer], name="map_of_map"), {**inputs, "x0": rows}
    outs = [o for o in int_outputs(inner) if o in mapped_node.outputs]
    nodes = [mapped_node]
    config = mapped_node.inner_map
    if outs and config is not None and config.error_handling == "raise":  # no None items
        nodes.append(
            FunctionNode(total, name="summed", output_name="summed").rename_inputs(items=outs[0])
        )
    middle = Graph(nodes, name="middle")
    return Graph([middle.as_node(name="mid")], name="top"), inputs


def _mapped(rng: random.Random, inner: Graph, x0: int, x1: int) -> tuple[Any, dict[str, Any]]:
    node = inner.as_node(name="items")
    available = [p for p in ("x0", "x1") if p in node.inputs]
    mode = rng.choice(["zip", "product"])
    params = available if len(available) == 1 or rng.random() < 0.5 else available[:1]
    count = rng.choice([0, 1, 2, 3])
    lists = {p: [x0 + 2 * i + (p == "x1") for i in range(count)] for p in params}
    if mode == "product" and len(params) == 2:
        lists["x1"] = lists["x1"][: rng.randint(0, 2)]
    clone = rng.choice([False, True])
    node = node.map_over(
        *params, mode=mode, error_handling=rng.choice(["raise", "continue"]), clone=clone
    )
    inputs: dict[str, Any] = {}
    for name in node.inputs:
        if name in lists:
            inputs[name] = lists[name]
        elif name in ("x0", "x1"):
            inputs[name] = x1
    return node, inputs
