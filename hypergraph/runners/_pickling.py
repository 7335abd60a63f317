"""Pickling what an executor map sends and returns, and saying what cannot be pickled.

cloudpickle (an optional dependency: the `cloudpickle` and `dask` extras) is used when it is
installed, so lambdas and closures travel by value; without it the standard `pickle` sends
functions by reference (module and name), which a worker process imports.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pickle
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import NotPicklableError
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.nodes.pickling import FunctionReference

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["dumps", "loads", "not_picklable", "pickler_name"]

_cloudpickle: Any = None
_looked = False


def _cloud() -> Any:
    """The cloudpickle module, or None when it is not installed (looked up once)."""
    global _cloudpickle, _looked
    if not _looked:
        try:
            _cloudpickle = importlib.import_module("cloudpickle")
        except ImportError:
            _cloudpickle = None
        _looked = True
    return _cloudpickle


_pickler: Any = None


def _cloud_dumps(cloud: Any, value: object) -> bytes:
    """cloudpickle, with the functions of nodes defined in `__main__` (a script, a notebook)
    sent by value: a worker elsewhere (a Dask cluster) has another `__main__`."""
    global _pickler
    if _pickler is None:

        class Pickler(cloud.CloudPickler):  # type: ignore[misc]
            def reducer_override(self, obj: object) -> Any:
                if isinstance(obj, FunctionReference) and obj.module == "__main__":
                    return super().reducer_override(obj.resolve())
                return super().reducer_override(obj)

        _pickler = Pickler
    stream = io.BytesIO()
    _pickler(stream, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return stream.getvalue()


def pickler_name() -> str:
    """ "cloudpickle" or "pickle": what `dumps` uses here."""
    return "pickle" if _cloud() is None else "cloudpickle"


def dumps(value: object) -> bytes:
    """`value` pickled with cloudpickle if it is installed, else with the standard pickle."""
    cloud = _cloud()
    if cloud is None:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _cloud_dumps(cloud, value)


def loads(data: bytes) -> Any:
    """The value pickled in `data` (cloudpickle's output loads with the standard pickle)."""
    return pickle.loads(data)


def _fails(value: object) -> Exception | None:
    try:
        dumps(value)
    except Exception as exc:
        return exc
    return None


def not_picklable(
    graph: Graph,
    inputs: dict[str, Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    prefix: str = "",
) -> NotPicklableError:
    """The error naming the first node or input of a map that cannot be pickled (call it once
    pickling the map failed). Nodes are named by path (`outer/inner`), inputs by name and,
    for mapped values, item index."""
    for path, node in _nodes(graph, prefix):
        if _fails(node) is not None:  # inner nodes come before their GraphNode
            return _node_error(path, node)
    for name, bound in _bound_values(graph, prefix):
        error = _fails(bound)
        if error is not None:
            return NotPicklableError(
                f"cannot send the map to the executor: the value bound to {name!r} cannot be "
                f"pickled ({error}). Bind picklable data, or build the object inside a node",
                input_name=name,
            )
    for name, value in inputs.items():
        error = _fails(value)
        if error is not None:
            return NotPicklableError(
                f"cannot send the map to the executor: input {name!r} cannot be pickled "
                f"({error}). Pass picklable data, or create the object inside a node",
                input_name=name,
            )
    for index, row in enumerate(rows):
        for name, value in zip(columns, row):
            error = _fails(value)
            if error is not None:
                return NotPicklableError(
                    f"cannot send the map to the executor: input {name!r} of item {index} "
                    f"cannot be pickled ({error}). Pass picklable data",
                    input_name=name,
                    item_index=index,
                )
    error = _fails(graph)
    return NotPicklableError(
        f"cannot send the map to the executor: graph {graph.name!r} cannot be pickled ({error})"
    )


def _nodes(graph: Graph, prefix: str) -> Iterator[tuple[str, Any]]:
    for node in graph.iter_nodes():
        path = prefix + node.name
        if isinstance(node, GraphNode):
            yield from _nodes(node.graph, path + "/")
        yield path, node


def _bound_values(graph: Graph, prefix: str) -> Iterator[tuple[str, Any]]:
    for name, value in graph.inputs.bound.items():
        yield prefix + name, value
    for node in graph.iter_nodes():
        if isinstance(node, GraphNode):
            yield from _bound_values(node.graph, f"{prefix}{node.name}/")


def _node_error(path: str, node: Any) -> NotPicklableError:
    func = getattr(node, "func", None)
    where = _where(func)
    if func is not None and _fails(func) is not None:
        qualname = str(getattr(func, "__qualname__", ""))
        if "<lambda>" in qualname:
            kind = "a lambda"
        elif "<locals>" in qualname:
            kind = "a function defined inside another function (a closure)"
        else:
            kind = f"function {qualname or func!r}"
        captured = _captured(func)
        if captured is not None:
            message = (
                f"node {path!r} cannot be pickled: {kind}{where} holds {captured}, which "
                "cannot be pickled. Create that object inside the function instead"
            )
        else:
            cloud = (
                ""
                if _cloud() is not None
                else "; or install cloudpickle (pip install 'hypergraph-workflows[cloudpickle]') "
                "to send it by value"
            )
            message = (
                f"node {path!r} cannot be pickled: its function is {kind}{where}. A worker "
                "process imports functions by module and name: define it with `def` at the top "
                f"level of an importable module (module-level functions are fine){cloud}"
            )
    else:
        detail = next(
            (
                f"its default for {name!r} ({error})"
                for name, value in getattr(node, "defaults", {}).items()
                if (error := _fails(value)) is not None
            ),
            f"({_fails(node)})",
        )
        message = f"node {path!r}{where} cannot be pickled: {detail}"
    return NotPicklableError(f"cannot send the map to the executor: {message}", node_name=path)


def _captured(func: Any) -> str | None:
    """What a picklable-in-principle function holds that is not: a closure cell or default."""
    if _cloud() is None:
        return None  # without cloudpickle a lambda or closure itself is the problem
    code = getattr(func, "__code__", None)
    cells = getattr(func, "__closure__", None) or ()
    for name, cell in zip(getattr(code, "co_freevars", ()), cells):
        try:
            contents = cell.cell_contents
        except ValueError:
            continue
        error = _fails(contents)
        if error is not None:
            return f"the variable {name!r} of its closure ({error})"
    for name, value in (getattr(func, "__kwdefaults__", None) or {}).items():
        if _fails(value) is not None:
            return f"the default of {name!r}"
    return None


def _where(func: Any) -> str:
    """` (file.py:12)` for a function whose source is known, else ``."""
    try:
        target = inspect.unwrap(func)
        code = target.__code__
    except (AttributeError, TypeError, ValueError):
        return ""
    return f" ({code.co_filename}:{code.co_firstlineno})"
