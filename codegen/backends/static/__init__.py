"""The static back end: a DAG's run() as its supersteps written out, nested graphs inline."""
