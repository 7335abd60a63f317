"""Issue 15, policies in specs: `cache`, `retry` (a count or a table) and `timeout` on a node
entry, `cache` on a declared gate; each mistake is a SpecError at its key."""

from __future__ import annotations

import warnings

import pytest

from codegen import SpecError
from codegen.spec.load import parse_spec
from codegen.spec.resolve import resolve
from hypergraph import FunctionNode, GateNode, Graph, RetryPolicy

HEAD = '[graph]\nname = "g"\nrunner = "async"\n'


def _graph(text: str) -> Graph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return resolve(parse_spec(HEAD + text, "t.toml"))


def test_a_node_entry_takes_cache_retry_and_timeout() -> None:
    graph = _graph(
        '[[nodes]]\nref = "policy_fixtures:step_a"\noutput = "a"\n'
        "cache = true\nretry = 2\ntimeout = 3\n"
        '[[nodes]]\nref = "policy_fixtures:step_b"\noutput = "b"\n'
        'retry = { attempts = 4, on = ["ConnectionError", "policy_fixtures:Unimportable"], '
        "delay = 0.5, backoff = 3, max_delay = 4, jitter = 0 }\n"
    )
    step_a, step_b = graph.nodes["step_a"], graph.nodes["step_b"]
    assert isinstance(step_a, FunctionNode)
    assert (step_a.cache, step_a.retry, step_a.timeout) == (True, RetryPolicy(attempts=3), 3.0)
    import policy_fixtures

    assert step_b.retry == RetryPolicy(
        attempts=4,
        on=(ConnectionError, policy_fixtures.Unimportable),
        delay=0.5,
        backoff=3.0,
        max_delay=4.0,
        jitter=0.0,
    )
    assert (step_b.cache, step_b.timeout) == (False, None)


def test_a_declared_gate_takes_cache() -> None:
    graph = _graph(
        '[[nodes]]\nref = "policy_fixtures:is_big"\nkind = "ifelse"\n'
        'when_true = "big"\nwhen_false = "small"\ncache = true\n'
        '[[nodes]]\nref = "policy_fixtures:big"\noutput = "label"\n'
        '[[nodes]]\nref = "policy_fixtures:small"\noutput = "label"\n'
    )
    gate = graph.nodes["is_big"]
    assert isinstance(gate, GateNode)
    assert gate.cache is True


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (
            'retry = { on = ["Nope"] }',
            "nodes[0].retry.on[0]",
            "'Nope' is not an exception class",
        ),
        (
            'retry = { on = ["policy_fixtures:reset"] }',
            "nodes[0].retry.on[0]",
            "not an exception class",
        ),
        ('retry = { on = ["no_such_module:Error"] }', "nodes[0].retry.on[0]", "not importable"),
        ("retry = { attempts = 0 }", "nodes[0].retry", "attempts must be an int >= 1"),
        ("retry = { jitter = 2.0 }", "nodes[0].retry", "jitter must be between 0 and 1"),
        ("retry = { tries = 2 }", "nodes[0].retry", "tries"),
        ("retry = -1", "nodes[0].retry", "retry must be >= 0"),
        ('retry = "3"', "nodes[0].retry", "retry"),
        ("timeout = 0", "nodes[0].timeout", "timeout must be a number of seconds > 0"),
        ("timeout = -2.5", "nodes[0].timeout", "timeout must be a number of seconds > 0"),
        ('cache = "yes"', "nodes[0].cache", "valid boolean"),
    ],
)
def test_policy_mistakes_name_their_key(body: str, path: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        _graph(f'[[nodes]]\nref = "policy_fixtures:step_a"\noutput = "a"\n{body}\n')
    assert caught.value.path == path
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("entry", "path", "message"),
    [
        (
            'ref = "policy_fixtures:is_big"\nkind = "route"\ntargets = ["END"]\nretry = 1',
            "nodes[0].retry",
            "a gate decides inline and takes 'cache' only",
        ),
        (
            'ref = "policy_fixtures:is_big"\nkind = "route"\ntargets = ["END"]\ntimeout = 1',
            "nodes[0].timeout",
            "takes 'cache' only",
        ),
        ('subgraph = "codegen_specs_nodes:INNER"\ncache = true', "nodes[0].cache", "single"),
        ('graph = "codegen_specs_nodes:INNER"\nretry = 1', "nodes[0].retry", "single nodes"),
        (
            'ref = "codegen_specs_nodes:first"\ncache = true',
            "nodes[0].cache",
            "is a @node; give it cache= in its @node(...) decorator",
        ),
    ],
)
def test_policies_only_go_where_they_apply(entry: str, path: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        _graph(f"[[nodes]]\n{entry}\n")
    assert caught.value.path == path
    assert message in caught.value.message
