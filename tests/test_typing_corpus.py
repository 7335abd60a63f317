"""Hold the type checker against mypy's verdicts on three corpora (tests/corpus_*.py).

mypy's verdicts are stored in ``tests/data/corpus_<name>.truth.json`` (regenerate with
``python tests/regen_corpus_truth.py``, ~30 s per corpus). The bar: no crash, no false reject,
and the cases where we accept what mypy rejects are exactly those listed in
``tests/data/corpus_<name>.known.txt`` (a new difference fails, and so does a fixed one: then
remove it from the list). No share is tolerated: the lists are the whole allowance.
"""

from __future__ import annotations

import sys

import pytest

if sys.version_info < (3, 11):  # the corpora spell unpacked tuples with 3.11 syntax
    pytest.skip("the corpora need Python 3.11+", allow_module_level=True)

from corpus_support import Corpus, compare, corpora, read_known, read_truth

CORPORA = {c.name: c for c in corpora()}


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_corpus_matches_mypy_truth(name: str) -> None:
    corpus: Corpus = CORPORA[name]
    truth = read_truth(corpus)
    assert truth["digest"] == corpus.digest(), (
        f"corpus {name!r} changed since its truth file was made: "
        "run python tests/regen_corpus_truth.py --update-known"
    )
    assert truth["cases"] == len(corpus.cases) >= 2000
    found = compare(corpus, truth["rejected"])
    print("\n" + found.summary(name))
    assert found.false_rejects == [], "we reject what mypy accepts:\n" + "\n".join(
        found.false_rejects
    )
    known = read_known(corpus)
    new = sorted(set(found.false_accepts) - known)
    gone = sorted(known - set(found.false_accepts))
    assert not new, "new disagreements with mypy (we accept, mypy rejects):\n" + "\n".join(new)
    assert not gone, "fixed disagreements: remove them from the known list:\n" + "\n".join(gone)


def test_known_lists_name_real_cases() -> None:
    for corpus in CORPORA.values():
        keys = {case.key for case in corpus.cases}
        assert read_known(corpus) <= keys, corpus.name
