"""What watching a run costs, measured side by side in one run.

    python benchmarks/bench_events.py [--quick]

1. runners: a 200-node chain run with no processor, and with one processor that does nothing;
   the difference per node is what the event path costs (start and end events, the superstep
   loop instead of the flat one).
2. map: 20,000 one-node items, with and without that processor: the cost per item.
3. compiled modules: the chain compiled without events, with `events = true` and no observer
   (the option must cost nothing), and with an observer feeding the processor.

The node functions must be importable, so the script writes a module of trivial functions into
a temporary directory and puts it on sys.path.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
import timeit
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen import compile_graph  # noqa: E402
from hypergraph import AsyncRunner, FunctionNode, Graph, SyncRunner  # noqa: E402
from hypergraph.events import EventProcessor, observe  # noqa: E402

CHAIN = 200
ITEMS = 20_000


class Nothing(EventProcessor):
    """A processor that does nothing: what is left is the cost of making the events."""

    def on_event(self, event: Any) -> None:
        pass


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _best(func: Any, number: int, repeat: int) -> float:
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def _line(label: str, seconds: float, base: float, per: int, unit: str) -> None:
    extra = (seconds - base) / per * 1e6
    print(
        f"  {label:<44} {seconds * 1e3:9.3f} ms  ratio {seconds / base:5.2f}x  "
        f"{extra:+7.3f} us per {unit}"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 7
    items = list(range(ITEMS // 4 if quick else ITEMS))
    directory = Path(tempfile.mkdtemp(prefix="bench_events_"))
    sys.path.insert(0, str(directory))
    lines = [f"def f{i}(v{i}: int) -> int:\n    return v{i} + 1\n" for i in range(CHAIN)]
    (directory / "event_nodes.py").write_text("\n".join(lines))
    nodes = _load(directory / "event_nodes.py", "event_nodes")
    chain = Graph(
        [FunctionNode(getattr(nodes, f"f{i}"), output_name=f"v{i + 1}") for i in range(CHAIN)],
        name="chain",
    )
    sync, watched = SyncRunner(), SyncRunner(event_processors=[Nothing()])
    arun = AsyncRunner(sync_nodes="inline")
    awatched = AsyncRunner(sync_nodes="inline", event_processors=[Nothing()])

    print(f"1. runners, a {CHAIN}-node chain of trivial nodes (best of {repeat})")
    base = _best(lambda: sync.run(chain, v0=0), 50, repeat)
    _line("SyncRunner.run, no processor", base, base, CHAIN, "node")
    _line(
        "SyncRunner.run, a processor doing nothing",
        _best(lambda: watched.run(chain, v0=0), 50, repeat),
        base,
        CHAIN,
        "node",
    )
    loop = asyncio.new_event_loop()
    abase = _best(lambda: loop.run_until_complete(arun.run(chain, v0=0)), 50, repeat)
    _line('AsyncRunner(sync_nodes="inline"), none', abase, abase, CHAIN, "node")
    _line(
        'AsyncRunner(sync_nodes="inline"), doing nothing',
        _best(lambda: loop.run_until_complete(awatched.run(chain, v0=0)), 50, repeat),
        abase,
        CHAIN,
        "node",
    )

    one = Graph([FunctionNode(nodes.f0, output_name="v1")], name="one")
    print(f"2. map over {len(items)} items of a one-node graph")
    mbase = _best(lambda: sync.map(one, v0=items, map_over="v0"), 1, repeat)
    _line("SyncRunner.map, no processor", mbase, mbase, len(items), "item")
    _line(
        "SyncRunner.map, a processor doing nothing",
        _best(lambda: watched.map(one, v0=items, map_over="v0"), 1, repeat),
        mbase,
        len(items),
        "item",
    )

    plain = _load_source(compile_graph(chain, backend="sync"), directory, "chain_plain")
    evented = _load_source(compile_graph(chain, backend="sync", events=True), directory, "chain_ev")
    observer = observe([Nothing()])
    print(f"3. the chain compiled (best of {repeat})")
    cbase = _best(lambda: plain.run(v0=0), 2000, repeat)
    _line("compiled, no events option", cbase, cbase, CHAIN, "node")
    _line(
        "compiled with events = true, no observer",
        _best(lambda: evented.run(v0=0), 2000, repeat),
        cbase,
        CHAIN,
        "node",
    )
    _line(
        "compiled with events = true, an observer",
        _best(lambda: evented.run(v0=0, observer=observer), 200, repeat),
        cbase,
        CHAIN,
        "node",
    )
    loop.close()


def _load_source(source: str, directory: Path, name: str) -> ModuleType:
    path = directory / f"{name}.py"
    path.write_text(source)
    return _load(path, name)


if __name__ == "__main__":
    main()
