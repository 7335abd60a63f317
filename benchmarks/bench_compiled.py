"""Compiled modules against hand-written code, side by side in one run.

    python benchmarks/bench_compiled.py

1. a compiled 1000-node chain vs the same calls written by hand      (target: within 1.2x)
2. a compiled async fan-out vs a hand-written asyncio.gather          (target: within 1.5x)
3. compiling a 1000-node spec (load, import, plan, render)            (target: under 2 s)

The node functions must be importable, so the script writes a module of trivial functions into
a temporary directory and puts it on sys.path.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen import compile_graph, compile_spec  # noqa: E402
from hypergraph import FunctionNode, Graph  # noqa: E402

CHAIN = 1000
FANOUT = 50


def _write_nodes(directory: Path) -> ModuleType:
    lines = ["import asyncio", ""]
    for i in range(CHAIN):
        lines.append(f"def f{i}(v{i}: int) -> int:\n    return v{i} + 1\n")
    for i in range(FANOUT):
        lines.append(
            f"async def fetch{i}(x: int) -> int:\n    await asyncio.sleep(0)\n    return x + {i}\n"
        )
    args = ", ".join(f"r{i}: int" for i in range(FANOUT))
    body = " + ".join(f"r{i}" for i in range(FANOUT))
    lines.append(f"async def merge({args}) -> int:\n    return {body}\n")
    (directory / "bench_nodes.py").write_text("\n".join(lines))
    direct = ["from bench_nodes import *", "", "def chain(v0: int) -> dict[str, int]:"]
    direct += [f"    v{i + 1} = f{i}(v{i})" for i in range(CHAIN)]
    direct.append(f"    return {{'v{CHAIN}': v{CHAIN}}}")
    direct += ["", "def chain_keywords(v0: int) -> dict[str, int]:"]
    direct += [f"    v{i + 1} = f{i}(v{i}=v{i})" for i in range(CHAIN)]
    direct.append(f"    return {{'v{CHAIN}': v{CHAIN}}}")
    direct += ["", "async def fanout(x: int) -> int:"]
    direct.append(
        f"    results = await asyncio.gather({', '.join(f'fetch{i}(x)' for i in range(FANOUT))})"
    )
    direct.append("    return await merge(*results)")
    (directory / "bench_direct.py").write_text("\n".join(direct) + "\n")
    return _load(directory / "bench_nodes.py", "bench_nodes")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _fan_call(fan: ModuleType) -> Any:
    return lambda x: fan.run(x=x)


def _best(func: Any, number: int) -> float:
    return min(timeit.repeat(func, number=number, repeat=7)) / number


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="hypergraph-bench-"))
    sys.path.insert(0, str(directory))
    nodes = _write_nodes(directory)
    direct = _load(directory / "bench_direct.py", "bench_direct")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain_graph = Graph(
            [FunctionNode(getattr(nodes, f"f{i}"), output_name=f"v{i + 1}") for i in range(CHAIN)]
        ).select(f"v{CHAIN}")
        fan_graph = Graph(
            [FunctionNode(getattr(nodes, f"fetch{i}"), output_name=f"r{i}") for i in range(FANOUT)]
            + [FunctionNode(nodes.merge, output_name="total")]
        )
    (directory / "chain_compiled.py").write_text(compile_graph(chain_graph))
    (directory / "fan_compiled.py").write_text(compile_graph(fan_graph, backend="async"))
    chain = _load(directory / "chain_compiled.py", "chain_compiled")
    fan = _load(directory / "fan_compiled.py", "fan_compiled")
    assert chain.run(v0=0) == direct.chain(0) == {f"v{CHAIN}": CHAIN}

    compiled_chain = _best(lambda: chain.run(v0=0), 200)
    direct_chain = _best(lambda: direct.chain(0), 200)
    keyword_chain = _best(lambda: direct.chain_keywords(0), 200)
    print(
        f"1000-node chain: compiled {compiled_chain * 1e6:.1f} us; hand-written with keyword "
        f"arguments {keyword_chain * 1e6:.1f} us (ratio {compiled_chain / keyword_chain:.2f}x), "
        f"positional {direct_chain * 1e6:.1f} us (ratio {compiled_chain / direct_chain:.2f}x); "
        "target <= 1.2x"
    )

    async def many(call: Any, count: int) -> None:
        for _ in range(count):
            await call(1)

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(fan.run(x=1))["total"] == loop.run_until_complete(
            direct.fanout(1)
        )
        compiled_fan = _best(lambda: loop.run_until_complete(many(_fan_call(fan), 50)), 1) / 50
        direct_fan = _best(lambda: loop.run_until_complete(many(direct.fanout, 50)), 1) / 50
    finally:
        loop.close()
    print(
        f"async fan-out of {FANOUT}: compiled {compiled_fan * 1e6:.1f} us; hand-written "
        f"asyncio.gather {direct_fan * 1e6:.1f} us (ratio {compiled_fan / direct_fan:.2f}x); "
        "target <= 1.5x"
    )

    spec = directory / "chain.toml"
    entries = "".join(
        f'[[nodes]]\nref = "bench_nodes:f{i}"\noutput = "v{i + 1}"\n\n' for i in range(CHAIN)
    )
    spec.write_text(f'[graph]\nname = "chain"\nselect = ["v{CHAIN}"]\n\n' + entries)
    started = time.perf_counter()
    module = compile_spec(spec)
    elapsed = time.perf_counter() - started
    print(
        f"compiling a {CHAIN}-node spec: {elapsed:.2f} s "
        f"({len(module.source) // 1024} KiB of source); target < 2 s"
    )


if __name__ == "__main__":
    main()
