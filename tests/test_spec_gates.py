"""Gates declared in specs on plain functions (kind = "route" / "ifelse"): spec errors, the
runtime's GateNode, both back ends agreeing, and compiled modules running without hypergraph."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_support import load_source
from hypothesis import given, settings
from hypothesis import strategies as st

import codegen.backends.dynamic.run
from codegen import SpecError, compile_loaded, load_spec, resolve
from codegen.spec.load import parse_spec
from hypergraph import (
    END,
    AsyncRunner,
    FunctionNode,
    Graph,
    IfElseNode,
    RouteNode,
    SyncRunner,
    route,
)

ROOT = Path(__file__).resolve().parent.parent
NODES = "spec_gate_nodes"

TRIAGE = f"""
[graph]
name = "triage_flow"
runner = "sync"

[[nodes]]
ref = "{NODES}:score"
output = "priority"

[[nodes]]
ref = "{NODES}:triage"
kind = "route"
targets = ["urgent", "END"]
fallback = "normal"

[[nodes]]
ref = "{NODES}:urgent"
output = "handled"

[[nodes]]
ref = "{NODES}:normal"
output = "handled"

[[nodes]]
ref = "{NODES}:notify"
kind = "route"
targets = {{ email = "always", sms = "when it is bad", END = "stop notifying" }}
multi_target = true

[[nodes]]
ref = "{NODES}:email"
output = "emailed"

[[nodes]]
ref = "{NODES}:sms"
output = "texted"
"""

LOOP = f"""
[graph]
name = "counting"
runner = "sync"
entrypoint = "step"

[[nodes]]
ref = "{NODES}:step"
output = "count"

[[nodes]]
ref = "{NODES}:more"
kind = "ifelse"
when_true = "step"
when_false = "END"
"""

ROUTE_LOOP = LOOP.replace(
    f'ref = "{NODES}:more"\nkind = "ifelse"\nwhen_true = "step"\nwhen_false = "END"',
    f'ref = "{NODES}:keep_going"\nkind = "route"\ntargets = ["step", "END"]',
)


def _write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _graph(text: str) -> Graph:
    return resolve(parse_spec(text, "gates.toml"))


# -- the runtime builds the same GateNode -----------------------------------------------


def test_route_spec_builds_a_route_node_over_the_plain_function() -> None:
    graph = _graph(TRIAGE)
    gate = graph.nodes["triage"]
    assert isinstance(gate, RouteNode)
    assert gate.targets == ["urgent", END, "normal"]  # the fallback is appended, as @route does
    assert gate.targets[1] is END
    assert gate.fallback == "normal"
    assert gate.end_string is True
    assert gate.data_outputs == ("_triage",)
    notify = graph.nodes["notify"]
    assert isinstance(notify, RouteNode)
    assert notify.multi_target is True
    assert notify.descriptions == {
        "email": "always",
        "sms": "when it is bad",
        END: "stop notifying",
    }
    loop = _graph(LOOP).nodes["more"]
    assert isinstance(loop, IfElseNode)
    assert (loop.when_true, loop.when_false) == ("step", END)


def test_gate_options_reach_the_gate_node() -> None:
    """default_open, emit, name and rename_inputs all take effect on a spec gate."""
    options = 'default_open = false\nemit = "triaged"\nname = "sort"'
    text = TRIAGE.replace('targets = ["urgent", "END"]', f'targets = ["urgent", "END"]\n{options}')
    gate = _graph(text).nodes["sort"]
    assert isinstance(gate, RouteNode)
    assert gate.default_open is False
    assert gate.emit == ("triaged",)
    assert gate.data_outputs == ("_sort",)
    assert SyncRunner().run(_graph(text), ticket="!!!").values["_sort"] == "urgent"
    assert _graph(TRIAGE).nodes["triage"].default_open is True
    renamed = TRIAGE.replace(
        'targets = ["urgent", "END"]',
        'targets = ["urgent", "END"]\nrename_inputs = { priority = "level" }',
    )
    assert _graph(renamed).nodes["triage"].inputs == ("level",)  # level: now a graph input


def test_a_spec_gate_matches_the_decorated_gate() -> None:
    """The plain-function spec of specs/agent_loop.toml's gate gives the same run."""
    from specs import agent_loop_nodes

    text = (ROOT / "specs" / "agent_loop.toml").read_text(encoding="utf-8")
    decorated = resolve(parse_spec(text, "agent_loop.toml"))
    plain = text.replace(
        'ref = "specs.agent_loop_nodes:should_continue"',
        f'ref = "{NODES}_agent:should_continue"\nkind = "route"\ntargets = ["retrieve", "END"]',
    )
    declared = resolve(parse_spec(plain, "agent_plain.toml"))
    gate, original = declared.nodes["should_continue"], decorated.nodes["should_continue"]
    assert isinstance(gate, RouteNode)
    assert isinstance(original, RouteNode)
    assert gate.targets == original.targets
    assert (gate.fallback, gate.multi_target) == (original.fallback, original.multi_target)
    assert agent_loop_nodes.should_continue.end_string is False
    for rounds in (1, 2, 5):
        inputs = {"query": "q", "history": [], "max_rounds": rounds}
        one = SyncRunner().run(decorated, inputs).values
        two = SyncRunner().run(declared, inputs).values
        assert one["history"] == two["history"]
        assert len(two["history"]) == rounds
        assert two["_should_continue"] == "END"  # the raw decision, as the function returned


