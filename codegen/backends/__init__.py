"""The back ends: a graph's run written as statements.

The static schedule writer for DAGs, the step loop and the state machine for graphs with gates
or cycles, nested graphs as module functions, and `codegen.backends.emit`, which picks one
and hands the view model to the templates.
"""
