"""The standardised record: one source record in the canonical form that blocking and comparison use."""

from datetime import date, datetime
from functools import lru_cache
from typing import Literal, NamedTuple

from matching.dates import DEFAULT_BIRTH_DATE_WINDOW, BirthDateWindow, choose_birth_dates, read_date
from matching.identifiers import (
    OTHER_ID_TYPE,
    compact_identifier,
    parse_ice,
    parse_identity_document,
    parse_phone,
    parse_rc_number,
    split_phone_numbers,
    standardise_email,
    standardise_id_type,
    standardise_registry_number,
)
from matching.junk import (
    is_placeholder_birth_date,
    is_placeholder_document_number,
    is_placeholder_email,
    is_placeholder_ice,
    is_placeholder_phone,
    is_placeholder_postal_code,
    is_placeholder_registry_number,
    is_placeholder_text,
)
from matching.names import (
    GENDER_OF_CIVILITY,
    CompanyName,
    PersonName,
    choose_legal_form,
    parse_company_name,
    parse_person_name,
    sort_name_keys,
    standardise_civility,
    standardise_legal_form,
)
from matching.places import (
    find_postal_code,
    is_moroccan_postal_code,
    parse_address,
    standardise_city,
    standardise_court,
    standardise_postal_code,
)
from matching.text import fold_text
from matching.types import FieldName, Ice, RawRecord


class StandardisedRecord(NamedTuple):
    """Everything blocking and comparison need from one source record version, in canonical form. An immutable
    value; a named tuple rather than a frozen dataclass because a full run builds a million of them, and a frozen
    dataclass sets each of its 33 fields through ``object.__setattr__`` (6 µs a record instead of 2).

    A value recognised as a placeholder is None here and its source field is named in ``junk_fields``;
    a value that is present but malformed is named in ``invalid_fields`` (and kept only where a
    malformed value can still be compared: a national id of unknown format, an ICE apart in
    ``ice_invalid``, a birth date before the plausible window, a postal code of another country).
    """

    party_type: str | None
    # person
    civility: str | None
    gender: str | None
    first_name: str | None
    last_name: str | None
    first_name_key: str | None
    family_name_key: str | None
    name_tokens: tuple[str, ...]
    name_keys: frozenset[str]
    name_sorted_key: str | None
    birth_date: date | None
    birth_date_swapped: date | None
    id_type: str | None
    national_id: str | None
    # contact
    mobile_phones: tuple[str, ...]
    """Mobile numbers in E.164 form: personal lines, strong evidence."""
    fixed_phones: tuple[str, ...]
    """Every other number in E.164 form (fixed lines, VoIP, service numbers): shared by a household or
    by the companies of one business centre, weak evidence."""
    email: str | None
    address_tokens: tuple[str, ...]
    city: str | None
    postal_code: str | None
    # organisation
    company_name_tokens: tuple[str, ...]
    """Company name words, legal form and company stop words removed."""
    trade_name_tokens: tuple[str, ...]
    legal_form: str | None
    contact_name_key: str | None
    ice: Ice | None
    ice_invalid: str | None
    rc_number: str | None
    rc_court: str | None
    tax_id: str | None
    professional_tax_number: str | None
    # data quality
    junk_fields: frozenset[FieldName]
    invalid_fields: frozenset[FieldName]
    # Fields beyond the standard ones that the match settings compare, folded: (field, value) when present.
    extra: tuple[tuple[FieldName, str], ...] = ()

    @property
    def birth_date_ambiguous(self) -> bool:
        """True when the source format leaves day and month interchangeable."""
        return self.birth_date_swapped is not None

    @property
    def address(self) -> str | None:
        """The canonical address line."""
        return " ".join(self.address_tokens) or None

    @property
    def company_name(self) -> str | None:
        """The canonical company name."""
        return " ".join(self.company_name_tokens) or None

    @property
    def company_name_key(self) -> str | None:
        """The company name without spaces: AL BARAKA and ALBARAKA agree."""
        return "".join(self.company_name_tokens) or None

    @property
    def trade_name(self) -> str | None:
        """The canonical trade name (enseigne)."""
        return " ".join(self.trade_name_tokens) or None


Verdict = Literal["junk", "invalid"] | None
"""What a field reader found wrong with a present value: a placeholder, a malformed value, or nothing."""

JUNK: Verdict = "junk"
INVALID: Verdict = "invalid"

PARTY_TYPES: dict[str, str] = {
    "person": "person",
    "personne": "person",
    "pp": "person",
    "organization": "organization",
    "organisation": "organization",
    "pm": "organization",
}
"""Party type spellings (lower-case) to the contract's party types; PP and PM are personne physique/morale."""

