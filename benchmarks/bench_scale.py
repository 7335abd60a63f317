"""Maps on executors: sequential vs ProcessPoolExecutor(2) vs a Dask LocalCluster(2), side by side.

Run: python benchmarks/bench_scale.py [--quick]
Two measurements, each back end on the same items in one run:

* CPU-bound: a one-node graph whose node spins for about 5 ms (integer arithmetic), mapped over
  300 items (120 with --quick): wall time and speedup over SyncRunner.map without executor.
  Two workers cannot beat 2x; a machine shared with other work gets less.
* Per-item overhead: a trivial node (x + 1) mapped over 3,000 items (1,000 with --quick): the
  time per item minus the sequential map's time per item, i.e. what sending items to the
  executor costs (pickling, chunks, scheduling), at the default chunk size and at chunksize=1.

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


def cpu_bound(executors: dict[str, Executor | None], items: int, rounds: int) -> None:
    """Rounds of one map per back end, interleaved (a load swing hits all alike); best of 3."""
    xs = list(range(items))
    runner = SyncRunner()
    print(f"CPU-bound map: {items} items of ~5 ms each (spin({rounds})), best of 3 rounds")
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
    base = best["sequential"]
    for name, seconds in best.items():
        print(f"  {name:<24} {seconds * 1000:8.0f} ms   speedup {base / seconds:4.2f}x")


def overhead(executors: dict[str, Executor | None], items: int) -> None:
    xs = list(range(items))
    runner = SyncRunner()
    print(f"Per-item overhead: trivial node over {items} items (minus the sequential map)")
    base = timed(lambda: runner.map(trivial_graph, x=xs, map_over="x"), repeat=3) / items
    print(f"  {'sequential':<24} {base * 1e6:8.1f} us/item")
    for name, executor in executors.items():
        if executor is None:
            continue
        for chunksize in (None, 1):
            per_item = (
                timed(
                    lambda e=executor, c=chunksize: runner.map(
                        trivial_graph, x=xs, map_over="x", executor=e, chunksize=c
                    ),
                    repeat=2,
                )
                / items
            )
            label = "default chunks" if chunksize is None else "chunksize=1"
            print(
                f"  {name:<24} {per_item * 1e6:8.1f} us/item   overhead "
                f"{(per_item - base) * 1e6:8.1f} us/item ({label})"
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
            cpu_bound(executors, 120 if quick else 300, rounds)
            overhead(executors, 1000 if quick else 3000)
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
