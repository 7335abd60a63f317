"""hatchling's build hook ``hypergraph``: specs compiled while a wheel or an sdist is built.

A project enables it with an (empty) ``[tool.hatch.build.hooks.hypergraph]`` table and lists
``hypergraph-workflows[hatch]`` in ``[build-system] requires``; the hook reads the specs, out,
stubs and strict settings of its ``[tool.hypergraph]`` table (as ``hypergraph compile`` does):

- **wheel**: the specs are checked as ``hypergraph check`` checks them, compiled as
  ``hypergraph compile`` compiles them (into the project tree, where a gitignored ``out``
  folder keeps them out of version control), and every module and stub is force-included in
  the wheel at the place the wheel's sources map it to (``src/pkg/compiled/m.py`` ->
  ``pkg/compiled/m.py``). An editable wheel compiles the same way and ships nothing extra:
  the project tree it points at holds the modules.
- **sdist**: the specs are checked and the spec files added to the sdist (compiled modules
  are not: a wheel built from the sdist runs this hook again and compiles them).

A spec with errors (warnings too, under ``strict``) stops the build: the diagnostics are
printed as ``hypergraph check`` prints them and the backend exits with status 1.

The hook only drives the CLI's own machinery (codegen.cli.config, .specfiles, .commands,
.formats), so a build reports exactly what the commands report. Importing this module without
hatchling raises an ImportError naming the ``hatch`` extra. hatchling imports every registered
hook when a project uses any plugin, so this module imports the compiler (and pydantic) only
when the hook runs: an environment with the runtime and hatchling alone builds other projects.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from codegen.errors import CodegenError, UsageError
from hypergraph.__main__ import DISTRIBUTION

if TYPE_CHECKING:
    from codegen.cli.config import Config
    from codegen.cli.formats import Report

try:
    from hatchling.builders.config import BuilderConfig
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
    from hatchling.plugin import hookimpl
except ModuleNotFoundError as exc:  # pragma: no cover - tested in a process without hatchling
    if (exc.name or "").partition(".")[0] != "hatchling":
        raise
    raise ImportError(
        "codegen.hatch_hook is the build hook for hatchling, which is not installed; install "
        f"the 'hatch' extra: pip install '{DISTRIBUTION}[hatch]' (in a project's build, list "
        f"'{DISTRIBUTION}[hatch]' in [build-system] requires)"
    ) from None

__all__ = ["HypergraphBuildHook", "hatch_register_build_hook"]

# Keys hatchling itself reads from every hook's table; the hook has no options of its own.
_HATCHLING_KEYS = frozenset(
    {
        "dependencies",
        "enable-by-default",
        "require-runtime-dependencies",
        "require-runtime-features",
    }
)
_TABLE = "[tool.hatch.build.hooks.hypergraph]"


class HypergraphBuildHook(BuildHookInterface[BuilderConfig]):
    """Compile the project's specs into the wheel; check them and ship them in the sdist."""

    PLUGIN_NAME = "hypergraph"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Check (and for a wheel compile) the specs; register the files the target ships."""
        if self.target_name not in ("wheel", "sdist"):
            self._error(
                f"the hypergraph build hook supports the wheel and sdist targets, not "
                f"{self.target_name!r}; enable it for those only, under "
                "[tool.hatch.build.targets.wheel.hooks.hypergraph] and "
                "[tool.hatch.build.targets.sdist.hooks.hypergraph]"
            )
        unknown = sorted(set(self.config) - _HATCHLING_KEYS)
        if unknown:
            self._error(
                f"{_TABLE}: unknown option(s) {', '.join(unknown)}: the hook takes no options of "
                "its own (it reads specs, out, stubs and strict from [tool.hypergraph]); "
                f"hatchling's are {', '.join(sorted(_HATCHLING_KEYS))}"
            )
        root = Path(os.path.abspath(self.root))
        try:
            with _working_in(root, self._import_roots(root)):
                self._build(root, version, build_data)
        except CodegenError as exc:  # a bad [tool.hypergraph], a missing spec, a failed write
            self._fail(f"hypergraph: {exc}")

    def _build(self, root: Path, version: str, build_data: dict[str, Any]) -> None:
        from codegen.cli.commands import check_command, compile_command
        from codegen.cli.specfiles import expand_specs

        config = self._config(root)
        specs = expand_specs(config.specs, config.root)
        checked = check_command(specs, mypy=False, strict=config.strict)
        self._report(checked, "the specs have errors")
        if self.target_name == "sdist":
            for spec in specs:
                build_data["force_include"][str(spec)] = _inside(root, spec, "spec", "sdist")
            return
        targets = _targets(specs, config)
        if version != "editable":
            self._check_shipped(root, targets)
        out = root / config.out if config.out is not None else None
        stubs = root / config.stubs if config.stubs is not None else None
        compiled = compile_command(specs, out, stubs, check=False, strict=config.strict)
        self._report(compiled, "compiling the specs failed", after=checked)
        if version != "editable":  # an editable install imports the modules from the tree
            for target in targets:
                build_data["force_include"][str(target)] = _inside(root, target, "file", "wheel")

    def _config(self, root: Path) -> Config:
        from codegen.cli.config import load_config

        config = load_config(root / "pyproject.toml")
        if config is None or not config.specs:
            self._error(
                f"{_TABLE} is enabled but pyproject.toml lists no specs: add "
                '[tool.hypergraph] with specs = ["specs"] (and out = "src/<package>/compiled"), '
                "or remove the hook's table"
            )
        return config

    def _import_roots(self, root: Path) -> list[Path]:
        """Where spec references import from: the project root, then every folder the wheel
        strips from its paths (``src`` in a src layout), as from the installed package."""
        config = self.build_config
        if self.target_name != "wheel":  # the sdist's sources are not the package's
            from hatchling.builders.wheel import WheelBuilder

            config = WheelBuilder(self.root, metadata=self.metadata).config
        stripped = [source for source, replacement in config.sources.items() if not replacement]
        return [root, *(root / source for source in stripped if source)]

    def _check_shipped(self, root: Path, targets: Sequence[Path]) -> None:
        """Refuse a module or stub the wheel would put outside every package it ships (a
        top-level ``specs/compiled`` folder in site-packages is never what was meant)."""
        packages = [self.build_config.get_distribution_path(p) for p in self.build_config.packages]
        if not packages:
            return  # files chosen by include patterns: nothing to compare with
        for target in targets:
            relative = _inside(root, target, "file", "wheel")
            shipped = self.build_config.get_distribution_path(relative)
            if not any(shipped.startswith(f"{package}/") for package in packages):
                self._error(
                    f"{relative} would go into the wheel as {shipped}, outside its packages "
                    f"({', '.join(packages)}): set [tool.hypergraph] out (and stubs) to a folder "
                    f'inside one of them, e.g. out = "{self.build_config.packages[0]}/compiled"'
                )

    def _report(self, report: Report, failure: str, *, after: Report | None = None) -> None:
        """Print what `report` found as the CLI prints it; stop the build if it found errors.
        `after`: the check that ran before, whose findings are not repeated (nor, unless this
        one failed, its summary)."""
        if after is not None:
            report.diagnostics = [d for d in report.diagnostics if d not in after.diagnostics]
        text = io.StringIO()
        report.print(text, "text", quiet=after is not None and not report.errors)
        if report.errors:
            self._fail(f"{text.getvalue()}hypergraph: {failure}; the build stopped")
        lines = text.getvalue().splitlines()
        for line in lines if after is None else [*report.progress, *lines]:
            if ": warning: " in line:
                self.app.display_warning(f"hypergraph: {line}")
            else:
                self.app.display_info(f"hypergraph: {line}")

    def _error(self, message: str) -> NoReturn:
        self._fail(f"hypergraph: error: {message}")

    def _fail(self, message: str) -> NoReturn:
        """End the build with `message` (no traceback: the problem is the project's)."""
        self.app.abort(message, code=1)
        raise SystemExit(1)  # abort exits; this is for applications whose abort does not


def _targets(specs: Sequence[Path], config: Config) -> list[Path]:
    """The module (and stub) each spec compiles to, where ``hypergraph compile`` writes them."""
    from codegen.cli.commands import compile_one

    targets: list[Path] = []
    for spec in specs:
        module, _ = compile_one(spec)  # the check before has shown that it compiles
        if module is None:  # pragma: no cover - would have been an error of the check
            continue
        folder = config.root / config.out if config.out is not None else spec.parent
        targets.append(folder / f"{module.name}.py")
        if config.stubs is not None:
            targets.append(config.root / config.stubs / f"{module.name}.pyi")
    return targets


def _inside(root: Path, path: Path, what: str, target: str) -> str:
    """`path` relative to the project root, posix; a UsageError if it lies outside."""
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        raise UsageError(
            f"error: the {what} {path} lies outside the project ({root}), so the {target} "
            "cannot carry it; keep specs, out and stubs inside the project"
        ) from None


@contextmanager
def _working_in(root: Path, import_roots: Sequence[Path]) -> Iterator[None]:
    """Work from the project root (paths in messages and headers are relative to it) with the
    import roots first on sys.path, as the CLI does; restore both afterwards."""
    before_cwd = os.getcwd()
    before_path = list(sys.path)
    os.chdir(root)
    sys.path[:0] = [str(p) for p in import_roots]
    try:
        yield
    finally:
        os.chdir(before_cwd)
        sys.path[:] = before_path


@hookimpl
def hatch_register_build_hook() -> type[HypergraphBuildHook]:
    """Register the hook with hatchling (entry point group ``hatch``)."""
    return HypergraphBuildHook
