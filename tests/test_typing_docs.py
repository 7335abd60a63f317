"""Every ```python block of docs/type-checking.md runs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "type-checking.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_doc_block_runs(source: str, tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(source)
    namespace = {"__name__": "docs_block", "__file__": str(path)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, str(path), "exec", dont_inherit=True), namespace)
