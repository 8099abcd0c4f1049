"""Build hook: compiles the engine's hot leaf modules with mypyc (the groups in engine/native.py).

The modules stay plain Python; mypyc (part of mypy, which type-checks this project anyway) translates
them to C extensions: `bench.tickets` runs about 1.5x faster, the FIX framer and validator and the
Cont-Kukanov solver 1.2-1.7x. A build without a C compiler, without mypy, or with EMS_PURE_PYTHON=1
installs the Python source alone, with a warning.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def _native() -> ModuleType:
    """engine/native.py on its own (stdlib only): the groups, stamp name and digest."""
    spec = importlib.util.spec_from_file_location("_ems_native", Path("engine/native.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


native = _native()


class OptionalNativeBuild(build_ext):
    """Builds the extensions and stamps each group's sources' digests; on failure warns and installs Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # any compiler failure: the Python source works as it is
            print(f"warning: mypyc build failed ({error}); the engine runs as Python", file=sys.stderr)
            return
        if not self.extensions:
            return
        for group in native.GROUPS:
            target = Path(self.get_ext_fullpath(f"{group.package}.{group.modules[0]}")).parent
            sources = {f"{name}.py": native.source_digest(group.folder / f"{name}.py") for name in group.modules}
            target.mkdir(parents=True, exist_ok=True)
            (target / native.STAMP).write_text(json.dumps({"sources": sources}, indent=1) + "\n")


def native_extensions() -> list[Extension]:
    if os.environ.get(native.PURE_ENV) == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("warning: mypy/mypyc not available; the engine runs as Python", file=sys.stderr)
        return []
    extensions: list[Extension] = []
    for group in native.GROUPS:  # one mypyc group each: a group's modules call each other directly
        paths = [str(group.folder / f"{name}.py") for name in group.modules]
        extensions += mypycify(paths, opt_level="3", group_name=group.name)
    return extensions


setup(ext_modules=native_extensions(), cmdclass={"build_ext": OptionalNativeBuild})
