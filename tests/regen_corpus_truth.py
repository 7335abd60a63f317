"""Regenerate the corpora's truth files by asking mypy (its defaults, Python 3.11).

    python tests/regen_corpus_truth.py                 # every corpus
    python tests/regen_corpus_truth.py fidelity        # one corpus
    python tests/regen_corpus_truth.py --update-known  # also rewrite the known-differences lists

Takes about half a minute per corpus on a 2-core machine (mypy checks one generated module
per corpus). Not run in CI: the test compares against the stored truth.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_support import compare, corpora, run_mypy, write_known, write_truth


def main(argv: list[str]) -> None:
    update_known = "--update-known" in argv
    names = [a for a in argv if not a.startswith("--")]
    for corpus in corpora():
        if names and corpus.name not in names:
            continue
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            version, rejected = run_mypy(corpus, Path(tmp))
        mypy_time = time.perf_counter() - start
        write_truth(corpus, version, rejected)
        start = time.perf_counter()
        found = compare(corpus, "".join("1" if r else "0" for r in rejected))
        ours_time = time.perf_counter() - start
        print(found.summary(corpus.name) + f"  [mypy {mypy_time:.1f} s, ours {ours_time:.1f} s]")
        for key in found.false_rejects:
            print("  false reject:", key)
        for key in found.false_accepts:
            print("  false accept:", key)
        if update_known:
            write_known(corpus, found)


if __name__ == "__main__":
    main(sys.argv[1:])
