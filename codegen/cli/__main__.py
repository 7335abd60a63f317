"""``python -m codegen.cli``: the ``hypergraph`` command."""

from __future__ import annotations

import sys

from codegen.cli.app import main

sys.exit(main())