_NO_NAME = PersonName(tokens=(), units=(), keys=(), civility=None)
_NO_COMPANY = CompanyName(name=None, tokens=(), key=None, legal_form=None)
_NO_FIELDS: frozenset[FieldName] = frozenset()

# Field readers: each takes the stripped text of one field and returns the canonical value with its
# verdict. They are cached on the raw text because feeds repeat values (names, cities, placeholders).


def _written_as_initials(text: str, name: PersonName) -> bool:
    # J. or J.-P. or J P: initials, not a placeholder such as X or X X, which repeats one letter without a dot.
    return bool(name.tokens) and all(len(word) == 1 for word in name.tokens) and (
        "." in text or len(set(name.tokens)) > 1)


@lru_cache(maxsize=1 << 16)
def read_person_name(text: str) -> tuple[PersonName, Verdict]:
    """Read a first, last, full or contact name field."""
    name = parse_person_name(text)
    if is_placeholder_text(name.tokens) and not _written_as_initials(text, name):
        return _NO_NAME, JUNK
    return name, None


@lru_cache(maxsize=1 << 16)
def read_company_name(text: str) -> tuple[CompanyName, Verdict]:
    """Read a company or trade name field."""
    name = parse_company_name(text)
    return (_NO_COMPANY, JUNK) if is_placeholder_text(name.tokens) else (name, None)


def read_birth_date(text: str, today: date, window: BirthDateWindow = DEFAULT_BIRTH_DATE_WINDOW,
                    ) -> tuple[date | None, date | None, Verdict]:
    """Read a birth date field as of the day the record was received: the date, its day/month-swapped
    reading when the format leaves them interchangeable, and the verdict. A real date before the window
    is kept and called invalid. Parsing itself is cached."""
    value, swapped = choose_birth_dates(read_date(text), today)
    if value is None:
        return None, None, INVALID
    if is_placeholder_birth_date(value, today):
        return None, None, JUNK
    return value, swapped, None if window.holds(value) else INVALID


@lru_cache(maxsize=4096)
def read_postal_code(text: str) -> tuple[str | None, Verdict]:
    """Read a postal code field: the compact code of any country, kept, and called invalid when it is not Moroccan
    (a client abroad, a digit dropped); None when the value is no postal code."""
    code = standardise_postal_code(text)
    if code is None:
        return None, INVALID
    if is_placeholder_postal_code(code):
        return None, JUNK
    return code, None if is_moroccan_postal_code(code) else INVALID


@lru_cache(maxsize=1 << 16)
def read_identity_document(id_type: str | None, text: str) -> tuple[str | None, str | None, Verdict]:
    """Read a national id field given the canonical document type (None when the source gave none).

    Returns the document type (inferred as CIN when the number reads as one), the number and the verdict.
    """
    document = parse_identity_document(id_type, text)
    if document is None or is_placeholder_document_number(document.number):
        return id_type, None, JUNK
    return document.id_type, document.number, None if document.well_formed else INVALID


@lru_cache(maxsize=1 << 17)
def read_phones(text: str) -> tuple[tuple[str, ...], tuple[str, ...], Verdict]:
    """Read a phone field, which may hold several numbers: its mobile numbers, its other numbers
    (fixed lines, VoIP, service numbers: lines a household or an office shares) and the worst verdict.
    """
    mobiles: list[str] = []
    others: list[str] = []
    verdict: Verdict = None
    for part in split_phone_numbers(text):
        if is_placeholder_phone(part):
            verdict = JUNK
        elif phone := parse_phone(part):
            (mobiles if phone.kind == "mobile" else others).append(phone.number)
            if not phone.allocated:
                verdict = verdict or INVALID
        else:
            verdict = verdict or INVALID
    return tuple(mobiles), tuple(others), verdict


@lru_cache(maxsize=1 << 16)
def read_email(text: str) -> tuple[str | None, Verdict]:
    """Read an e-mail field."""
    email = standardise_email(text)
    if email is None:
        return None, INVALID
    return (None, JUNK) if is_placeholder_email(email) else (email, None)


@lru_cache(maxsize=1 << 16)
def read_address(text: str) -> tuple[tuple[str, ...], Verdict]:
    """Read an address line."""
    words = parse_address(text)
    return ((), JUNK) if is_placeholder_text(words) else (words, None)


