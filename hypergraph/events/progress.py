"""`RichProgressProcessor`: a progress display of runs and maps on `rich` (the `progress` extra).

A terminal gets live bars: one per top-level run (nodes done) and one per map (items done and
failed, rate, ETA), nested maps indented under their parent. Any other output (a file, a pipe,
CI logs) gets plain lines without control codes: a map's start, a line each time another
tenth of its items is done, and its end.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from hypergraph.events.processor import TypedEventProcessor
from hypergraph.events.types import (
    BaseEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, Task

__all__ = ["RichProgressProcessor"]

_EXTRA = "pip install 'hypergraph-workflows[progress]'"


def _rich() -> Any:
    try:
        import rich.progress
    except ImportError:
        raise ImportError(
            f"RichProgressProcessor (show_progress=True) needs the rich package: {_EXTRA}"
        ) from None
    return rich.progress


@dataclass
class _Bar:
    """One bar: a map's items or a top-level run's nodes."""

    label: str
    total: int | None
    indent: int
    is_map: bool
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)
    tenth: int = 0  # plain lines: the last tenth of the items reported
    task: Any = None  # the rich TaskID

    def line(self) -> str:
        pad = "  " * self.indent
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = self.done / elapsed
        unit = "items" if self.is_map else "nodes"
        count = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        text = f"{pad}{self.label}: {count} {unit}, {self.failed} failed, {rate:.1f}/s"
        if self.total is not None and 0 < self.done < self.total and rate > 0:
            text += f", ETA {(self.total - self.done) / rate:.1f}s"
        return text


class RichProgressProcessor(TypedEventProcessor):
    """Progress bars for runs and maps (plain lines when the output is not a terminal).

    `console`: a `rich.console.Console` to draw on (default: one on `stream`); `stream`: where
    plain lines or bars go (default: sys.stderr); `plain`: force plain lines (True) or bars
    (False) instead of deciding by whether the output is a terminal.
    """

    def __init__(
        self,
        *,
        console: Console | None = None,
        stream: IO[str] | None = None,
        plain: bool | None = None,
    ) -> None:
        progress = _rich()
        from rich.console import Console

        self._stream: IO[str] = stream if stream is not None else sys.stderr
        self.console = console if console is not None else Console(file=self._stream)
        self.plain = (not self.console.is_terminal) if plain is None else plain
        self._columns = (
            progress.TextColumn("{task.description}"),
            progress.BarColumn(),
            progress.MofNCompleteColumn(),
            progress.TextColumn("{task.fields[failed]} failed"),
            _rate_column(),
            progress.TextColumn("ETA"),
            progress.TimeRemainingColumn(),
        )
        self._progress: Progress | None = None
        self._bars: dict[str, _Bar] = {}
        self._level: dict[str, int] = {}  # span -> bars open among it and its ancestors

    # -- bars ------------------------------------------------------------------------------

    def _open(self, span: str, bar: _Bar) -> None:
        self._bars[span] = bar
        if self.plain:
            what = f"map of {bar.total} items" if bar.is_map else "run started"
            self._write(f"{'  ' * bar.indent}{bar.label}: {what}")
            return
        if self._progress is None:
            self._progress = _rich().Progress(*self._columns, console=self.console)
            self._progress.start()
        bar.task = self._progress.add_task("  " * bar.indent + bar.label, total=bar.total, failed=0)

    def _advance(self, span: str | None, failed: bool) -> None:
        bar = self._bars.get(span) if span is not None else None
        if bar is None:
            return
        bar.done += 1
        bar.failed += failed
        if not self.plain:
            assert self._progress is not None
            self._progress.update(bar.task, completed=bar.done, failed=bar.failed)
        elif bar.total:
            tenth = bar.done * 10 // bar.total
            if tenth > bar.tenth and bar.done < bar.total:
                bar.tenth = tenth
                self._write(bar.line())

    def _close(self, event: RunEndEvent) -> None:
        bar = self._bars.pop(event.span_id, None)
        if bar is None:
            return
        status = event.status.value
        if self.plain:
            error = f": {event.error_type}: {event.error}" if event.error else ""
            self._write(f"{bar.line()} - {status} in {event.duration_ms / 1000:.2f}s{error}")
        elif bar.indent:  # a nested map's bar goes once done: its parent's bar counts it
            assert self._progress is not None
            self._progress.remove_task(bar.task)
        else:
            assert self._progress is not None
            total = bar.total if bar.total is not None else bar.done
            self._progress.update(
                bar.task,
                total=total,
                description=f"{bar.label} ({status})",
            )
        if event.parent_span_id is None:
            self._stop()

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._bars.clear()
        self._level.clear()

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()

    # -- events ----------------------------------------------------------------------------

    def on_run_start(self, event: RunStartEvent) -> None:
        """A map opens a bar (indented under enclosing bars); so does a top-level run."""
        level = self._level.get(event.parent_span_id, 0) if event.parent_span_id else 0
        label = event.graph_name or "graph"
        if event.is_map:
            self._open(event.span_id, _Bar(label, event.map_size, level, True))
            level += 1
        elif event.parent_span_id is None:
            self._open(event.span_id, _Bar(label, None, level, False))
            level += 1
        self._level[event.span_id] = level

    def on_run_end(self, event: RunEndEvent) -> None:
        """A map item counts on its map's bar; a bar's own run closes it."""
        self._advance(event.parent_span_id, event.status is RunStatus.FAILED)
        self._close(event)
        self._level.pop(event.span_id, None)

    def on_node_start(self, event: NodeStartEvent) -> None:
        """Nested maps indent under the run their node belongs to."""
        self._level[event.span_id] = self._level.get(event.parent_span_id or "", 0)

    def on_node_end(self, event: NodeEndEvent) -> None:
        """A top-level run's node counts on its bar."""
        self._forget(event)
        self._advance(event.parent_span_id, False)

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """A top-level run's failed node counts as failed."""
        self._forget(event)
        self._advance(event.parent_span_id, True)

    def _forget(self, event: BaseEvent) -> None:
        self._level.pop(event.span_id, None)

    def shutdown(self) -> None:
        """Stop the live display if a run left it open."""
        self._stop()


def _rate_column() -> Any:
    class RateColumn(_rich().ProgressColumn):  # type: ignore[misc]
        """Items (or nodes) per second."""

        def render(self, task: Task) -> Any:
            from rich.text import Text

            speed = task.speed
            return Text("" if speed is None else f"{speed:.1f}/s")

    return RateColumn()
