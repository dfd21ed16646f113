"""The hub's hottest pure-Python modules compiled to C by mypyc (mypy's compiler, which reads the type hints the code
already has), and the check that runs them only while they are copies of the sources as they are now.

A full run and a bulk load spend their time in per-record Python spread over many modules (reading values,
survivorship, movements, the capture journal): no single step dominates, so no single rewrite helps much. Compiled,
they cost a full run's workers a fifth less processor time. ``python -m native`` (``make install`` runs it) compiles
the modules of ``COMPILED`` into ``.native/``, outside the source tree, with a stamp of the sources it compiled.
``matching`` and ``mdm`` look in ``.native/`` first only while every compiled source is unchanged since: an edited
module runs from its source, never from a stale copy, and so does everything on a machine without a C compiler.
``MDM_INTERPRETED=1`` runs the sources whatever was compiled.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import warnings
from contextlib import chdir
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
FOLDER = ROOT / ".native"
# Modules of per-record work. Left out: what tests run with collaborators replaced (``mdm/resolution``, the search
# index), since compiled code calls compiled functions directly, past any replacement; Flask, the CLI and reports.
# A compiled module finds its data files from ROOT: its own __file__ is in .native/.
COMPILED = (
    "matching/standardise.py", "matching/names.py", "matching/given_names.py", "matching/identifiers.py",
    "matching/junk.py", "matching/places.py", "matching/text.py", "matching/dates.py", "matching/features.py",
    "matching/blocking.py", "matching/comparisons.py", "matching/distinct.py", "matching/model.py",
    "matching/fellegi_sunter.py", "matching/clustering.py", "matching/settled_apart.py", "matching/uncertain.py",
    "matching/findings.py", "matching/pipeline.py", "matching/online.py",
    "mdm/validation.py", "mdm/text_rules.py", "mdm/intake.py", "mdm/bulk_load.py", "mdm/source_records.py",
    "mdm/capture_journal.py", "mdm/record_findings.py", "mdm/value_findings.py", "mdm/points_of_sale.py",
    "mdm/resolved_records.py", "mdm/rendered_rows.py", "mdm/version_spool.py", "mdm/survivorship.py",
    "mdm/client_portfolio.py", "mdm/movements.py", "mdm/golden_records.py", "mdm/golden_history.py",
    "mdm/audit.py", "mdm/events.py",
)
_STAMP = "sources.json"  # in the folder of the compiled copies

Rebuilt = tuple[type, tuple[Any, ...]]
"""What ``__reduce__`` answers: a class and the arguments that make the instance again."""


def rebuilt(instance: Any) -> Rebuilt:
    """How a frozen dataclass of a compiled module pickles and copies: made again by its constructor. mypyc's own
    way sets each attribute on an empty object, which a frozen class refuses: a deep copy fails, and a pool worker
    that cannot unpickle its task leaves the pool waiting forever. Every such class answers this as its
    ``__reduce__``."""
    return type(instance), tuple(getattr(instance, field.name) for field in fields(instance) if field.init)


def fingerprint() -> dict[str, str]:
    """What compiled copies are made from: the interpreter, and the digest of each source."""
    return {"python": sys.implementation.cache_tag or "",
            **{path: hashlib.sha256((ROOT / path).read_bytes()).hexdigest() for path in COMPILED}}


@lru_cache(maxsize=4)
def current(folder: Path = FOLDER) -> bool:
    """Whether compiled copies exist in ``folder`` and were made by this interpreter from the sources as they are
    now."""
    if os.environ.get("MDM_INTERPRETED"):
        return False
    made_from = _made_from(folder)
    if made_from is None:
        return False  # never compiled here
    if made_from != fingerprint():
        warnings.warn("the compiled modules in .native/ are older than their sources, which run instead (slower): "
                      "`make install` compiles them again", RuntimeWarning, stacklevel=2)
        return False
    return True


def _made_from(folder: Path) -> dict[str, str] | None:
    """The stamp of the copies in ``folder``: what they were compiled from (None: nothing compiled there)."""
    try:
        return dict(json.loads((folder / _STAMP).read_text()))
    except (OSError, ValueError):
        return None


def search_path(package: str, path: list[str], folder: Path = FOLDER) -> list[str]:
    """A package's module search path (its ``__path__``), with its compiled modules in ``folder`` first when they
    are current. Every compiled module or none: compiled modules call each other's compiled code directly."""
    if not current(folder):
        return path
    if str(folder) not in sys.path:
        sys.path.append(str(folder))  # where the library shared by the compiled modules lies
    return [str(folder / package), *path]


def build() -> bool:
    """Compile the modules of ``COMPILED`` into ``.native/`` unless their copies there are current; answers whether
    compiled copies are in use. A failure (no C compiler, no mypyc) leaves the sources to run, and says so."""
    made_from = fingerprint()  # the sources as compiled: one edited meanwhile runs from its source
    if _made_from(FOLDER) == made_from:
        return current()
    shutil.rmtree(FOLDER, ignore_errors=True)
    try:
        from mypyc.build import mypycify
        from setuptools import setup

        with chdir(ROOT):
            setup(name="hub-native", script_args=[
                "--quiet", "build_ext", "--build-lib", str(FOLDER), "--build-temp", str(FOLDER / "objects"),
                "--parallel", str(os.cpu_count() or 1)],
                ext_modules=mypycify(list(COMPILED), multi_file=True, target_dir=str(FOLDER / "c")))
    except (Exception, SystemExit) as failure:  # setuptools exits on a compiler error
        shutil.rmtree(FOLDER, ignore_errors=True)
        print(f"NOTE: the hub's modules were not compiled ({failure}); they run from their sources, slower.",
              file=sys.stderr)
        return False
    for scratch in ("objects", "c"):
        shutil.rmtree(FOLDER / scratch, ignore_errors=True)
    (FOLDER / _STAMP).write_text(json.dumps(made_from, indent=1))
    current.cache_clear()
    return current()


if __name__ == "__main__":
    print("compiled modules in use" if build() else "the modules run from their sources")
