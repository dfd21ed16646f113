"""Identifiers in canonical form: identity documents, ICE, RC, IF, taxe professionnelle, phones, e-mails."""

import re
from functools import lru_cache

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.ma import ice as stdnum_ice

from matching.places import standardise_court
from matching.text import fold_text, split_words
from matching.types import Ice, IdentityDocument, Phone, PhoneKind

# ---------------------------------------------------------------- identity documents

ID_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "CIN": (
        "CIN", "CNIE", "CNI", "CI", "CARTE NATIONALE", "CARTE NATIONALE D IDENTITE",
        "CARTE D IDENTITE NATIONALE", "CARTE D IDENTITE", "CARTE NATIONALE D IDENTITE ELECTRONIQUE",
    ),
    "PASSPORT": ("PASSEPORT", "PASSPORT", "PASS", "PP", "PSP"),
    "RESIDENCE_PERMIT": (
        "CARTE SEJOUR", "CARTE DE SEJOUR", "TITRE DE SEJOUR", "TITRE SEJOUR", "CS",
        "CARTE DE RESIDENT", "CARTE RESIDENT", "CARTE D IMMATRICULATION", "CARTE IMMATRICULATION",
    ),
    "DRIVING_LICENCE": ("PERMIS", "PERMIS DE CONDUIRE", "PC"),
}  # fmt: skip
"""Canonical identity document type to its spellings. The CNIE keeps the number of the CIN it replaces."""

OTHER_ID_TYPE = "OTHER"
"""Type given to a document whose type the source spelled in an unknown way."""

_ID_TYPE_OF_SPELLING: dict[str, str] = {
    spelling.replace(" ", ""): id_type for id_type, spellings in ID_TYPE_SPELLINGS.items() for spelling in spellings
}
_NUMBER_FORMATS: dict[str, re.Pattern[str]] = {
    "PASSPORT": re.compile(r"(?=.*\d)[A-Z0-9]{6,12}"),
    "RESIDENCE_PERMIT": re.compile(r"(?=.*\d)[A-Z0-9]{5,15}"),
    "DRIVING_LICENCE": re.compile(r"(?=.*\d)[A-Z0-9]{4,15}"),
}
# A CIN is one or two letters then the number; zeros typed before the number are not part of it.
_CIN = re.compile(r"([A-Z]{1,2})0*(\d{1,7})")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]+")
_DOTS_AND_APOSTROPHES = str.maketrans({".": "", "'": " "})


@lru_cache(maxsize=1024)
def standardise_id_type(raw: str) -> str:
    """Return the canonical identity document type (CIN, PASSPORT, RESIDENCE_PERMIT, …) of a raw type."""
    compact = "".join(split_words(fold_text(raw).translate(_DOTS_AND_APOSTROPHES)))
    return _ID_TYPE_OF_SPELLING.get(compact, OTHER_ID_TYPE)


_DOCUMENT_NUMBER = re.compile(r"^(\D*)(\d+)$")


def consecutive_numbers(number: str, other: str) -> bool:
    """Whether two document numbers were issued one after the other (BH418273, BH418274): what twins, registered
    together, hold. A typed digit lands anywhere, so one typo rarely looks like this."""
    a, b = _DOCUMENT_NUMBER.match(number), _DOCUMENT_NUMBER.match(other)
    return bool(a and b and a[1] == b[1] and abs(int(a[2]) - int(b[2])) == 1)


def compact_identifier(raw: str) -> str:
    """Return the upper-case letters and digits of a raw identifier, separators removed."""
    return _NOT_ALPHANUMERIC.sub("", fold_text(raw))


def parse_identity_document(id_type: str | None, raw_number: str) -> IdentityDocument | None:
    """Return the canonical document for a canonical type (None when unknown) and a raw number.

    A number without a type that reads as a CIN is taken as one; a CIN keeps its letters and loses
    the zeros typed before its number (be-012345 -> BE12345).
    """
    number = compact_identifier(raw_number)
    if not number:
        return None
    if id_type in (None, "CIN"):
        cin = _CIN.fullmatch(number)
        if cin:
            return IdentityDocument(id_type="CIN", number=cin[1] + cin[2], well_formed=True)
        return IdentityDocument(id_type=id_type, number=number, well_formed=id_type is None)
    number_format = _NUMBER_FORMATS.get(id_type)
    well_formed = number_format is None or number_format.fullmatch(number) is not None
    return IdentityDocument(id_type=id_type, number=number, well_formed=well_formed)


