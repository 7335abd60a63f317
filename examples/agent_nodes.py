"""Nodes of the example agent: plain functions that import nothing from hypergraph.

A small tool-using agent. `think` (where a real agent asks its language model) picks the next
tool from the question and what has been observed so far; the `choose_tool` gate sends it to
`act` (which runs the tool and appends what it observed to the history), or to `respond` when
the agent is done, or ends the run for a tool the agent does not have; the `within_budget`
gate decides whether the agent may think again. The gates are declared in `agent.toml`
(``kind = "route"`` and ``kind = "ifelse"``), so this module needs no hypergraph import and
the compiled module (`examples/compiled/agent.py`) runs without hypergraph installed.
"""

from __future__ import annotations

import asyncio
import re

CORPUS: dict[str, str] = {
    "graph": "A graph wires nodes together by the names of their inputs and outputs.",
    "node": "A node is a plain function; its parameters are inputs, its result an output.",
    "gate": "A gate is a node whose function decides which nodes run next.",
    "loop": "A loop goes round until its gate routes to END.",
    "compiler": "The compiler turns a spec into a plain Python module with a typed run().",
}
"""Passages by keyword: the stand-in for a search index."""

TOOLS = ("search", "calculate")
_SUM = re.compile(r"(-?\d+)\s*([-+*])\s*(-?\d+)")
_TOOL_WORD = re.compile(r"\buse (\w+)\b")


async def think(question: str, history: list[str]) -> tuple[str, str]:
    """The next step as (tool, tool input): calculate a sum in the question, search each
    keyword once, then finish. "use <tool>" in the question forces that tool."""
    await asyncio.sleep(0)  # where a real agent awaits its language model
    text = question.lower()
    forced = _TOOL_WORD.search(text)
    if forced and not history:
        return forced.group(1), text
    found = _SUM.search(text)
    if found and not any(line.startswith("calculate") for line in history):
        return "calculate", found.group(0)
    for keyword in CORPUS:
        if keyword in text and not any(line.startswith(f"search {keyword}:") for line in history):
            return "search", keyword
    return "finish", question


def choose_tool(tool: str, tool_input: str) -> str:
    """Gate (route): "act" to run a tool, "respond" when done, or the string "END" for a tool
    the agent does not have (the spec declares this gate, so "END" means END). It reads
    `tool_input` too: a node runs again when an input changes, and a second search changes
    the input, not the tool."""
    del tool_input
    if tool in TOOLS:
        return "act"
    return "respond" if tool == "finish" else "END"


async def act(tool: str, tool_input: str, history: list[str]) -> list[str]:
    """Run the tool; the history with its observation appended."""
    if tool == "search":
        await asyncio.sleep(0)  # where a real agent awaits its search service
        observed = CORPUS.get(tool_input, "nothing found")
    else:
        observed = calculate(tool_input)
    return [*history, f"{tool} {tool_input}: {observed}"]


def calculate(expression: str) -> str:
    """Work out `a op b` (integers; +, - or *)."""
    match = _SUM.fullmatch(expression.strip())
    if match is None:
        return "not a sum I can do"
    left, op, right = int(match.group(1)), match.group(2), int(match.group(3))
    return str(left + right if op == "+" else left - right if op == "-" else left * right)


def within_budget(history: list[str], max_steps: int = 4) -> bool:
    """Gate (ifelse): think again while fewer than `max_steps` observations were made."""
    return len(history) < max_steps


def respond(question: str, history: list[str]) -> str:
    """The final answer: what each tool observed, or an admission that nothing was needed."""
    if not history:
        return f"I have nothing to add about {question!r}."
    return " ".join(line.split(": ", 1)[1] for line in history)
