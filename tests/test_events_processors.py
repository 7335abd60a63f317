"""The built-in processors against the real libraries: logging, rich, OpenTelemetry's SDK."""

from __future__ import annotations

import io
import logging
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from rich.console import Console

from hypergraph import END, Graph, SyncRunner, node, route
from hypergraph.events import (
    LoggingProcessor,
    OpenTelemetryProcessor,
    RichProgressProcessor,
    RunEndEvent,
)


@node(output_name="b")
def inc(a: int) -> int:
    if a == 3:
        raise ValueError("three")
    return a + 1


@node(output_name="c")
def double(b: int) -> int:
    return b * 2


INNER = Graph([inc, double], name="inner")
OUTER = Graph([INNER.as_node(name="each").map_over("a", error_handling="continue")], name="outer")


# -- logging -----------------------------------------------------------------------------------


def test_logging_processor_logs_runs_nodes_and_failures(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="hypergraph.runs"):
        SyncRunner().run(
            INNER, a=3, error_handling="continue", event_processors=[LoggingProcessor()]
        )
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "hypergraph.runs"]
    messages = [m for _, m in records]
    assert messages[0].startswith("run inner started")
    assert "node inc started" in messages
    assert any(
        level == logging.ERROR and m.startswith("node inc failed") and "ValueError: three" in m
        for level, m in records
    )
    assert records[-1][0] == logging.ERROR
    assert "run inner failed" in records[-1][1]
    events = [getattr(r, "hypergraph_event", None) for r in caplog.records]
    assert isinstance(events[-1], RunEndEvent)


def test_logging_processor_levels_and_logger_are_configurable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    processor = LoggingProcessor("my.app", level=logging.WARNING, node_level=logging.INFO)
    with caplog.at_level(logging.WARNING, logger="my.app"):
        SyncRunner().run(INNER, a=1, event_processors=[processor])
    messages = [r.getMessage() for r in caplog.records if r.name == "my.app"]
    assert len(messages) == 2  # the run's start and end; nodes at INFO are filtered out
    assert messages[1].startswith("run inner completed")


# -- progress ----------------------------------------------------------------------------------


def test_plain_progress_lines_for_maps_and_nested_maps() -> None:
    stream = io.StringIO()
    processor = RichProgressProcessor(stream=stream)
    assert processor.plain  # a StringIO is not a terminal
    SyncRunner().map(OUTER, a=[[1, 2, 3], [4]], map_over="a", event_processors=[processor])
    text = stream.getvalue()
    assert "\x1b" not in text
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "outer: map of 2 items"
    assert "  inner: map of 3 items" in lines  # nested maps are indented
    assert any(line.startswith("  inner: 3/3 items, 1 failed") for line in lines)
    assert lines[-1].startswith("outer: 2/2 items, 0 failed")
    assert "completed" in lines[-1]


def test_plain_progress_reports_tenths_of_a_large_map() -> None:
    stream = io.StringIO()
    graph = Graph([double], name="double")
    SyncRunner().map(
        graph, b=list(range(100)), map_over="b",
        event_processors=[RichProgressProcessor(stream=stream)],
    )  # fmt: skip
    lines = stream.getvalue().splitlines()
    assert lines[0] == "double: map of 100 items"
    assert [line.split(" items")[0] for line in lines[1:-1]] == [
        f"double: {n}/100" for n in range(10, 100, 10)
    ]
    assert "ETA" in lines[1]
    assert lines[-1].startswith("double: 100/100 items, 0 failed")


def test_terminal_progress_draws_rich_bars() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    processor = RichProgressProcessor(console=console)
    assert not processor.plain
    SyncRunner().map(OUTER, a=[[1, 2, 3], [4]], map_over="a", event_processors=[processor])
    text = out.getvalue()
    assert "outer (completed)" in text
    assert "2/2" in text
    assert "failed" in text
    assert "━" in text  # a bar was drawn


def test_missing_rich_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    with pytest.raises(ImportError, match=r"hypergraph-workflows\[progress\]"):
        RichProgressProcessor()


# -- OpenTelemetry -----------------------------------------------------------------------------


def _tracing() -> tuple[InMemorySpanExporter, OpenTelemetryProcessor]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, OpenTelemetryProcessor(tracer_provider=provider)


def test_spans_for_runs_map_items_and_nodes_nest_like_the_graph() -> None:
    exporter, processor = _tracing()
    SyncRunner().run(OUTER, a=[1, 3], event_processors=[processor])
    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans}

    def parent(span: Any) -> Any:
        return by_id[span.parent.span_id] if span.parent is not None else None

    names = sorted(s.name for s in spans)
    assert names == sorted(
        [
            "run outer",
            "node each",
            "map inner",
            "item inner",
            "item inner",
            "node inc",
            "node inc",
            "node double",
        ]
    )
    (top,) = [s for s in spans if s.name == "run outer"]
    assert top.parent is None
    assert len({s.context.trace_id for s in spans}) == 1
    (mapped,) = [s for s in spans if s.name == "map inner"]
    assert parent(mapped).name == "node each"
    assert parent(parent(mapped)) is top
    assert mapped.attributes["hypergraph.map_size"] == 2
    for span in (s for s in spans if s.name == "node inc"):
        item = parent(span)
        assert item.name == "item inner"
        assert parent(item) is mapped
        assert span.attributes["hypergraph.item_index"] == item.attributes["hypergraph.item_index"]
    (failed,) = [
        s for s in spans if s.name == "node inc" and s.status.status_code is StatusCode.ERROR
    ]
    assert failed.status.description == "ValueError: three"
    assert failed.events[0].name == "exception"
    assert all(s.start_time <= s.end_time for s in spans)


def test_gate_decisions_are_span_attributes() -> None:
    @route(targets=["double", END])
    def pick(b: int) -> object:
        return "double"

    exporter, processor = _tracing()
    SyncRunner().run(Graph([pick, double]), b=2, event_processors=[processor])
    (gate,) = [s for s in exporter.get_finished_spans() if s.name == "node pick"]
    assert gate.attributes["hypergraph.decision"] == "double"
    (run,) = [s for s in exporter.get_finished_spans() if s.name.startswith("run")]
    assert [e.name for e in run.events] == ["superstep", "superstep"]


def test_missing_opentelemetry_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ImportError, match=r"hypergraph-workflows\[otel\]"):
        OpenTelemetryProcessor()