@lru_cache(maxsize=4096)
def read_city(text: str) -> tuple[str | None, Verdict]:
    """Read a city field."""
    city = standardise_city(text)
    return (None, JUNK) if city is None or is_placeholder_text(tuple(city.split("_"))) else (city, None)


@lru_cache(maxsize=1 << 16)
def read_ice(text: str) -> tuple[Ice | None, str | None, Verdict]:
    """Read an ICE field: the parsed ICE, or the compact value kept apart when it is not 15 digits."""
    ice = parse_ice(text)
    if ice is None:
        return None, compact_identifier(text), INVALID
    if is_placeholder_ice(ice.number):
        return None, None, JUNK
    return ice, None, None if ice.checksum_ok else INVALID


@lru_cache(maxsize=1 << 16)
def read_rc_number(text: str) -> tuple[str | None, str | None, Verdict]:
    """Read an RC field: its number and the court written next to it, if any."""
    number, court = parse_rc_number(text)
    if number is None:
        return None, court, INVALID
    return (None, court, JUNK) if is_placeholder_registry_number(number) else (number, court, None)


@lru_cache(maxsize=1 << 16)
def read_registry_number(text: str) -> tuple[str | None, Verdict]:
    """Read an IF or taxe professionnelle field."""
    number = standardise_registry_number(text)
    if number is None:
        return None, INVALID
    return (None, JUNK) if is_placeholder_registry_number(number) else (number, None)


def read_reference_date(received_at: str | None) -> date:
    """Return the day a record was received, which bounds its birth date; today when unknown."""
    if received_at:
        try:
            return datetime.fromisoformat(received_at).date()
        except ValueError:
            pass
    return date.today()


def _number_text(value: object) -> str:
    # A number sent unquoted (an ICE, a postal code) is still its digits; anything else is not a value.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def read_present_fields(raw: RawRecord) -> dict[FieldName, str]:
    """Return the stripped text of every present field: "", None and absent keys all mean missing."""
    return {
        field: text
        for field, value in raw.items()
        if value is not None and (text := (value if isinstance(value, str) else _number_text(value)).strip())
    }


@lru_cache(maxsize=1 << 16)
def collect_name_keys(keys: tuple[str, ...]) -> tuple[frozenset[str], str | None]:
    """Return the set of name keys and their order-independent sorted form."""
    return frozenset(keys), sort_name_keys(keys)


@lru_cache(maxsize=1024)
def _field_set(fields: tuple[FieldName, ...]) -> frozenset[FieldName]:
    # Records share a few combinations of flagged fields: one frozenset each, not one per record.
    return frozenset(fields)


