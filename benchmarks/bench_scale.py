"""Maps on executors: sequential vs ProcessPoolExecutor(2) vs a Dask LocalCluster(2), side by side.

Run: python benchmarks/bench_scale.py [--quick]
Two measurements, each back end on the same items in one run:

* CPU-bound: a one-node graph whose node spins for about 5 ms (integer arithmetic), mapped over
  300 items (120 with --quick): wall time and speedup over SyncRunner.map without executor.
  Two workers cannot beat 2x; a machine shared with other work gets less.
* Per-item overhead: a trivial node (x + 1) mapped over 3,000 items (1,000 with --quick): the
  time per item minus the sequential map's time per item, i.e. what sending items to the
  executor costs (pickling, chunks, scheduling), at the default chunk size and at chunksize=1,
  and watched by a no-op event processor (the items' events recorded in the workers, sent
  back and replayed), minus the watched sequential map.

Both are printed in one table, side by side per back end.

Executors are started (and their workers warmed up with one small map) before timing. Dask
runs only when `distributed` is installed (the `dask` extra).
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from hypergraph import Graph, SyncRunner, node
from hypergraph.events import EventProcessor


def spin(n: int) -> int:
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1_000_003
    return acc


@node(output_name="digest")
def crunch(x: int, rounds: int) -> int:
    return spin(rounds + x % 7)


@node(output_name="y")
def increment(x: int) -> int:
    return x + 1


cpu_graph = Graph([crunch], name="cpu")
trivial_graph = Graph([increment], name="trivial")


def calibrate(target_ms: float = 5.0) -> int:
    """Loop rounds that take about `target_ms` here (the fastest of a few tries: a busy
    machine makes single measurements slow)."""
    rounds = 20_000
    took = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        spin(rounds)
        took = min(took, (time.perf_counter() - started) * 1000)
    return max(1000, int(rounds * target_ms / took))


def timed(call: Callable[[], Any], repeat: int) -> float:
    """Best of `repeat` wall times, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def back_ends(pool: Executor, dask: Executor | None) -> dict[str, Executor | None]:
    found: dict[str, Executor | None] = {"sequential": None, "ProcessPoolExecutor(2)": pool}
    if dask is not None:
        found["Dask LocalCluster(2)"] = dask
    return found


class Quiet(EventProcessor):
    """A processor that does nothing: what watching an executor map costs (record, send
    back, replay)."""

    def on_event(self, event: object) -> None:
        pass


def cpu_bound(executors: dict[str, Executor | None], items: int, rounds: int) -> dict[str, float]:
    """Rounds of one map per back end, interleaved (a load swing hits all alike); best of 3.
    Wall seconds per back end."""
    xs = list(range(items))
    runner = SyncRunner()
    best = dict.fromkeys(executors, float("inf"))
    for _ in range(3):
        for name, executor in executors.items():
            seconds = timed(
                lambda e=executor: runner.map(
                    cpu_graph, x=xs, rounds=rounds, map_over="x", executor=e
                ),
                repeat=1,
            )
            best[name] = min(best[name], seconds)
    return best


def per_item(executors: dict[str, Executor | None], items: int) -> dict[str, dict[str, float]]:
    """Seconds per item of the trivial map, per back end and variant: default chunks,
    chunksize=1, and default chunks watched by a processor (interleaved; best of 3)."""
    xs = list(range(items))
    runner = SyncRunner()
    variants: dict[str, dict[str, Any]] = {
        "default": {},
        "chunksize=1": {"chunksize": 1},
        "watched": {"event_processors": [Quiet()]},
    }
    best: dict[str, dict[str, float]] = {name: {} for name in executors}
    for _ in range(3):
        for name, executor in executors.items():
            for variant, options in variants.items():
                if executor is None and variant == "chunksize=1":
                    continue
                if executor is not None and variant == "chunksize=1" and items > 1000:
                    call_items = xs[:1000]  # one call per item: keep the run short
                else:
                    call_items = xs
                seconds = timed(
                    lambda e=executor, o=options, c=call_items: runner.map(
                        trivial_graph, x=c, map_over="x", executor=e, **o
                    ),
                    repeat=1,
                ) / len(call_items)
                best[name][variant] = min(best[name].get(variant, float("inf")), seconds)
    return best


def report(cpu: dict[str, float], items: dict[str, dict[str, float]], cpu_items: int) -> None:
    """One table: per back end the CPU-bound time and speedup, and the per-item overhead
    (time per trivial item minus the sequential map's, unwatched and watched)."""
    base_cpu = cpu["sequential"]
    base = items["sequential"]
    head = (
        f"{'back end':<24} {'CPU-bound':>10} {'speedup':>8}   "
        f"{'overhead/item':>14} {'chunksize=1':>12} {'watched':>10}"
    )
    print(f"CPU-bound: {cpu_items} items of ~5 ms; overhead: a trivial item (x + 1), minus the")
    print("sequential map's time per item (for 'sequential': its own time per item); 'watched':")
    print("default chunks with a no-op event processor, minus the watched sequential map's")
    print(head)
    print("-" * len(head))
    for name, seconds in cpu.items():
        ours = items[name]
        if name == "sequential":
            over = f"({ours['default'] * 1e6:.1f} us)"
            one = ""
            watched = f"({ours['watched'] * 1e6:.1f} us)"
        else:
            over = f"{(ours['default'] - base['default']) * 1e6:.1f} us"
            one = f"{(ours['chunksize=1'] - base['default']) * 1e6:.0f} us"
            watched = f"{(ours['watched'] - base['watched']) * 1e6:.1f} us"
        print(
            f"{name:<24} {seconds * 1000:7.0f} ms {base_cpu / seconds:7.2f}x   "
            f"{over:>14} {one:>12} {watched:>10}"
        )


def main() -> None:
    quick = "--quick" in sys.argv
    rounds = calibrate()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        cluster = client = dask = None
        try:
            import distributed

            cluster = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = distributed.Client(cluster)
            dask = client.get_executor()
        except ImportError:
            print("(distributed is not installed: Dask is left out; pip install '.[dask]')")
        executors = back_ends(pool, dask)
        for executor in executors.values():  # start the workers, import the graphs
            if executor is not None:
                SyncRunner().map(trivial_graph, x=list(range(8)), map_over="x", executor=executor)
        try:
            cpu_items = 120 if quick else 300
            cpu = cpu_bound(executors, cpu_items, rounds)
            items = per_item(executors, 1000 if quick else 3000)
            report(cpu, items, cpu_items)
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
