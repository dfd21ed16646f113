"""The field specification: the shipped default, and files that must stop the hub at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from config import Config
from hub import create_app
from mdm.cli import cli
from mdm.field_spec import FieldSpecError, load_field_spec

DEFAULT = Path(Config.FIELD_SPEC)


def test_the_default_specification_asks_the_identity_of_each_client() -> None:
    spec = load_field_spec(DEFAULT)
    assert spec.mandatory("person") == ("last_name", "first_name", "birth_date", "national_id", "phone", "city")
    assert spec.mandatory("organization") == ("company_name", "legal_form", "ice", "rc_number", "rc_court", "city",
                                              "phone")
    optional = {name for name, requirement in spec.requirements("person") if requirement == "optional"}
    assert {"email", "address_line", "civility"} <= optional


BAD_FILES = [
    (b'{"person": {"mandatory": ["last_name"]', "not valid JSON"),
    (b"\xff\xfe{}", "not valid JSON"),
    (b'["person"]', "must be a JSON object of party types"),
    (b'{"persons": {"mandatory": ["last_name"]}}', "unknown party type 'persons'"),
    (b'{"person": {"mandatory": ["phone"], "optional": ["phone"]}}', "'phone' is both mandatory and optional"),
    (b'{"person": {"required": ["phone"]}}', "unknown requirement 'required'"),
    (b'{"person": {"mandatory": ["phone", 7]}}', "holds 7, which is not a field name"),
    (b'{"person": {"mandatory": "phone"}}', "must be a list of field names"),
    (b'{"person": ["phone"]}', "must be an object of requirements"),
    (b'{"person": {"mandatory": ["phone"]}, "person": {"optional": []}}', "appears more than once"),
    (b'{"person": {"optional": ["adress_line"]}}', "'adress_line', which is not a field of the record format"),
    (b'{"organization": {"mandatory": ["code_parrain"]}}', "'code_parrain', which is not a field of the record format"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_a_bad_file_is_refused_with_its_name_and_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "spec.json"
    path.write_bytes(content)
    with pytest.raises(FieldSpecError) as refused:
        load_field_spec(path)
    assert str(path) in str(refused.value)
    assert problem in str(refused.value)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FieldSpecError, match="cannot be read"):
        load_field_spec(tmp_path / "absent.json")


@pytest.fixture
def bad_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bad-spec.json"
    path.write_text('{"person": {"mandatory": ["phone"], "optional": ["phone"]}}')
    monkeypatch.setattr(Config, "FIELD_SPEC", str(path))
    return path


def test_the_hub_does_not_start_with_a_bad_specification(bad_spec: Path, tmp_path: Path) -> None:
    with pytest.raises(FieldSpecError, match="both mandatory and optional"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}", "TESTING": True})
    assert not (tmp_path / "never.sqlite3").exists()


def test_the_command_line_does_not_start_with_a_bad_specification(bad_spec: Path) -> None:
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code != 0
    assert str(bad_spec) in result.output and "both mandatory and optional" in result.output