def test_the_string_end_is_still_refused_from_a_decorated_route() -> None:
    @route(targets=["a", END])
    def decide(x: int) -> str:
        return "END"

    graph = Graph([decide, FunctionNode(lambda x: x, name="a", output_name="y")])
    with (
        pytest.warns(UserWarning, match="return the END object"),
        pytest.raises(ValueError, match="instead of END"),
    ):
        SyncRunner().run(graph, x=1)


@pytest.mark.parametrize("runner", ["sync", "async"])
def test_plain_route_returning_the_string_end_ends_the_run(runner: str) -> None:
    graph = _graph(TRIAGE)
    if runner == "sync":
        values = SyncRunner().run(graph, ticket="why??").values
    else:
        values = asyncio.run(AsyncRunner().run(graph, ticket="why??")).values
    assert values["_triage"] == "END"
    assert "handled" not in values  # END: neither the target nor the fallback ran
    assert values["_notify"] == ["email", "END"]
    assert values["emailed"] == "emailed about 'why??'"
    assert "texted" not in values


# -- both back ends agree ------------------------------------------------------------------


@pytest.fixture(params=["states", "steps"])
def shape(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Compile through the state machine and through the step loop."""
    monkeypatch.setattr(codegen.backends.dynamic.run, "SPECIALISE", request.param == "states")
    return str(request.param)


def _outcome(call: Any) -> tuple[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("ok", dict(call()))
        except Exception as exc:
            return ("error", (type(exc), str(exc)))


def _compiled(text: str, directory: Path, runner: str = "sync") -> Any:
    text = text.replace('runner = "sync"', f'runner = "{runner}"')
    loaded = parse_spec(text, "gates.toml")
    return load_source(compile_loaded(loaded).source, directory, "spec_gates")


@pytest.mark.parametrize("spec", [TRIAGE, LOOP, ROUTE_LOOP], ids=["triage", "ifelse", "route"])
def test_compiled_spec_gates_agree_with_the_runtime(spec: str, shape: str, tmp_path: Path) -> None:
    graph = _graph(spec)
    module = _compiled(spec, tmp_path)
    is_loop = spec is not TRIAGE

    @settings(max_examples=40, deadline=None)
    @given(
        ticket=st.text(alphabet="ab!?", max_size=5),
        count=st.integers(-3, 16),
        stride=st.integers(1, 4),
        limit=st.integers(-2, 20),
    )
    def check(ticket: str, count: int, stride: int, limit: int) -> None:
        inputs: dict[str, Any] = (
            {"count": count, "stride": stride, "limit": limit} if is_loop else {"ticket": ticket}
        )
        expected = _outcome(lambda: SyncRunner().run(graph, inputs).values)
        assert _outcome(lambda: module.run(**inputs)) == expected

    check()


def test_async_compiled_spec_gates_agree_with_the_runtime(shape: str, tmp_path: Path) -> None:
    spec = ROUTE_LOOP + f'\n[[nodes]]\nref = "{NODES}:fetch"\noutput = "fetched"\n'
    graph = _graph(spec)
    module = _compiled(spec, tmp_path, runner="async")
    for count, limit in [(0, 5), (4, 2), (13, 20), (1, 1)]:
        inputs = {"count": count, "stride": 3, "limit": limit}

        async def runtime(inputs: dict[str, Any] = inputs) -> Any:
            return (await AsyncRunner().run(graph, inputs)).values

        async def compiled(inputs: dict[str, Any] = inputs) -> Any:
            return await module.run(**inputs)

        expected = _outcome(lambda: asyncio.run(runtime()))
        assert _outcome(lambda: asyncio.run(compiled())) == expected


# -- library-free: compiled modules run with hypergraph not importable --------------------

BLOCK_HYPERGRAPH = """
import sys

class _NoHypergraph:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("hypergraph", "codegen"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoHypergraph())
try:
    import hypergraph
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("hypergraph is still importable")
"""

AGENT_QUESTIONS = [
    ("What is a gate, and a loop?", 4),
    ("what is 6 * 7? and what is a graph", 4),
    ("graph node gate loop compiler", 3),
    ("please use dance", 4),  # a tool the agent does not have: the route returns "END"
    ("hello", 4),
    ("tell me about the compiler", 0),  # no budget: the ifelse gate goes to END at once
]


def _run_without_hypergraph(script: str, *paths: Path) -> Any:
    env_path = ":".join(str(p) for p in (ROOT, *paths))
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_HYPERGRAPH + script],
        cwd=ROOT,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_example_agent_runs_without_hypergraph_and_agrees_with_the_runtime() -> None:
    """examples/agent.toml: plain functions, spec-declared route and ifelse, async back end."""
    script = f"""
import asyncio, json
from examples.compiled import agent
results = [
    asyncio.run(agent.run(question=q, history=[], max_steps=m)) for q, m in {AGENT_QUESTIONS!r}
]
assert not [name for name in sys.modules if name.partition(".")[0] == "hypergraph"]
print(json.dumps(results))
"""
    compiled = _run_without_hypergraph(script)
    graph = resolve(load_spec(ROOT / "examples" / "agent.toml"))
    expected = [
        dict(asyncio.run(AsyncRunner().run(graph, question=q, history=[], max_steps=m)).values)
        for q, m in AGENT_QUESTIONS
    ]
    assert compiled == expected
    assert "answer" in expected[0]
    assert len(expected[0]["history"]) == 2
    assert "answer" not in expected[3]  # ended by the route's "END"
    assert expected[5] == {"history": []}


def test_sync_spec_gates_run_without_hypergraph(tmp_path: Path) -> None:
    for name, text in (("triage", TRIAGE), ("counting", ROUTE_LOOP)):
        source = compile_loaded(parse_spec(text, f"{name}.toml")).source
        (tmp_path / f"{name}_compiled.py").write_text(source, encoding="utf-8")
    cases = {"triage": ["!!!", "?", "", "a!"], "counting": [0, 6, 5]}
    script = f"""
import json
import counting_compiled, triage_compiled
out = {{"triage": [], "counting": []}}
for ticket in {cases["triage"]!r}:
    out["triage"].append(triage_compiled.run(ticket=ticket))
for count in {cases["counting"]!r}:
    try:
        out["counting"].append(counting_compiled.run(count=count, stride=4, limit=10))
    except ValueError as exc:
        out["counting"].append({{"error": str(exc)}})
print(json.dumps(out))
"""
    compiled = _run_without_hypergraph(script, tmp_path, Path(__file__).parent)
    triage, counting = _graph(TRIAGE), _graph(ROUTE_LOOP)
    assert compiled["triage"] == [
        dict(SyncRunner().run(triage, ticket=t).values) for t in cases["triage"]
    ]
    for count, got in zip(cases["counting"], compiled["counting"]):
        inputs = {"count": count, "stride": 4, "limit": 10}
        outcome = _outcome(lambda i=inputs: SyncRunner().run(counting, i).values)
        if outcome[0] == "ok":
            assert got == outcome[1]
        else:  # 5 -> 9 -> 13: the route returns a target it does not have
            kind, message = outcome[1]
            assert kind is ValueError
            assert "not one of its targets" in message
            # the same words; without hypergraph END shows as its stand-in's private value
            assert got["error"].split(" [")[0] == message.split(" [")[0]
    assert "error" in compiled["counting"][2]


# -- spec errors name the file, the line and the field ----------------------------------

HEAD = '[graph]\nname = "g"\n\n'


def _entry(body: str, ref: str = f"{NODES}:triage") -> str:
    return f'[[nodes]]\nref = "{ref}"\n{body}'


NODES_OF_TRIAGE = (
    _entry('output = "priority"\n', f"{NODES}:score")
    + _entry('output = "handled"\n', f"{NODES}:urgent")
    + _entry('output = "handled_n"\n', f"{NODES}:normal")
)


@pytest.mark.parametrize(
    ("body", "path", "line", "message"),
    [
        ('kind = "route"\n', "nodes[0].kind", 6, 'needs targets = ["node", ..., "END"]'),
        ('kind = "router"\n', "nodes[0].kind", 6, "'node', 'route' or 'ifelse'"),
        (
            'targets = ["a"]\n',
            "nodes[0].targets",
            6,
            'applies to gates declared with kind = "route"',
        ),
        ('kind = "route"\ntargets = []\n', "nodes[0].targets", 7, "at least one target"),
        (
            'kind = "route"\ntargets = "urgent"\n',
            "nodes[0].targets",
            7,
            "targets is a list of node names",
        ),
        (
            'kind = "route"\ntargets = ["a"]\nmulti_target = true\nfallback = "b"\n',
            "nodes[0].fallback",
            9,
            "fallback cannot be combined with multi_target",
        ),
        (
            'kind = "route"\ntargets = ["a"]\nwhen_true = "b"\n',
            "nodes[0].when_true",
            8,
            'applies to gates declared with kind = "ifelse" only',
        ),
        ('kind = "ifelse"\nwhen_true = "a"\n', "nodes[0].kind", 6, "needs 'when_true' and"),
        (
            'kind = "ifelse"\nwhen_true = "a"\nwhen_false = "a"\n',
            "nodes[0].when_false",
            8,
            "both 'a'",
        ),
        (
            'kind = "ifelse"\nwhen_true = "a"\nwhen_false = "b"\noutput = "x"\n',
            "nodes[0].output",
            9,
            "only output is its decision",
        ),
        ("multi_target = true\n", "nodes[0].multi_target", 6, 'kind = "route"'),
        ("default_open = false\n", "nodes[0].default_open", 6, 'kind = "route" or kind = "ifelse"'),
    ],
)
def test_gate_key_mistakes_name_the_field(body: str, path: str, line: int, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + _entry(body), "gates.toml")
    error = caught.value
    assert (error.path, error.line) == (path, line)
    assert message in error.message
    assert str(error).startswith(f"gates.toml:{line}: error: {path}: ")


def test_kind_on_a_nested_entry_is_refused() -> None:
    text = HEAD + '[[nodes]]\nspec = "other.toml"\nkind = "route"\ntargets = ["a"]\n'
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "gates.toml")
    assert caught.value.path == "nodes[0].kind"
    assert "needs 'ref'" in caught.value.message


@pytest.mark.parametrize(
    ("gate", "path", "message"),
    [
        ('targets = ["urgent", "nowhere"]\n', "nodes[3].targets", "target 'nowhere' is not a node"),
        ('targets = ["urgent", "end"]\n', "nodes[3].targets", 'write "END" (in capitals)'),
        ('targets = ["urgent"]\nfallback = "later"\n', "nodes[3].fallback", "'later' is not"),
        ('targets = ["urgent", "triage"]\n', "nodes[3].targets", "gate 'triage' targets itself"),
    ],
)
def test_unknown_targets_name_the_field(gate: str, path: str, message: str) -> None:
    text = HEAD + NODES_OF_TRIAGE + _entry('kind = "route"\n' + gate)
    with pytest.raises(SpecError) as caught:
        _graph(text)
    assert caught.value.path == path
    assert message in caught.value.message
    assert caught.value.line == (17 if "fallback" in path else 16)
    if "is not" in message and "END" not in message:  # the hint lists the other nodes
        assert caught.value.message.endswith("is not a node; the nodes are: normal, score, urgent")


def test_ifelse_unknown_target_names_the_field() -> None:
    text = (
        HEAD
        + NODES_OF_TRIAGE
        + _entry(
            'kind = "ifelse"\nwhen_true = "urgent"\nwhen_false = "elsewhere"\n', f"{NODES}:more"
        )
    )
    with pytest.raises(SpecError) as caught:
        _graph(text)
    assert caught.value.path == "nodes[3].when_false"


def test_kind_on_a_decorated_gate_or_node_is_refused() -> None:
    text = HEAD + _entry(
        'kind = "route"\ntargets = ["retrieve", "END"]\n', "specs.agent_loop_nodes:should_continue"
    )
    with pytest.raises(SpecError) as caught:
        _graph(text)
    assert caught.value.path == "nodes[0].kind"
    assert "already a RouteNode" in caught.value.message
    assert "undecorated function" in caught.value.message


def test_an_async_routing_function_is_refused_with_the_entry() -> None:
    text = HEAD + _entry('kind = "route"\ntargets = ["END"]\n', f"{NODES}:fetch")
    with pytest.raises(SpecError) as caught:
        _graph(text)
    assert caught.value.path == "nodes[0]"
    assert "must be a plain def function" in caught.value.message


def test_cli_check_reports_a_bad_gate_without_a_traceback(tmp_path: Path) -> None:
    text = HEAD + NODES_OF_TRIAGE + _entry('kind = "route"\ntargets = ["urgent", "nowhere"]\n')
    path = _write(tmp_path, text, "bad_gate.toml")
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "check", path.name],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1  # a problem found in the spec (docs/ci.md)
    assert "Traceback" not in done.stderr + done.stdout
    assert "bad_gate.toml:16:1: error: nodes[3].targets: target 'nowhere' is not a node" in (
        done.stderr + done.stdout
    )
