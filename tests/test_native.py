"""Compiled copies of the hub's modules run only while they are copies of the sources as they are now."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import json
import pickle
import sys
from datetime import date
from pathlib import Path

import pytest

import matching.standardise
import native
from matching.dates import BirthDateWindow
from mdm.survivorship import FieldRule


def _stamped(folder: Path, stamp: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "sources.json").write_text(json.dumps(stamp))
    return folder


def test_copies_of_the_current_sources_come_first_on_the_package_path(tmp_path: Path) -> None:
    folder = _stamped(tmp_path / "current", native.fingerprint())
    try:
        assert native.search_path("matching", ["sources"], folder) == [str(folder / "matching"), "sources"]
        assert str(folder) in sys.path  # the library the compiled modules share is found there
    finally:
        sys.path.remove(str(folder))


def test_copies_of_an_edited_source_are_not_run_and_the_hub_says_why(tmp_path: Path) -> None:
    stamp = native.fingerprint()
    stamp[native.COMPILED[0]] = "0" * 64  # compiled before its source was edited
    folder = _stamped(tmp_path / "stale", stamp)
    with pytest.warns(RuntimeWarning, match="older than their sources"):
        assert native.search_path("matching", ["sources"], folder) == ["sources"]
    assert str(folder) not in sys.path


def test_copies_made_by_another_interpreter_or_never_made_are_not_run(tmp_path: Path) -> None:
    folder = _stamped(tmp_path / "other", {**native.fingerprint(), "python": "cpython-399"})
    with pytest.warns(RuntimeWarning):
        assert native.search_path("mdm", ["sources"], folder) == ["sources"]
    assert native.search_path("mdm", ["sources"], tmp_path / "never") == ["sources"]


def test_mdm_interpreted_runs_the_sources_whatever_was_compiled(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _stamped(tmp_path / "current", native.fingerprint())
    monkeypatch.setenv("MDM_INTERPRETED", "1")
    native.current.cache_clear()
    try:
        assert native.search_path("matching", ["sources"], folder) == ["sources"]
    finally:
        native.current.cache_clear()


def test_the_hub_runs_the_compiled_readers_exactly_when_their_copies_are_current() -> None:
    loaded = Path(str(matching.standardise.__file__))
    if native.current():
        assert loaded.parent == native.FOLDER / "matching" and loaded.suffix == ".so"
    else:  # no C compiler here, or MDM_INTERPRETED
        assert loaded == native.ROOT / "matching" / "standardise.py"


def _frozen_dataclasses() -> list[type]:
    classes: list[type] = []
    for path in native.COMPILED:
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        classes += [value for value in vars(module).values()
                    if isinstance(value, type) and value.__module__ == module.__name__
                    and dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen]  # type: ignore[attr-defined]
    return classes


@pytest.mark.parametrize("frozen", _frozen_dataclasses(), ids=lambda frozen: frozen.__qualname__)
def test_every_frozen_dataclass_of_a_compiled_module_is_made_again_by_its_constructor_when_pickled(
        frozen: type) -> None:
    # Compiled, the default way would set attributes the class refuses: a pool worker could not read its task.
    assert "__reduce__" in vars(frozen)


def test_frozen_values_handed_to_workers_or_copied_with_the_configuration_come_back_equal() -> None:
    window = BirthDateWindow(date(1910, 1, 1))
    rule = FieldRule(("trust", "recency"), ("CRM",))
    for value in (window, rule):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(window)).holds(date(1911, 1, 1))
    assert pickle.loads(pickle.dumps(rule)).ranks == rule.ranks  # derived again by the constructor
