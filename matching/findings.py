"""What is wrong with a record's values, as a data-quality finding per field: a placeholder recognised by rule, a
placeholder found by frequency (a value shared by implausibly many clients), or a malformed value and the rule it
breaks. Read from what standardisation and the feature table already computed, never by reading a record again."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from matching.standardise import StandardisedRecord
from matching.types import FieldName

PLACEHOLDER_RULE, PLACEHOLDER_FREQUENCY, INVALID = "placeholder_rule", "placeholder_frequency", "invalid"
KINDS = (PLACEHOLDER_RULE, PLACEHOLDER_FREQUENCY, INVALID)

# The rule a malformed value of each field breaks.
INVALID_RULES: dict[FieldName, str] = {
    "birth_date": "impossible_date",  # unreadable, or not a calendar date
    "national_id": "malformed_document_number",  # e.g. a CIN that is not one or two letters and digits
    "id_type": "unknown_document_type",
    "civility": "unknown_civility",
    "phone": "not_a_phone_number",  # unreadable, or a Moroccan number in a range the numbering plan does not allocate
    "phone_alt": "not_a_phone_number",
    "email": "malformed_email",
    "postal_code": "malformed_postal_code",  # no postal code of any country
    "legal_form": "unknown_legal_form",
    "rc_number": "malformed_registry_number",
    "tax_id": "malformed_registry_number",
    "professional_tax_number": "malformed_registry_number",
    "ice": "ice_not_15_digits",  # 15 digits whose check digits fail are read (below); anything else is no ICE
}
# The rule broken by a value that is kept, as still good evidence, although it breaks one: an ICE read whose check
# digits fail, a real birth date before the plausible window (an old register's), a postal code of another country.
KEPT_INVALID_RULES: dict[FieldName, str] = {
    "ice": "ice_check_digits",
    "birth_date": "birth_date_outside_window",
    "postal_code": "not_a_moroccan_postal_code",
}

# The record field each frequency-checked feature reads, and the name its placeholders are reported under: the
# phone features hold one kind of value (a placeholder in one is one in all), read from phone or phone_alt.
FREQUENCY_FIELDS: dict[str, tuple[FieldName, str]] = {
    "national_id": ("national_id", "national_id"),
    "mobile_1": ("phone", "phone"), "mobile_2": ("phone", "phone"), "fixed_1": ("phone", "phone"),
    "fixed_2": ("phone", "phone"), "phone_1": ("phone", "phone"), "phone_2": ("phone", "phone"),
    "email": ("email", "email"), "ice": ("ice", "ice"), "ice_establishment": ("ice", "ice_establishment"),
    "registry": ("rc_number", "registry"), "tax_id": ("tax_id", "tax_id"),
    "professional_tax_number": ("professional_tax_number", "professional_tax_number"),
    "birth_date": ("birth_date", "birth_date"),
}  # fmt: skip
# typed_national_id is left out: its value is the national id with its type, overused only when the id is too.


class Finding(NamedTuple):
    field: FieldName
    kind: str
    rule: str | None  # invalid: the rule broken; by frequency: the feature that found it; by rule: None
    value: str | None = None  # by frequency: the shared value


NO_FINDINGS: tuple[Finding, ...] = ()


def rule_findings(record: StandardisedRecord) -> tuple[Finding, ...]:
    """The placeholders by rule and the malformed values of one standardised record."""
    if not record.junk_fields and not record.invalid_fields:
        return NO_FINDINGS
    read = {"ice": record.ice, "birth_date": record.birth_date, "postal_code": record.postal_code}
    kept = frozenset(field for field, value in read.items() if value is not None and field in record.invalid_fields)
    return _rule_findings(record.junk_fields, record.invalid_fields, kept)


@lru_cache(maxsize=4096)
def _rule_findings(junk: frozenset[FieldName], invalid: frozenset[FieldName], kept: frozenset[FieldName],
                   ) -> tuple[Finding, ...]:
    # Records share a few combinations of flagged fields: one tuple each, not one per record.
    placeholders = [Finding(field, PLACEHOLDER_RULE, None) for field in sorted(junk)]
    malformed = [Finding(field, INVALID, _invalid_rule(field, field in kept)) for field in sorted(invalid)]
    return tuple(placeholders + malformed)


def _invalid_rule(field: FieldName, kept: bool) -> str | None:
    return KEPT_INVALID_RULES[field] if kept and field in KEPT_INVALID_RULES else INVALID_RULES.get(field)


def frequency_findings(blanked: dict[str, tuple[list[int], list[str]]]) -> Iterator[tuple[int, Finding]]:
    """(position, finding) of every value blanked as a placeholder by frequency (``FeatureTable.blanked``), one per
    record, field and reported name."""
    seen: set[tuple[int, str, str]] = set()
    for feature, (positions, values) in blanked.items():
        if feature not in FREQUENCY_FIELDS:
            continue
        field, name = FREQUENCY_FIELDS[feature]
        for position, value in zip(positions, values, strict=True):
            if (position, name, value) not in seen:
                seen.add((position, name, value))
                yield position, Finding(field, PLACEHOLDER_FREQUENCY, name, value)
