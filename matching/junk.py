"""Placeholder values recognised by rule (values shared by too many clients are found in ``features``)."""

import re
from datetime import date
from functools import lru_cache

PLACEHOLDER_WORDS: frozenset[str] = frozenset(
    {
        "INCONNU", "INCONNUE", "NEANT", "NC", "ND", "NA", "NR", "NON", "NONE", "NULL", "VIDE", "RIEN",
        "AUCUN", "AUCUNE", "SANS", "PAS", "RAS", "TEST", "TESTS", "ESSAI", "DUMMY", "FICTIF",
        "CLIENT", "CLIENTS", "DIVERS", "PASSAGE", "ANONYME", "NOM", "PRENOM", "ADRESSE", "COMPLETER",
        "COMMUNIQUE", "COMMUNIQUEE", "RENSEIGNE", "RENSEIGNEE", "INDEFINI", "NAN",
    }
)  # fmt: skip
"""Words operators type into a mandatory text field they cannot fill (folded), and what spreadsheet and data-frame
exports write in an empty cell (NaN, None, NULL)."""

PLACEHOLDER_BIRTH_DATES: frozenset[date] = frozenset({
    date(1900, 1, 1), date(1901, 1, 1),
    # What software writes for an empty date: day zero of spreadsheets (30/12/1899, and 31/12/1899 for the
    # "00/01/1900" of Excel), the smallest SQL Server datetime and the smallest date of most languages.
    date(1899, 12, 30), date(1899, 12, 31), date(1753, 1, 1), date(1, 1, 1),
})
"""Dates typed for an unknown birth date, or left by software for an empty one. 01/01/1970 is not among them:
Moroccan civil registers give 1 January to people whose day of birth is unknown, so it is a real date for many
clients; when a feed overuses it, the frequency detector finds it."""

EMAIL_PLACEHOLDER_LOCAL_PARTS: frozenset[str] = frozenset(
    {
        "nc", "na", "nd", "non", "none", "no", "null", "aucun", "aucune", "neant", "rien", "vide",
        "inconnu", "test", "tests", "essai", "email", "mail", "noemail", "nomail", "pasdemail",
        "pasdadresse", "sansemail", "sansmail", "sans", "pas", "client", "exemple", "example", "abc",
    }
)  # fmt: skip
"""Local parts (dots, dashes and underscores removed) of invented addresses."""

EMAIL_PLACEHOLDER_DOMAINS: frozenset[str] = frozenset(
    {
        "nc.com", "nc.ma", "test.com", "test.ma", "example.com", "example.org", "exemple.com",
        "noemail.com", "nomail.com", "aucun.com", "neant.com", "inconnu.com", "domain.com",
    }
)  # fmt: skip
"""Domains that receive no client mail."""

NO_REPLY_PREFIXES: tuple[str, ...] = ("noreply", "donotreply", "nepasrepondre")
"""Compacted local-part prefixes of automatic senders, which are never a client's mailbox."""

_ASCENDING_DIGITS = "0123456789" * 3
_DESCENDING_DIGITS = "9876543210" * 3
_MIN_SEQUENCE = 6  # shorter runs (RC 1234) are real numbers
_LOCAL_PART_SEPARATORS = re.compile(r"[._-]+")
_NOT_DIGIT = re.compile(r"\D+")


def _is_one_repeated_character(text: str) -> bool:
    return bool(text) and text.count(text[0]) == len(text)


def _is_digit_sequence(digits: str) -> bool:
    return len(digits) >= _MIN_SEQUENCE and (digits in _ASCENDING_DIGITS or digits in _DESCENDING_DIGITS)


def is_placeholder_text(words: tuple[str, ...]) -> bool:
    """Tell whether folded words (a name, an address) hold no information: NEANT, X, XX, "-", CLIENT TEST."""
    return all(word in PLACEHOLDER_WORDS or word.isdigit() or _is_one_repeated_character(word) for word in words)


def is_placeholder_phone(raw: str) -> bool:
    """Tell whether a phone is invented: one repeated digit, a run (0612345678), or a two-digit pattern."""
    digits = _NOT_DIGIT.sub("", raw)
    if not digits or _is_one_repeated_character(digits):
        return True
    subscriber = digits[-8:]  # what follows the operator prefix: 06|00000000, 06|12345678
    return (
        _is_one_repeated_character(subscriber)
        or _is_one_repeated_character(subscriber[1:])
        or _is_digit_sequence(subscriber)
        or subscriber == subscriber[:2] * 4
    )


def is_placeholder_email(email: str) -> bool:
    """Tell whether a canonical e-mail is invented: nc@nc.com, test@test.com, xx@xx.xx, aucun@…, no-reply@…."""
    local, _, domain = email.partition("@")
    compact_local = _LOCAL_PART_SEPARATORS.sub("", local)
    domain_label = domain.split(".", 1)[0]
    return (
        compact_local in EMAIL_PLACEHOLDER_LOCAL_PARTS
        or compact_local.startswith(NO_REPLY_PREFIXES)
        or _is_one_repeated_character(compact_local)
        or domain in EMAIL_PLACEHOLDER_DOMAINS
        or _is_one_repeated_character(domain_label)
        or local == domain_label
    )


def is_placeholder_birth_date(value: date, today: date) -> bool:
    """Tell whether a birth date is invented: a known placeholder, one digit repeated (11/11/1111), or not before
    the day it was recorded."""
    return value >= today or _invented_date(value)


@lru_cache(maxsize=1 << 16)
def _invented_date(value: date) -> bool:
    # Cached by date: clients' birth dates repeat (a few tens of thousands of days), millions of records name them.
    return value in PLACEHOLDER_BIRTH_DATES or _is_one_repeated_character(_NOT_DIGIT.sub("", value.isoformat()))


def is_placeholder_postal_code(code: str) -> bool:
    """Tell whether a compact postal code is invented: one repeated character (00000, 99999)."""
    return _is_one_repeated_character(code)


def is_placeholder_document_number(number: str) -> bool:
    """Tell whether an identity document number (compact) is invented: AA000000, X000000, 123456."""
    digits = _NOT_DIGIT.sub("", number)
    return not digits or _is_one_repeated_character(digits) or _is_digit_sequence(digits)


def is_placeholder_registry_number(digits: str) -> bool:
    """Tell whether a register number (ICE, RC, IF, taxe professionnelle digits) is invented."""
    return _is_one_repeated_character(digits) or _is_digit_sequence(digits)


def is_placeholder_ice(number: str) -> bool:
    """Tell whether a 15-digit ICE is invented: repeated digits, a run, or a company part of zeros."""
    return is_placeholder_registry_number(number) or _is_one_repeated_character(number[:9])
