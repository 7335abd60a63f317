"""FunctionNode and @node: modes, ports, defaults, renames (API.md section 2)."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest

from hypergraph import ExecutionMode, FunctionNode, HyperNode, RenameError, node
from hypergraph.nodes import FunctionNode as NodesFunctionNode
from hypergraph.nodes import RenameError as NodesRenameError
from hypergraph.nodes._rename import RenameError as DefiningRenameError
from hypergraph.nodes.base import HyperNode as BaseHyperNode
from hypergraph.nodes.function import node as function_node

# -- the four modes ----------------------------------------------------------------------


def plain(x: int) -> int:
    return x + 1


async def coro(x: int) -> int:
    return x + 1


def gen(x: int) -> Iterator[int]:
    yield x


async def agen(x: int) -> AsyncIterator[int]:
    yield x


@pytest.mark.parametrize(
    ("func", "is_async", "is_generator", "mode"),
    [
        (plain, False, False, ExecutionMode.SYNC_FUNCTION),
        (coro, True, False, ExecutionMode.ASYNC_FUNCTION),
        (gen, False, True, ExecutionMode.SYNC_GENERATOR),
        (agen, True, True, ExecutionMode.ASYNC_GENERATOR),
    ],
)
def test_mode_detected_at_creation(func, is_async, is_generator, mode):
    n = node(func, "y")
    assert n.is_async is is_async
    assert n.is_generator is is_generator
    assert n.mode is mode
    assert n.func is func
    assert n.__wrapped__ is func
    assert isinstance(n, FunctionNode)
    assert isinstance(n, HyperNode)


def test_mode_is_not_re_detected_later():
    n = node(plain, "y")
    n.func = coro  # type: ignore[assignment]  # mutating the attribute changes nothing
    assert n.is_async is False
    assert n.mode is ExecutionMode.SYNC_FUNCTION


def test_execution_mode_values_are_explicit():
    assert {m.value for m in ExecutionMode} == {
        "sync_function",
        "async_function",
        "sync_generator",
        "async_generator",
    }


def test_calling_a_node_calls_the_raw_function():
    assert node(plain, "y")(x=2) == 3
    g = node(gen, "y")(x=7)
    assert inspect.isgenerator(g)
    assert inspect.getgeneratorstate(g) == inspect.GEN_CREATED
    assert list(g) == [7]


@pytest.mark.asyncio
async def test_calling_an_async_node_returns_a_coroutine():
    c = node(coro, "y")(x=2)
    assert inspect.iscoroutine(c)
    assert await c == 3
    a = node(agen, "y")(x=4)
    assert inspect.isasyncgen(a)
    assert [v async for v in a] == [4]


def test_wrapped_functions_are_seen_through():
    import functools

    def deco(f):
        @functools.wraps(f)
        async def inner(*args, **kwargs):
            return await f(*args, **kwargs)

        return inner

    n = node(deco(coro), "y")
    assert n.is_async
    assert n.inputs == ("x",)


# -- decorator forms -----------------------------------------------------------------------


def test_decorator_forms():
    @node
    def bare(a):
        return a

    assert isinstance(bare, FunctionNode)
    assert bare.name == "bare"
    assert bare.outputs == ()

    @node(output_name="y")
    def paren(a):
        return a

    assert paren.outputs == ("y",)
    assert node(plain, "z").outputs == ("z",)
    assert function_node is node


def test_node_with_positional_string_is_rejected_with_advice():
    with pytest.raises(TypeError, match="output_name="):
        node("y")  # type: ignore[call-overload]


def test_function_node_constructor_and_reuse_of_func():
    n = FunctionNode(plain, name="renamed", output_name="y")
    assert n.name == "renamed"
    again = FunctionNode(n, output_name="w")
    assert again.func is plain
    assert again.name == "plain"
    assert again.outputs == ("w",)
    assert NodesFunctionNode is FunctionNode
    assert BaseHyperNode is HyperNode


def test_source_must_be_callable():
    with pytest.raises(TypeError, match="node source must be a function, got 3"):
        FunctionNode(3)  # type: ignore[arg-type]


# -- outputs -----------------------------------------------------------------------------


def test_output_shapes():
    one = node(plain, "y")
    several = node(plain, ("a", "b"))
    with pytest.warns(UserWarning, match="output_name"):
        none = node(plain)
    assert (one.outputs, several.outputs, none.outputs) == (("y",), ("a", "b"), ())
    assert several.data_outputs == ("a", "b")


def test_bad_output_name_type():
    with pytest.raises(TypeError, match="output_name must be a str, a tuple of str or None, got 3"):
        node(plain, 3)  # type: ignore[call-overload]


def test_output_name_none_with_return_annotation_warns():
    with pytest.warns(UserWarning, match="output_name"):
        node(plain)


@pytest.mark.parametrize("annotation", ["-> None", "", "-> 'Undefined_Thing'"])
def test_no_warning_without_a_real_return_annotation(annotation):
    ns: dict[str, object] = {}
    exec(f"def f(x){annotation}:\n    return x", ns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n = node(ns["f"])  # type: ignore[call-overload]
    assert n.outputs == ()


def test_generator_with_several_outputs_is_rejected():
    with pytest.raises(ValueError, match="one output_name"):
        node(gen, ("a", "b"))


# -- inputs and defaults ------------------------------------------------------------------


def test_inputs_in_signature_order_and_defaults():
    def f(b, a=1, *, c=[1]):  # noqa: B006 - the mutable default is the point
        return a

    n = node(f, "y")
    assert n.inputs == ("b", "a", "c")
    assert n.defaults == {"a": 1, "c": [1]}
    assert n.has_default_for("a")
    assert not n.has_default_for("b")
    assert not n.has_default_for("nope")
    assert n.get_default_for("a") == 1
    with pytest.raises(KeyError, match="has no default for 'b'"):
        n.get_default_for("b")


@pytest.mark.parametrize(
    "source",
    [
        "def f(a, /, b): pass",
        "def f(*args): pass",
        "def f(**kwargs): pass",
    ],
)
def test_unsupported_parameter_kinds(source):
    ns: dict[str, object] = {}
    exec(source, ns)
    with pytest.raises(TypeError, match="keyword"):
        node(ns["f"], "y")  # type: ignore[call-overload]


def test_rename_inputs_at_creation():
    n = node(plain, "y", rename_inputs={"x": "value"})
    assert n.inputs == ("value",)
    with pytest.raises(RenameError, match="'nope'"):
        node(plain, "y", rename_inputs={"nope": "value"})


def test_defaults_follow_input_renames():
    def f(a=5):
        return a

    n = node(f, "y").rename_inputs(a="b")
    assert n.defaults == {"b": 5}
    assert n.has_default_for("b")
    assert not n.has_default_for("a")


# -- renames ------------------------------------------------------------------------------


def test_renames_are_immutable():
    n = node(plain, "y")
    renamed = n.with_name("other").rename_inputs(x="a").rename_outputs(y="b")
    assert (n.name, n.inputs, n.outputs) == ("plain", ("x",), ("y",))
    assert (renamed.name, renamed.inputs, renamed.outputs) == ("other", ("a",), ("b",))
    assert renamed.func is plain


def test_rename_aliases_and_empty_mapping():
    n = node(plain, "y")
    assert n.with_inputs(x="q").inputs == ("q",)
    assert n.with_outputs(y="q").outputs == ("q",)
    copy_ = n.rename_inputs()
    assert copy_ is not n
    assert copy_.inputs == n.inputs


def test_simultaneous_pairs_swap_not_chain():
    def f(x, y):
        return x

    n = node(f, "out").rename_inputs({"x": "y", "y": "z"})
    assert n.inputs == ("y", "z")
    swapped = node(f, "out").rename_inputs(x="y", y="x")
    assert swapped.inputs == ("y", "x")


def test_successive_renames_chain_and_error_shows_the_chain():
    n = node(plain, "y").rename_inputs(x="a").rename_inputs(a="z")
    assert n.inputs == ("z",)
    with pytest.raises(RenameError) as info:
        n.rename_inputs(x="w")
    message = str(info.value)
    assert "x → a → z" in message
    assert "'z'" in message


def test_rename_to_duplicate_is_an_error():
    def f(a, b):
        return a

    with pytest.raises(RenameError, match="'b'"):
        node(f, "y").rename_inputs(a="b")
    with pytest.raises(RenameError):
        node(f, ("p", "q")).rename_outputs(p="q")


def test_rename_given_twice_is_an_error():
    with pytest.raises(RenameError, match="twice"):
        node(plain, "y").rename_inputs({"x": "a"}, x="b")


def test_rename_error_importable_from_every_location():
    assert RenameError is NodesRenameError is DefiningRenameError


def test_renamed_node_is_called_with_real_parameter_names():
    n = node(plain, "y").rename_inputs(x="value")
    assert n.param_name("value") == "x"
    assert n(x=1) == 2


# -- properties ----------------------------------------------------------------------------


def test_annotations_and_types():
    def f(a: int, b) -> tuple[int, str]:
        return a, str(b)

    n = node(f, ("n", "s")).rename_inputs(a="alpha")
    assert n.parameter_annotations == {"alpha": int}
    assert n.get_input_type("alpha") is int
    assert n.get_input_type("b") is None
    assert n.output_annotation == {"n": int, "s": str}
    assert n.get_output_type("s") is str
    assert n.get_output_type("zzz") is None
    assert n.node_type == "FUNCTION"
    assert n.is_gate is False


def test_definition_hash_changes_with_code():
    ns1: dict[str, object] = {}
    ns2: dict[str, object] = {}
    exec("def f(x):\n    return x", ns1)
    exec("def f(x):\n    return x + 1", ns2)
    h1 = node(ns1["f"], "y").definition_hash  # type: ignore[call-overload]
    h2 = node(ns2["f"], "y").definition_hash  # type: ignore[call-overload]
    assert h1 != h2
    assert len(node(plain, "y").definition_hash) == 64
    assert node(plain, "y").definition_hash == node(plain, "y").definition_hash
    # the output name is part of what a node computes (issue 12): renames change the hash
    assert node(plain, "y").definition_hash != node(plain, "z").definition_hash


def test_cache_hide_metadata():
    n = node(plain, "y", hide=True)
    assert n.cache is False
    assert node(plain, "y", cache=True).cache is True
    assert n.hide is True


# -- emit / wait_for construction -----------------------------------------------------------


def test_emit_and_wait_for_ports():
    n = node(plain, "y", emit="done", wait_for=("go",))
    assert n.outputs == ("y", "done")
    assert n.data_outputs == ("y",)
    assert n.wait_for == ("go",)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"emit": "y"},  # emit overlaps a data output
        {"wait_for": "x"},  # wait_for overlaps an input
        {"emit": "s", "wait_for": "s"},  # both
    ],
)
def test_signal_overlaps_are_value_errors(kwargs):
    with pytest.raises(ValueError, match="plain"):
        node(plain, "y", **kwargs)


def test_repr_mentions_mode_and_ports():
    text = repr(node(agen, "y"))
    assert "agen" in text
    assert "async_generator" in text


# -- static typing ---------------------------------------------------------------------------


def test_function_node_keeps_the_signature_for_mypy(tmp_path):
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from hypergraph import node\n"
        "\n"
        '@node(output_name="y")\n'
        "def double(x: int) -> int:\n"
        "    return x * 2\n"
        "\n"
        "reveal_type(double)\n"  # line 7
        "reveal_type(double.func)\n"  # line 8
        "ok: int = double(x=1)\n"  # line 9
        'double(x="a")\n'  # line 10
        "bad: str = double(x=1)\n"  # line 11
        "plain = node(double.func)\n"
        "reveal_type(plain)\n"  # line 13
    )
    stdout, _, _ = api.run(
        ["--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    lines = {
        int(line.split(":")[1]): line
        for line in stdout.splitlines()
        if line.startswith(str(snippet))
    }
    assert "FunctionNode[[x: int], int]" in lines[7]
    assert "def (x: int) -> int" in lines[8]
    assert 9 not in lines
    assert "incompatible type" in lines[10]
    assert "incompatible types in assignment" in lines[11].lower()
    assert "FunctionNode[[x: int], int]" in lines[13]
