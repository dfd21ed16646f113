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
    "birth_date": "impossible_date",  # unreadable, not a calendar date, or before 1900
    "national_id": "malformed_document_number",  # e.g. a CIN that is not one or two letters and digits
    "id_type": "unknown_document_type",
    "civility": "unknown_civility",
    "phone": "not_a_phone_number",  # unreadable, or a Moroccan number in a range the numbering plan does not allocate
    "phone_alt": "not_a_phone_number",
    "email": "malformed_email",
    "postal_code": "malformed_postal_code",
    "legal_form": "unknown_legal_form",
    "rc_number": "malformed_registry_number",
    "tax_id": "malformed_registry_number",
    "professional_tax_number": "malformed_registry_number",
}
ICE_CHECK_DIGITS, ICE_LENGTH = "ice_check_digits", "ice_not_15_digits"

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
    return _rule_findings(record.junk_fields, record.invalid_fields, record.ice is not None)


@lru_cache(maxsize=4096)
def _rule_findings(junk: frozenset[FieldName], invalid: frozenset[FieldName], ice_read: bool,
                   ) -> tuple[Finding, ...]:
    # Records share a few combinations of flagged fields: one tuple each, not one per record.
    placeholders = [Finding(field, PLACEHOLDER_RULE, None) for field in sorted(junk)]
    malformed = [Finding(field, INVALID, _invalid_rule(field, ice_read)) for field in sorted(invalid)]
    return tuple(placeholders + malformed)


def _invalid_rule(field: FieldName, ice_read: bool) -> str | None:
    if field == "ice":  # 15 digits whose check digits fail are read; anything else is not an ICE at all
        return ICE_CHECK_DIGITS if ice_read else ICE_LENGTH
    return INVALID_RULES.get(field)


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
