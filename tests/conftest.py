"""Shared test set-up: every test sees the type rules themselves, not remembered results.

The type rules memoise their answers (a per-pair cache, a per-call cache and a few
``functools.lru_cache`` helpers). A result computed by an earlier test, or by the process a
mutation-testing worker is forked from (docs/mutation.md), would otherwise answer in place of
the rules under test, and a planted bug in them would go unseen.
"""

from __future__ import annotations

import sys

import pytest


def _clear_type_rule_caches() -> None:
    for name, module in list(sys.modules.items()):
        if not name.startswith("hypergraph._typing") or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
        for attribute in ("_cache", "_calls"):
            memo = getattr(module, attribute, None)
            if isinstance(memo, dict):
                memo.clear()


@pytest.fixture(autouse=True)
def _fresh_type_rules() -> None:
    _clear_type_rule_caches()
