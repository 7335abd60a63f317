"""A small ASGI service around the compiled agent graph (``examples/compiled/agent.py``).

Run it from the repository root::

    pip install 'hypergraph[service]'      # starlette, uvicorn, httpx, pydantic
    uvicorn examples.service:app --port 8000

``POST /ask`` takes a JSON object matching the compiled module's ``Inputs`` and returns its
``Outputs``; ``GET /schema`` shows both as JSON Schema; ``GET /health`` answers ``ok``. The
service imports the compiled module, not hypergraph: the graph's code is plain Python.

Request bodies are validated by pydantic against the generated ``Inputs`` TypedDict: a body
that is not JSON gets 400, a JSON body with a missing, mistyped or unknown field gets 422 with
one entry per problem, each naming its field in ``loc`` (as FastAPI reports them).
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from examples.compiled import agent

INPUTS = TypeAdapter(agent.Inputs)
OUTPUTS = TypeAdapter(agent.Outputs)
FIELDS = agent.Inputs.__required_keys__ | agent.Inputs.__optional_keys__


async def ask(request: Request) -> JSONResponse:
    """Run the agent on the request's inputs; its outputs as JSON."""
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return JSONResponse({"detail": f"the body is not JSON: {exc}"}, status_code=400)
    # TypedDict validation ignores unknown keys; a misspelt field should not pass silently
    unknown = sorted(set(body) - FIELDS) if isinstance(body, dict) else []
    problems: list[dict[str, object]] = [
        {"type": "extra_forbidden", "loc": [key], "msg": "unknown field"} for key in unknown
    ]
    try:
        inputs = INPUTS.validate_python(body)
    except ValidationError as exc:
        problems += json.loads(exc.json(include_url=False, include_input=False))
    if problems:
        return JSONResponse({"detail": problems}, status_code=422)
    outputs = await agent.run(**inputs)
    return JSONResponse(OUTPUTS.dump_python(outputs, mode="json"))


async def schema(request: Request) -> JSONResponse:
    """The JSON Schema of the request body (Inputs) and of the response (Outputs)."""
    return JSONResponse({"inputs": INPUTS.json_schema(), "outputs": OUTPUTS.json_schema()})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/ask", ask, methods=["POST"]),
        Route("/schema", schema, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ]
)
