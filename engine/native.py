"""Which implementation of the engine's compiled hot modules runs: compiled by mypyc, or their source.

`pip install` (see `setup.py`) compiles each `NativeGroup` in `GROUPS` with mypyc into C extensions beside
their `.py` files, which stay the one source of truth: the compiled code is the same code, type-checked
and translated. The groups are leaf modules where the engine spends its time and that do not depend on
how the rest is built: the ticket book (aggregation, allocation), the FIX framer, codec and dictionary
validation, the Cont-Kukanov solver.

Python imports an extension before a `.py` of the same name, so a compiled module that no longer matches
its source would silently run old code. The build therefore writes `STAMP` beside each group (each
source's SHA-256), and `select_implementation` (run by the package's `__init__` before any of the group's
modules is imported) loads the whole group from source instead when:

- `EMS_PURE_PYTHON=1` is set (to compare the two, or to debug with Python's own tools);
- a source of the group changed since the build (it warns: `pip install -e .` compiles again);
- there is no build (no C compiler at install, or a plain checkout on `PYTHONPATH`).

A group goes together: its compiled modules call each other directly.

Run as a script (`python3 -I engine/native.py`, stdlib only) it prints the compiled modules' source paths,
one per line, relative to the repository: `.ci/setup` hashes them to know when to install again.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

STAMP = "native_build.json"
"""Written beside each group's compiled modules by the build: {"sources": {file name: sha256 hex}}."""

PURE_ENV = "EMS_PURE_PYTHON"


@dataclass(frozen=True, slots=True)
class NativeGroup:
    """Modules of one package compiled together, in import order (each may use the ones before)."""

    package: str
    modules: tuple[str, ...]

    @property
    def name(self) -> str:
        """mypyc's group name: its shared library is `<name>__mypyc` at the top of the install."""
        return "ems_" + self.package.rsplit(".", 1)[-1]

    @property
    def folder(self) -> Path:
        """The package's folder, relative to the repository."""
        return Path(*self.package.split("."))


GROUPS = (
    NativeGroup("engine.tickets", ("allocation", "blocks", "book")),
    NativeGroup("engine.fix", ("framing", "dictionary", "codec", "validation")),
    NativeGroup("engine.routing", ("cont_kukanov",)),
)


def group_of(package: str) -> NativeGroup:
    for group in GROUPS:
        if group.package == package:
            return group
    raise KeyError(f"{package} has no compiled modules")


@dataclass(frozen=True, slots=True)
class Implementation:
    """What runs: `compiled` True for the mypyc extensions; `reason` says why not when False."""

    compiled: bool
    reason: str

    def describe(self) -> str:
        return "compiled (mypyc)" if self.compiled else f"Python source ({self.reason})"


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extension(folder: Path, name: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = folder / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return None


def choose(folder: Path, modules: tuple[str, ...], environ: Mapping[str, str]) -> Implementation:
    """Decide, from the files in `folder` and the environment, which implementation of `modules` to use."""
    if environ.get(PURE_ENV) == "1":
        return Implementation(False, f"{PURE_ENV}=1")
    missing = [name for name in modules if _extension(folder, name) is None]
    if missing:
        return Implementation(False, "not compiled: " + ", ".join(f"{name}.py" for name in missing))
    try:
        stamp = json.loads((folder / STAMP).read_text())
        built = stamp["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return Implementation(False, f"the build left no readable {STAMP}")
    files = [f"{name}.py" for name in modules]
    changed = [file for file in files if built.get(file) != source_digest(folder / file)]
    if changed:
        return Implementation(False, f"{', '.join(changed)} changed since compiled; `pip install -e .` compiles again")
    return Implementation(True, "")


def select_implementation(package: str, folder: Path) -> Implementation:
    """Make the package's compiled modules importable only if `choose` says so; else load the sources."""
    modules = group_of(package).modules
    chosen = choose(folder, modules, os.environ)
    if chosen.compiled or all(_extension(folder, name) is None for name in modules):
        return chosen  # the normal import system finds the right files
    if "changed since compiled" in chosen.reason:
        warnings.warn(f"{package}: running the Python source: {chosen.reason}", RuntimeWarning, stacklevel=2)
    parent = sys.modules[package]
    for name in modules:
        qualified = f"{package}.{name}"
        spec = importlib.util.spec_from_file_location(qualified, folder / f"{name}.py")
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {folder / name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
        setattr(parent, name, module)
    return chosen


def implementations() -> dict[str, str]:
    """Each group's package and what runs of it, for benchmark output (imports the packages)."""
    return {group.package: importlib.import_module(group.package).IMPLEMENTATION.describe() for group in GROUPS}


if __name__ == "__main__":
    for group in GROUPS:
        for name in group.modules:
            print(group.folder / f"{name}.py")
