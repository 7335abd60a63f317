"""Rendering: Python source text, knowing nothing of graphs.

Literals and expressions laid out as ``ruff format`` writes them, boolean chains, the typed
view model, the jinja2 templates and the passes over a rendered module.
"""
