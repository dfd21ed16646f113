"""The field specification: per party type, which fields a capture must fill (mandatory) and which it may leave
empty (optional). The data-quality journal measures missing values against it; ``MDM_FIELD_SPEC`` names the file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from config import Config
from matching.strict_json import load_strict_json_file
from mdm.reports import PARTY_TYPES
from mdm.validation import RECORD_FORMAT_FIELDS

MANDATORY, OPTIONAL = "mandatory", "optional"
REQUIREMENTS = (MANDATORY, OPTIONAL)


class FieldSpecError(ValueError):
    """The specification file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Each party type's fields in file order: mandatory first, then optional."""

    fields: dict[str, tuple[tuple[str, str], ...]]  # party type -> ((field, requirement), ...)

    def requirements(self, party_type: str) -> tuple[tuple[str, str], ...]:
        return self.fields.get(party_type, ())

    def mandatory(self, party_type: str) -> tuple[str, ...]:
        return tuple(name for name, requirement in self.requirements(party_type) if requirement == MANDATORY)


def load_field_spec(path: str | Path) -> FieldSpec:
    """Read and check a specification file: {party type: {"mandatory": [field, ...], "optional": [...]}}. Strict
    JSON: a party type or requirement written twice has no single meaning."""
    return load_strict_json_file(path, "field specification", _checked, FieldSpecError)


def _checked(document: object) -> FieldSpec:
    if not isinstance(document, dict):
        raise ValueError("must be a JSON object of party types (person, organization)")
    fields: dict[str, tuple[tuple[str, str], ...]] = {}
    for party_type, requirements in document.items():
        if party_type not in PARTY_TYPES:
            raise ValueError(f"unknown party type {party_type!r} (expected {' or '.join(PARTY_TYPES)})")
        if not isinstance(requirements, dict):
            raise ValueError(f"{party_type} must be an object of requirements ({' and '.join(REQUIREMENTS)})")
        if unknown := sorted(set(requirements) - set(REQUIREMENTS)):
            raise ValueError(f"{party_type} has an unknown requirement {unknown[0]!r} (expected "
                             f"{' or '.join(REQUIREMENTS)})")
        seen: dict[str, str] = {}
        for requirement in REQUIREMENTS:
            for name in _field_names(party_type, requirement, requirements.get(requirement, [])):
                if name in seen:
                    both = "both mandatory and optional" if seen[name] != requirement else f"twice {requirement}"
                    raise ValueError(f"{party_type} field {name!r} is {both}")
                seen[name] = requirement
        fields[party_type] = tuple(seen.items())
    return FieldSpec(fields)


def _field_names(party_type: str, requirement: str, names: object) -> list[str]:
    if not isinstance(names, list):
        raise ValueError(f"{party_type} {requirement} must be a list of field names")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{party_type} {requirement} holds {json.dumps(name)}, which is not a field name")
        # The journal counts the fields of the record format only; any other name is most likely a misspelling.
        if name not in RECORD_FORMAT_FIELDS:
            raise ValueError(f"{party_type} {requirement} names {name!r}, which is not a field of the record format")
    return names


@lru_cache(maxsize=4)
def _load_once(path: str) -> FieldSpec:
    return load_field_spec(path)


def configured_field_spec() -> FieldSpec:
    """The specification ``MDM_FIELD_SPEC`` names (the shipped default otherwise), read once per file."""
    return _load_once(str(Config.FIELD_SPEC))
