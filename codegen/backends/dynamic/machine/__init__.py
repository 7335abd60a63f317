"""The state machine of a gated or cyclic graph, written as run()'s body.

Each reachable state (``codegen.backends.dynamic.states``) is a block of the dispatching
``while True`` (identical blocks share a branch): its budget spending, its batch's calls
(sync: in declaration order; async: gates first, then the others together), its writes, and a
branch over the outcomes that matter (a write's ``!=`` change, a gate's decision) ending in
``state = <next>`` or in returning the outputs present. Loops of states along the expected
outcomes are also written as fast loops that charge a whole round of budget at once, or two
rounds whose compared values alternate between their variable and their temporary.

The writers share one `Sheet` (the lines so far and where each value lives now), each with
one job: `GateWriter` (a gate's call and its decision), `OutcomeWriter` (the branches over the
outcomes), `BlockWriter` (a state's block: its calls and writes), `LoopWriter` (fast loops)
and `MachineWriter` (the states' layout; the entry point is `writer.state_machine`).
"""
