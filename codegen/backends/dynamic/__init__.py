"""The dynamic back end: graphs with gates or cycles, run step by step as the runners do.

`codegen.backends.dynamic.run` builds the body plan (every state local claimed) and writes
run() either as the step loop (`steploop`) or, when the reachable step states are few
(`states`), as a state machine over them (`machine`).
"""
