"""Which implementation of the ticket book's hot modules runs: compiled by mypyc, or their source.

`pip install` (see `setup.py`) compiles `COMPILED_MODULES` with mypyc into C extensions beside their
`.py` files, which stay the one source of truth: the compiled code is the same code, type-checked
and translated. Python imports an extension before a `.py` of the same name, so a compiled module
that no longer matches its source would silently run old code. The build therefore writes `STAMP`
(each source's SHA-256), and `select_implementation` (run by the package's `__init__` before any of
these modules is imported) loads all three from source instead when:

- `EMS_PURE_PYTHON=1` is set (to compare the two, or to debug with Python's own tools);
- a source changed since the build (it warns: `pip install -e .` compiles again);
- there is no build (no C compiler at install, or a plain checkout on `PYTHONPATH`).

The three go together: a compiled `book` calls compiled `Block` and allocator code directly.
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

COMPILED_MODULES = ("allocation", "blocks", "book")
"""Module names in `engine.tickets` that the build compiles, in import order (each uses the one before)."""

STAMP = "native_build.json"
"""Written beside the compiled modules by the build: {"sources": {file name: sha256 hex}}."""

PURE_ENV = "EMS_PURE_PYTHON"


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


def choose(folder: Path, environ: Mapping[str, str]) -> Implementation:
    """Decide, from the files in `folder` and the environment, which implementation to use."""
    if environ.get(PURE_ENV) == "1":
        return Implementation(False, f"{PURE_ENV}=1")
    missing = [name for name in COMPILED_MODULES if _extension(folder, name) is None]
    if missing:
        return Implementation(False, "not compiled: " + ", ".join(f"{name}.py" for name in missing))
    try:
        stamp = json.loads((folder / STAMP).read_text())
        built = stamp["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return Implementation(False, f"the build left no readable {STAMP}")
    files = [f"{name}.py" for name in COMPILED_MODULES]
    changed = [file for file in files if built.get(file) != source_digest(folder / file)]
    if changed:
        return Implementation(False, f"{', '.join(changed)} changed since compiled; `pip install -e .` compiles again")
    return Implementation(True, "")


def select_implementation(package: str, folder: Path) -> Implementation:
    """Make the package's compiled modules importable only if `choose` says so; else load the sources."""
    chosen = choose(folder, os.environ)
    if chosen.compiled or all(_extension(folder, name) is None for name in COMPILED_MODULES):
        return chosen  # the normal import system finds the right files
    if "changed since compiled" in chosen.reason:
        warnings.warn(f"{package}: running the Python source: {chosen.reason}", RuntimeWarning, stacklevel=2)
    parent = sys.modules[package]
    for name in COMPILED_MODULES:
        qualified = f"{package}.{name}"
        spec = importlib.util.spec_from_file_location(qualified, folder / f"{name}.py")
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {folder / name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
        setattr(parent, name, module)
    return chosen