# ---------------------------------------------------------------- company identifiers

REGISTRY_LABEL_WORDS: frozenset[str] = frozenset(
    {"IF", "TP", "RC", "ICE", "N", "NO", "NUM", "NUMERO", "IDENTIFIANT", "FISCAL", "TAXE", "PROFESSIONNELLE",
     "PATENTE", "REGISTRE", "DE", "DU", "COMMERCE"}
)  # fmt: skip
"""Labels sources type before a register number (IF 39743482, T.P. N° 1234)."""


def parse_ice(raw: str) -> Ice | None:
    """Return the ICE split into its parts, or None when it is not 15 digits.

    Spreadsheets drop the leading zeros of an ICE; a shorter number is padded only when the
    padded number passes the check digits, so a truncated one is not mistaken for valid.
    """
    number = "".join(word for word in split_words(fold_text(raw).replace(".", "")) if word not in REGISTRY_LABEL_WORDS)
    if not number.isdigit() or len(number) > 15:
        return None
    if len(number) < 15:
        if not stdnum_ice.is_valid(number.zfill(15)):
            return None
        number = number.zfill(15)
    try:
        checksum_ok = bool(stdnum_ice.validate(number))
    except ValidationError:
        checksum_ok = False
    return Ice(
        number=number,
        company=number[:9],
        establishment=number[9:13],
        check=number[13:],
        checksum_ok=checksum_ok,
    )


def standardise_registry_number(raw: str) -> str | None:
    """Return the digits of a register number (IF, taxe professionnelle) without labels or leading zeros.

    None when the value holds no digit or other words than labels (such a value is not a number).
    """
    words = [word for word in split_words(fold_text(raw).replace(".", "")) if word not in REGISTRY_LABEL_WORDS]
    if not words or not all(word.isdigit() for word in words):
        return None
    return "".join(words).lstrip("0") or "0"


_LETTERS_OR_DIGITS = re.compile(r"[A-Z]+|[0-9]+")


def parse_rc_number(raw: str) -> tuple[str | None, str | None]:
    """Return (number, court) of an RC field; a court written next to the number is read too (12345/CASA)."""
    words = _LETTERS_OR_DIGITS.findall(fold_text(raw).replace(".", ""))
    digits = "".join(word for word in words if word.isdigit())
    court_words = [word for word in words if not word.isdigit() and word not in REGISTRY_LABEL_WORDS]
    if not digits:
        return None, None
    return digits.lstrip("0") or "0", standardise_court(" ".join(court_words)) if court_words else None


# ---------------------------------------------------------------- phones

_MOROCCO_COUNTRY_CODE = "212"
# Where clients abroad live, most first: a number they give in their host country's own notation (UK 07…, Belgian
# 04…) is read there, and one written with the country code but without its + (33612345678) too.
HOST_COUNTRIES = ("FR", "ES", "BE", "NL", "IT", "DE", "GB")
_HOST_COUNTRY_CODES = tuple(str(phonenumbers.country_code_for_region(region)) for region in HOST_COUNTRIES)
_HOST_COUNTRY_PREFIXES = tuple((f"+{code}", region) for code, region in zip(_HOST_COUNTRY_CODES, HOST_COUNTRIES,
                                                                           strict=True))
# A part of a phone field with fewer digits is a piece of one number (Belgian 0473/01 84 97), not a number.
_FEWEST_DIGITS_OF_A_NUMBER = 6


def _load_moroccan_metadata() -> phonenumbers.PhoneMetadata:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("MA")
    if metadata is None:
        raise RuntimeError("phonenumbers has no numbering plan for Morocco")
    return metadata


def _compile_moroccan_number_shape(metadata: phonenumbers.PhoneMetadata) -> re.Pattern[str]:
    """Return the plan's general description (9 digits from 5 to 8): a Moroccan number, allocated or not."""
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        raise RuntimeError("phonenumbers has no general description of Moroccan numbers")
    return re.compile(general.national_number_pattern)