def standardise_record(raw: RawRecord, window: BirthDateWindow = DEFAULT_BIRTH_DATE_WINDOW,
                       extra_fields: tuple[FieldName, ...] = ()) -> StandardisedRecord:
    """Return the standardised form of one source record (DESIGN §3 fields), keeping the ``extra_fields`` of its
    payload as folded text (upper-case ASCII, spaces collapsed).

    A pure function of the record: its ``received_at`` is the reference day for birth dates, which
    ``window`` tells plausible or not.
    """
    fields = read_present_fields(raw)
    get = fields.get
    verdicts: list[tuple[FieldName, Verdict]] = []

    # person: first and last name when the source has them, otherwise its single name field
    first = last = full = contact = _NO_NAME
    if text := get("first_name"):
        first, verdict = read_person_name(text)
        if verdict:
            verdicts.append(("first_name", verdict))
    if text := get("last_name"):
        last, verdict = read_person_name(text)
        if verdict:
            verdicts.append(("last_name", verdict))
    if not (first.tokens or last.tokens) and (text := get("full_name")):
        full, verdict = read_person_name(text)
        if verdict:
            verdicts.append(("full_name", verdict))
    name_keys, name_sorted_key = collect_name_keys(first.keys + last.keys + full.keys)

    civility = None
    if text := get("civility"):
        civility = standardise_civility(text)
        if civility is None:
            verdicts.append(("civility", INVALID))
    civility = civility or first.civility or last.civility or full.civility

    birth_date = birth_date_swapped = None
    if text := get("birth_date"):
        birth_date, birth_date_swapped, verdict = read_birth_date(text, read_reference_date(get("received_at")),
                                                                  window)
        if verdict:
            verdicts.append(("birth_date", verdict))

    id_type = None
    if text := get("id_type"):
        id_type = standardise_id_type(text)
        if id_type == OTHER_ID_TYPE:
            verdicts.append(("id_type", INVALID))
    national_id = None
    if text := get("national_id"):
        id_type, national_id, verdict = read_identity_document(id_type, text)
        if verdict:
            verdicts.append(("national_id", verdict))

    # contact
    mobile_phones: tuple[str, ...] = ()
    fixed_phones: tuple[str, ...] = ()
    if text := get("phone"):
        mobile_phones, fixed_phones, verdict = read_phones(text)
        if verdict:
            verdicts.append(("phone", verdict))
    if text := get("phone_alt"):
        mobiles, others, verdict = read_phones(text)
        mobile_phones += tuple(number for number in mobiles if number not in mobile_phones)
        fixed_phones += tuple(number for number in others if number not in fixed_phones)
        if verdict:
            verdicts.append(("phone_alt", verdict))
    email = None
    if text := get("email"):
        email, verdict = read_email(text)
        if verdict:
            verdicts.append(("email", verdict))
    address_tokens: tuple[str, ...] = ()
    if text := get("address_line"):
        address_tokens, verdict = read_address(text)
        if verdict:
            verdicts.append(("address_line", verdict))
    city = None
    if city_text := get("city"):
        city, verdict = read_city(city_text)
        if verdict:
            verdicts.append(("city", verdict))
    postal_code = None
    if text := get("postal_code"):
        postal_code, verdict = read_postal_code(text)
        if verdict:
            verdicts.append(("postal_code", verdict))
    elif city_text:
        postal_code = find_postal_code(city_text)

    # organisation
    company = trade = _NO_COMPANY
    if text := get("company_name"):
        company, verdict = read_company_name(text)
        if verdict:
            verdicts.append(("company_name", verdict))
    if text := get("trade_name"):
        trade, verdict = read_company_name(text)
        if verdict:
            verdicts.append(("trade_name", verdict))
    if text := get("contact_person"):
        contact, verdict = read_person_name(text)
        if verdict:
            verdicts.append(("contact_person", verdict))
    declared_form = None
    if text := get("legal_form"):
        declared_form = standardise_legal_form(text)
        if declared_form is None:
            verdicts.append(("legal_form", INVALID))
    ice = ice_invalid = None
    if text := get("ice"):
        ice, ice_invalid, verdict = read_ice(text)
        if verdict:
            verdicts.append(("ice", verdict))
    rc_number = rc_court = None
    if text := get("rc_number"):
        rc_number, rc_court, verdict = read_rc_number(text)
        if verdict:
            verdicts.append(("rc_number", verdict))
    if text := get("rc_court"):
        rc_court = standardise_court(text) or rc_court
    tax_id = professional_tax_number = None
    if text := get("tax_id"):
        tax_id, verdict = read_registry_number(text)
        if verdict:
            verdicts.append(("tax_id", verdict))
    if text := get("professional_tax_number"):
        professional_tax_number, verdict = read_registry_number(text)
        if verdict:
            verdicts.append(("professional_tax_number", verdict))

    party_type = get("party_type")
    return StandardisedRecord(
        party_type=PARTY_TYPES.get(party_type.lower()) if party_type else None,
        civility=civility,
        gender=GENDER_OF_CIVILITY.get(civility) if civility else None,
        first_name=" ".join(first.tokens) or None,
        last_name=" ".join(last.tokens) or None,
        first_name_key=first.key,
        family_name_key=last.key,
        name_tokens=first.tokens + last.tokens + full.tokens,
        name_keys=name_keys,
        name_sorted_key=name_sorted_key,
        birth_date=birth_date,
        birth_date_swapped=birth_date_swapped,
        id_type=id_type,
        national_id=national_id,
        mobile_phones=mobile_phones,
        fixed_phones=fixed_phones,
        email=email,
        address_tokens=address_tokens,
        city=city,
        postal_code=postal_code,
        company_name_tokens=company.tokens,
        trade_name_tokens=trade.tokens,
        legal_form=choose_legal_form(declared_form, company.legal_form),
        contact_name_key=sort_name_keys(contact.keys) if contact.keys else None,
        ice=ice,
        ice_invalid=ice_invalid,
        rc_number=rc_number,
        rc_court=rc_court,
        tax_id=tax_id,
        professional_tax_number=professional_tax_number,
        junk_fields=_field_set(tuple(field for field, verdict in verdicts if verdict == JUNK))
        if verdicts
        else _NO_FIELDS,
        invalid_fields=_field_set(tuple(field for field, verdict in verdicts if verdict == INVALID))
        if verdicts
        else _NO_FIELDS,
        extra=tuple((name, folded) for name in extra_fields if (text := get(name)) and (folded := fold_text(text))),
    )
