"""The example service (examples/service.py): a real uvicorn server on 127.0.0.1, real HTTP
requests with httpx, the compiled agent graph running without hypergraph importable."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from codegen import load_spec, resolve
from examples.compiled import agent
from hypergraph import AsyncRunner

ROOT = Path(__file__).resolve().parent.parent

# The server process: imports of hypergraph (and codegen) fail there, so the service runs on
# the compiled module alone.
SERVE = """
import sys

class _NoHypergraph:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("hypergraph", "codegen"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoHypergraph())
import uvicorn

uvicorn.run("examples.service:app", fd=int(sys.argv[1]), log_level="info")
"""


def _expected(question: str, max_steps: int = 4) -> dict[str, Any]:
    graph = resolve(load_spec(ROOT / "examples" / "agent.toml"))
    inputs = {"question": question, "history": [], "max_steps": max_steps}
    return dict(asyncio.run(AsyncRunner().run(graph, inputs)).values)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn serving the example on a socket bound here to a free port (no race for it)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(listener.fileno())],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        pass_fds=[listener.fileno()],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    listener.close()  # the server holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute on a loaded machine
            if process.poll() is not None:
                break
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the service did not answer /health within a minute")
        assert process.poll() is None, process.communicate()[0]
        yield base
    finally:
        process.terminate()  # SIGTERM: uvicorn shuts down gracefully
        log, _ = process.communicate(timeout=60)
    # uvicorn shuts down, then re-raises the SIGTERM it handled (newer versions) or exits 0
    assert process.returncode in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log, log


def test_generated_typed_dicts_validate_with_pydantic() -> None:
    """On Python < 3.12 pydantic refuses typing.TypedDict: the module uses typing_extensions'."""
    inputs = TypeAdapter(agent.Inputs)
    assert inputs.validate_python({"question": "q", "history": []}) == {
        "question": "q",
        "history": [],
    }
    with pytest.raises(ValidationError) as caught:
        inputs.validate_python({"history": ["a"], "max_steps": "many"})
    assert {tuple(e["loc"]) for e in caught.value.errors()} == {("question",), ("max_steps",)}
    assert TypeAdapter(agent.Outputs).validate_python({"answer": "a"}) == {"answer": "a"}


def test_compiled_module_imports_with_the_standard_library_alone() -> None:
    """Without typing_extensions (and hypergraph) the module falls back to typing.TypedDict."""
    script = """
import sys

class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("hypergraph", "codegen", "typing_extensions"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
import asyncio
import typing
from examples.compiled import agent
assert typing.is_typeddict(agent.Inputs)
print(asyncio.run(agent.run(question="what is 2 + 3", history=[]))["answer"])
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "5"


@pytest.mark.slow
def test_service_answers_like_the_runtime(server: str) -> None:
    for question in ("What is a gate, and a loop?", "what is 6 * 7 and a graph?", "use dance"):
        response = httpx.post(f"{server}/ask", json={"question": question, "history": []})
        assert response.status_code == 200
        assert response.json() == _expected(question)
    response = httpx.post(
        f"{server}/ask", json={"question": "graph node gate", "history": [], "max_steps": 1}
    )
    assert response.json() == _expected("graph node gate", max_steps=1)
    assert "answer" not in response.json()  # the budget ran out: the ifelse gate chose END


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"history": []}, [["question"]]),
        ({"question": "q", "history": "not a list"}, [["history"]]),
        ({"question": "q", "history": [], "max_steps": "many"}, [["max_steps"]]),
        ({"question": 7, "history": [None]}, [["question"], ["history", 0]]),
        ({"question": "q", "history": [], "max_step": 2}, [["max_step"]]),
        ([1, 2], [[]]),
    ],
)
def test_bad_bodies_get_422_naming_the_field(server: str, body: Any, fields: list[Any]) -> None:
    response = httpx.post(f"{server}/ask", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [problem["loc"] for problem in detail] == fields
    assert all(problem["msg"] for problem in detail)


@pytest.mark.slow
def test_a_body_that_is_not_json_gets_400(server: str) -> None:
    response = httpx.post(
        f"{server}/ask", content=b"{question: 1", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]


@pytest.mark.slow
def test_concurrent_requests_each_get_their_own_answer(server: str) -> None:
    questions = [
        f"what is {n} * {n + 1} and a {word}?"
        for n, word in zip(range(24), ["graph", "node", "gate", "loop", "compiler", "cat"] * 4)
    ]

    async def ask_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(questions))
        async with httpx.AsyncClient(base_url=server, limits=limits, timeout=60) as client:
            return await asyncio.gather(
                *(client.post("/ask", json={"question": q, "history": []}) for q in questions)
            )

    responses = asyncio.run(ask_all())
    assert [r.status_code for r in responses] == [200] * len(questions)
    for question, response in zip(questions, responses):
        assert response.json() == _expected(question)
    assert responses[3].json()["history"][0] == "calculate 3 * 4: 12"


@pytest.mark.slow
def test_schema_describes_inputs_and_outputs(server: str) -> None:
    schema = httpx.get(f"{server}/schema").json()
    assert schema["inputs"]["required"] == ["question", "history"]
    assert set(schema["inputs"]["properties"]) == {"question", "history", "max_steps"}
    assert set(schema["outputs"]["properties"]) == {"answer", "history"}


@pytest.mark.slow
def test_example_passes_mypy_strict(tmp_path: Path) -> None:
    """The node functions, the compiled module and the service type-check together."""
    from mypy import api

    files = ["examples/agent_nodes.py", "examples/compiled/agent.py", "examples/service.py"]
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            *[str(ROOT / name) for name in files],
        ]
    )
    assert status == 0, stdout + stderr