def _compile_moroccan_line_kinds(metadata: phonenumbers.PhoneMetadata) -> re.Pattern[str]:
    """Return one pattern over the library's Moroccan national number patterns, in the order it
    classifies numbers, with a group named after the kind each one gives.

    Moroccan numbers are classified this way without a full parse: most phones in a feed are Moroccan
    and phonenumbers.parse costs tens of microseconds.
    """
    descriptions: tuple[tuple[phonenumbers.PhoneNumberDesc | None, PhoneKind], ...] = (
        (metadata.premium_rate, "other"),
        (metadata.toll_free, "other"),
        (metadata.shared_cost, "other"),
        (metadata.voip, "other"),
        (metadata.personal_number, "other"),
        (metadata.pager, "other"),
        (metadata.uan, "other"),
        (metadata.voicemail, "other"),
        (metadata.fixed_line, "fixed"),
        (metadata.mobile, "mobile"),
    )
    alternatives = [
        f"(?P<{kind}{index}>{description.national_number_pattern})"
        for index, (description, kind) in enumerate(descriptions)
        if description is not None and description.national_number_pattern
    ]
    return re.compile("|".join(alternatives))


_MOROCCO = _load_moroccan_metadata()
_MOROCCAN_LINE_KINDS = _compile_moroccan_line_kinds(_MOROCCO)
_MOROCCAN_NUMBER_SHAPE = _compile_moroccan_number_shape(_MOROCCO)
_KIND_OF_LEADING_DIGIT: dict[str, PhoneKind] = {"5": "fixed", "6": "mobile", "7": "mobile", "8": "other"}
_KIND_OF_GROUP: dict[str, PhoneKind] = {
    group: "mobile" if group.startswith("mobile") else "fixed" if group.startswith("fixed") else "other"
    for group in _MOROCCAN_LINE_KINDS.groupindex
}
_KIND_OF_NUMBER_TYPE: dict[int, PhoneKind] = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
}
_PHONE_LIST_SEPARATORS = re.compile(r"[/;,|]")
_NOT_DIGIT = re.compile(r"\D+")


def host_country_of_phone(number: str) -> str | None:
    """The host country of a phone in E.164 form, by its country code (+32 -> BE); None for another country's,
    Morocco's included, which clients abroad keep."""
    return next((region for prefix, region in _HOST_COUNTRY_PREFIXES if number.startswith(prefix)), None)


def split_phone_numbers(raw: str) -> list[str]:
    """Return the numbers of a phone field, which sources sometimes fill with several (06… / 05…); a separator
    with too few digits on a side is inside one number (0473/018497)."""
    if not _PHONE_LIST_SEPARATORS.search(raw):
        return [raw]
    parts = [part for part in _PHONE_LIST_SEPARATORS.split(raw) if part.strip()]
    if len(parts) > 1 and any(len(_NOT_DIGIT.sub("", part)) < _FEWEST_DIGITS_OF_A_NUMBER for part in parts):
        return [raw]
    return parts


def _dialled_internationally(raw: str, digits: str) -> bool:
    """Whether a number (its raw text and its digits) is written with an international prefix: + or 00."""
    return raw.lstrip().startswith("+") or digits.startswith("00")


def _host_code_without_plus(digits: str) -> bool:
    """Whether the digits read as a host country's code and a number, its + left out (33612345678)."""
    return digits.startswith(_HOST_COUNTRY_CODES) and 11 <= len(digits) <= 13


def _read_moroccan_national_number(raw: str) -> str | None:
    """Return the 9-digit Moroccan national number of a raw phone, or None when not a Moroccan form."""
    digits = _NOT_DIGIT.sub("", raw)
    if _dialled_internationally(raw, digits):
        digits = digits.removeprefix("00")
        if not digits.startswith(_MOROCCO_COUNTRY_CODE):
            return None
        digits = digits[3:]
    elif digits.startswith(_MOROCCO_COUNTRY_CODE) and len(digits) in (12, 13):
        digits = digits[3:]
    if len(digits) == 10 and digits.startswith("0"):  # trunk 0, also after the country code: +212 (0)6…
        digits = digits[1:]
    return digits if len(digits) == 9 else None


def _classify_moroccan_number(national: str) -> PhoneKind | None:
    line = _MOROCCAN_LINE_KINDS.fullmatch(national)
    return _KIND_OF_GROUP[line.lastgroup] if line and line.lastgroup else None


def _valid_number(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def _as_phone(parsed: phonenumbers.PhoneNumber) -> Phone:
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(number=number, kind=_KIND_OF_NUMBER_TYPE.get(phonenumbers.number_type(parsed), "other"))


def _host_country_number(raw: str) -> phonenumbers.PhoneNumber | None:
    """A number a Moroccan reading cannot explain, read as a host country writes it: its country code without the +,
    or its own notation for a mobile (a client abroad gives their own mobile; a junk number read as some country's
    landline or VoIP line would be evidence of nothing)."""
    digits = _NOT_DIGIT.sub("", raw)
    if _dialled_internationally(raw, digits):
        return None
    if _host_code_without_plus(digits):
        return _valid_number(f"+{digits}", "ZZ")
    if digits.startswith("0"):  # a single trunk 0: 00 is an international prefix, refused above
        for region in HOST_COUNTRIES:
            parsed = _valid_number(digits, region)
            if parsed is not None and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
                return parsed
    return None


def _dialled_abroad(raw: str) -> phonenumbers.PhoneNumber | None:
    """A number written with its country code (after + or 00, or a host country's without the +) and a possible length
    for that country, but outside the ranges the library knows: what the client wrote (a newer range, an overseas
    number under its country's code), still comparable as typed."""
    digits = _NOT_DIGIT.sub("", raw)
    if not (_dialled_internationally(raw, digits) or _host_code_without_plus(digits)):
        return None
    try:
        parsed = phonenumbers.parse(f"+{digits.removeprefix('00')}", "ZZ")
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


@lru_cache(maxsize=4096)  # the slow path: foreign and unusual numbers
def _parse_with_phonenumbers(raw: str) -> Phone | None:
    parsed = _valid_number(raw, "MA") or _host_country_number(raw)
    if parsed is not None:
        return _as_phone(parsed)
    dialled = _dialled_abroad(raw)
    if dialled is None:
        return None
    return Phone(number=phonenumbers.format_number(dialled, phonenumbers.PhoneNumberFormat.E164), kind="other",
                 allocated=False)


def parse_phone(raw: str) -> Phone | None:
    """Return the phone in E.164 form with its kind (mobile, fixed, other), or None when not a number.

    A Moroccan number outside the allocated ranges keeps the kind its first digit gives, marked as
    not allocated; a foreign number must be valid for the library, or written with its country code and of a
    possible length for that country (kept as ``other``, not allocated).
    """
    national = _read_moroccan_national_number(raw)
    if national is None:
        return _parse_with_phonenumbers(raw)
    number = f"+{_MOROCCO_COUNTRY_CODE}{national}"
    kind = _classify_moroccan_number(national)
    if kind:
        return Phone(number=number, kind=kind)
    if _MOROCCAN_NUMBER_SHAPE.fullmatch(national):
        return Phone(number=number, kind=_KIND_OF_LEADING_DIGIT[national[0]], allocated=False)
    return _parse_with_phonenumbers(raw)


# ---------------------------------------------------------------- e-mails

# Gmail delivers a.b.c+tag@gmail.com to abc@gmail.com: writing the mailbox that way loses nothing.
# Other providers (hotmail, yahoo, menara.ma …) treat dots as significant, so they are kept there.
_DOT_INSENSITIVE_DOMAINS: dict[str, str] = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def standardise_email(raw: str) -> str | None:
    """Return the e-mail as its canonical mailbox (trimmed, lower-cased), or None when malformed."""
    text = raw.strip().lower().removeprefix("mailto:").strip("<> ").rstrip(".")
    if not _EMAIL.fullmatch(text):
        return None
    local, domain = text.rsplit("@", 1)
    gmail_domain = _DOT_INSENSITIVE_DOMAINS.get(domain)
    if gmail_domain:
        local, domain = local.split("+", 1)[0].replace(".", ""), gmail_domain
    return f"{local}@{domain}" if local else None
