"""Places in canonical form: Moroccan cities and courts as codes, cities abroad under one name, postal codes,
address tokens."""

import re
from functools import lru_cache

from matching.names import transliteration_key
from matching.text import fold_text

CITY_ALIASES: dict[str, tuple[str, ...]] = {
    "CASABLANCA": (
        "CASABLANCA", "CASA", "DAR EL BEIDA", "DAR EL BAIDA", "DAR BEIDA", "ADDAR AL BAYDA",
        "ANFA", "MAARIF", "AIN SEBAA", "AIN CHOCK", "AIN CHOK", "HAY HASSANI", "SIDI MAAROUF",
        "SIDI BERNOUSSI", "BEN MSIK", "HAY MOHAMMADI",
    ),
    "RABAT": ("RABAT", "RBAT"),
    "SALE": ("SALE", "SLA"),
    "TEMARA": ("TEMARA", "TMARA"),
    "FES": ("FES", "FEZ", "FAS"),
    "MARRAKECH": ("MARRAKECH", "MARRAKESH", "MARRAKCH", "MRAKECH", "GUELIZ"),
    "TANGER": ("TANGER", "TANGIER", "TANGIERS", "TANJA"),
    "MEKNES": ("MEKNES", "MEKNASSA", "MIKNAS"),
    "KENITRA": ("KENITRA", "QUENITRA", "PORT LYAUTEY"),
    "TETOUAN": ("TETOUAN", "TETUAN", "TITAOUINE", "TITWAN"),
    "EL_JADIDA": ("EL JADIDA", "JADIDA", "MAZAGAN"),
    "MOHAMMEDIA": ("MOHAMMEDIA", "MOHAMMADIA", "FEDALA"),
    "AGADIR": ("AGADIR",),
    "INEZGANE": ("INEZGANE", "INZEGANE"),
    "AIT_MELLOUL": ("AIT MELLOUL",),
    "OUJDA": ("OUJDA", "OUJDA ANGAD", "UJDA"),
    "LAAYOUNE": ("LAAYOUNE", "LAYOUNE", "EL AYOUN", "AYOUN", "EL AAIUN", "LAAYOUN"),
    "BENI_MELLAL": ("BENI MELLAL", "B MELLAL"),
    "NADOR": ("NADOR",),
    "SAFI": ("SAFI", "ASFI"),
    "KHOURIBGA": ("KHOURIBGA",),
    "SETTAT": ("SETTAT",),
    "TAZA": ("TAZA",),
    "ESSAOUIRA": ("ESSAOUIRA", "MOGADOR"),
    "OUARZAZATE": ("OUARZAZATE", "WARZAZAT"),
    "ERRACHIDIA": ("ERRACHIDIA", "ER RACHIDIA", "RACHIDIA", "KSAR ES SOUK"),
    "DAKHLA": ("DAKHLA", "VILLA CISNEROS"),
    "KHEMISSET": ("KHEMISSET",),
    "BERRECHID": ("BERRECHID",),
    "LARACHE": ("LARACHE", "LARAICH", "EL ARAICH"),
    "KSAR_EL_KEBIR": ("KSAR EL KEBIR", "KSAR KEBIR", "ALCAZARQUIVIR"),
    "GUELMIM": ("GUELMIM", "GOULIMINE"),
    "TIZNIT": ("TIZNIT",),
    "TAROUDANT": ("TAROUDANT",),
    "AL_HOCEIMA": ("AL HOCEIMA", "EL HOCEIMA", "HOCEIMA", "ALHUCEMAS"),
    "IFRANE": ("IFRANE",),
    "SIDI_KACEM": ("SIDI KACEM",),
    "SIDI_SLIMANE": ("SIDI SLIMANE",),
    "BERKANE": ("BERKANE",),
    "OUED_ZEM": ("OUED ZEM",),
    "FQUIH_BEN_SALAH": ("FQUIH BEN SALAH", "FKIH BEN SALAH"),
    "YOUSSOUFIA": ("YOUSSOUFIA", "LOUIS GENTIL"),
    "TAN_TAN": ("TAN TAN",),
    "AZROU": ("AZROU",),
    "SEFROU": ("SEFROU",),
    "KHENIFRA": ("KHENIFRA",),
    "BOUZNIKA": ("BOUZNIKA",),
    "SKHIRAT": ("SKHIRAT", "SKHIRATE"),
    "TIFLET": ("TIFLET",),
    "MARTIL": ("MARTIL",),
    "FNIDEQ": ("FNIDEQ", "FNIDEK"),
    "MDIQ": ("MDIQ", "MDIK"),
    "CHEFCHAOUEN": ("CHEFCHAOUEN", "CHAOUEN", "CHECHAOUEN", "XAUEN"),
    "ASILAH": ("ASILAH", "ASSILAH", "ARZILA"),
    "OUEZZANE": ("OUEZZANE", "OUAZZANE", "WAZZAN"),
    "ZAGORA": ("ZAGORA",),
    "MIDELT": ("MIDELT",),
    "BENSLIMANE": ("BENSLIMANE", "BEN SLIMANE"),
    "TAOURIRT": ("TAOURIRT",),
    "GUERCIF": ("GUERCIF",),
    "SIDI_BENNOUR": ("SIDI BENNOUR",),
    "AZEMMOUR": ("AZEMMOUR",),
    "KELAA_DES_SRAGHNA": ("EL KELAA DES SRAGHNA", "KELAA DES SRAGHNA", "KELAAT SRAGHNA", "KALAAT SRAGHNA"),
    "EL_HAJEB": ("EL HAJEB",),
    "SIDI_IFNI": ("SIDI IFNI",),
    "BOUJDOUR": ("BOUJDOUR",),
    "SMARA": ("SMARA", "ES SMARA"),
    "TINGHIR": ("TINGHIR", "TINERHIR"),
    "JERADA": ("JERADA",),
    "DRIOUCH": ("DRIOUCH",),
}  # fmt: skip
"""Canonical city code to the spellings sources use (folded); variants of spelling are absorbed by the key."""

_HOST_CITY_NAMES_BY_COUNTRY: dict[str, dict[str, tuple[str, ...]]] = {
    # Belgium is bilingual: a French-speaking agent writes Malines, a Dutch-speaking one Mechelen.
    "BE": {
        "BRUXELLES": ("BRUXELLES", "BRUSSEL", "BRUSSELS", "BRUSELAS", "BRUXELLES VILLE"),
        "ANTWERPEN": ("ANTWERPEN", "ANVERS", "ANTWERP", "AMBERES"),
        "GENT": ("GENT", "GAND", "GHENT"),
        "LIEGE": ("LIEGE", "LUIK", "LUTTICH", "LIEJA"),
        "MECHELEN": ("MECHELEN", "MALINES"),
        "LEUVEN": ("LEUVEN", "LOUVAIN"),
        "BRUGGE": ("BRUGGE", "BRUGES", "BRUJAS"),
        "KORTRIJK": ("KORTRIJK", "COURTRAI"),
        "OOSTENDE": ("OOSTENDE", "OSTENDE"),
        "TOURNAI": ("TOURNAI", "DOORNIK"),
        "MOLENBEEK": ("MOLENBEEK SAINT JEAN", "SINT JANS MOLENBEEK", "MOLENBEEK"),
        "SCHAERBEEK": ("SCHAERBEEK", "SCHAARBEEK"),
        "SAINT_JOSSE": ("SAINT JOSSE TEN NOODE", "SINT JOOST TEN NODE", "SAINT JOSSE"),
        "IXELLES": ("IXELLES", "ELSENE"),
        "SAINT_GILLES": ("SAINT GILLES", "SINT GILLIS"),
        "UCCLE": ("UCCLE", "UKKEL"),
    },
    "NL": {
        "DEN_HAAG": ("DEN HAAG", "S GRAVENHAGE", "LA HAYE", "THE HAGUE", "LA HAYA"),
        "LEIDEN": ("LEIDEN", "LEYDE"),
    },
    # Spain: Catalan, Galician and Basque names beside the Castilian ones, and what French speakers write.
    "ES": {
        "LLEIDA": ("LLEIDA", "LERIDA"),
        "GIRONA": ("GIRONA", "GERONA"),
        "A_CORUNA": ("A CORUNA", "LA CORUNA"),
        "OURENSE": ("OURENSE", "ORENSE"),
        "ALICANTE": ("ALICANTE", "ALACANT"),
        "SAN_SEBASTIAN": ("DONOSTIA", "SAN SEBASTIAN", "DONOSTIA SAN SEBASTIAN"),
        "BILBAO": ("BILBAO", "BILBO"),
        "BARCELONA": ("BARCELONA", "BARCELONE"),
        "SEVILLA": ("SEVILLA", "SEVILLE"),
        "ZARAGOZA": ("ZARAGOZA", "SARAGOSSE"),
        "CORDOBA": ("CORDOBA", "CORDOUE"),
        "TARRAGONA": ("TARRAGONA", "TARRAGONE"),
        "MURCIA": ("MURCIA", "MURCIE"),
    },
    # Elsewhere in Europe, the local name and the French, English or Spanish one.
    "GB": {"LONDON": ("LONDON", "LONDRES")},
    "IT": {
        "MILANO": ("MILANO", "MILAN"),
        "ROMA": ("ROMA", "ROME"),
        "TORINO": ("TORINO", "TURIN"),
        "NAPOLI": ("NAPOLI", "NAPLES"),
        "GENOVA": ("GENOVA", "GENES", "GENOA"),
        "VENEZIA": ("VENEZIA", "VENISE", "VENICE"),
    },
    "DE": {
        "MUNCHEN": ("MUNCHEN", "MUENCHEN", "MUNICH"),
        "KOLN": ("KOLN", "KOELN", "COLOGNE"),
    },
    "CH": {"GENEVE": ("GENEVE", "GENF", "GENEVA", "GINEBRA")},
}  # fmt: skip
HOST_CITY_NAMES: dict[str, tuple[str, ...]] = {
    code: names for cities in _HOST_CITY_NAMES_BY_COUNTRY.values() for code, names in cities.items()
}
"""Cities of the countries where clients live abroad, each under the names its records use: the local language,
the other official language, and the French, English or Spanish exonym. A name that is also another town (Valence
is Valencia in French and a town of the Drôme; Bergen is Mons in Dutch and a Dutch town) is left out."""

_CITY_NAMES: dict[str, tuple[str, ...]] = {**CITY_ALIASES, **HOST_CITY_NAMES}
_CITY_OF_KEY: dict[str, str] = {
    transliteration_key(alias.replace(" ", "")): code for code, aliases in _CITY_NAMES.items() for alias in aliases
}
_LONGEST_ALIAS = max(len(alias.split()) for aliases in _CITY_NAMES.values() for alias in aliases)
_LETTER_WORD = re.compile(r"[A-Z]+")

COURT_WORDS: frozenset[str] = frozenset(
    {"TRIBUNAL", "TRIBUNAUX", "COMMERCE", "COMMERCIAL", "DE", "DU", "D", "PREMIERE", "INSTANCE", "TC", "TPI",
     "GREFFE", "RC", "REGISTRE", "VILLE"}
)  # fmt: skip
"""Words naming the kind of court; what is left names its seat."""


def _find_city(words: list[str]) -> str | None:
    # The whole text first, then its longest runs of words: "CASA MAARIF", "AIN SEBAA CASABLANCA".
    for length in range(min(len(words), _LONGEST_ALIAS), 0, -1):
        for start in range(len(words) - length + 1):
            code = _CITY_OF_KEY.get(transliteration_key("".join(words[start : start + length])))
            if code:
                return code
    return None


@lru_cache(maxsize=1 << 14)
def standardise_city(raw: str) -> str | None:
    """Return the canonical city code; a city not in the registry keeps its folded words (SIDI_RAHAL)."""
    words = _LETTER_WORD.findall(fold_text(raw).replace("'", ""))
    if not words:
        return None
    return _find_city(words) or "_".join(words)


_COUNTRY_OF_CITY: dict[str, str] = {
    **{code: "MA" for code in CITY_ALIASES},
    **{code: country for country, cities in _HOST_CITY_NAMES_BY_COUNTRY.items() for code in cities},
}


def country_of_city(code: str) -> str | None:
    """The country (ISO 3166 code) of a canonical city code, when the hub knows the city."""
    return _COUNTRY_OF_CITY.get(code)


@lru_cache(maxsize=4096)
def standardise_court(raw: str) -> str | None:
    """Return the code of the city where a court sits (Tribunal de commerce de Casablanca -> CASABLANCA)."""
    words = [word for word in _LETTER_WORD.findall(fold_text(raw)) if word not in COURT_WORDS]
    return standardise_city(" ".join(words)) if words else None


# A postal code in any country's format, written compact: four to ten digits (FR 75011, BE 1000, PT 1000-001),
# four digits and two letters (NL 1012 AB), or a code that starts with a letter and mixes letters and at least two
# digits, never three letters in a row (UK TQ13 8DF, CA K1A 0B1, IE D02 X285). Words (NEANT, PO BOX 12) and digits
# with a letter typed among them (2O1OO) are not codes. An old-style country prefix (F-75011, NL-1012 AB) is dropped.
_POSTAL_CODE = re.compile(r"\d{4,10}|\d{4}[A-Z]{2}|(?=(?:[A-Z]*\d){2})(?![A-Z0-9]*[A-Z]{3})[A-Z][A-Z0-9]{3,7}")
_COUNTRY_PREFIX = re.compile(r"^[A-Z]{1,3}-(?=\d)")
# A French business address ends its code with CEDEX and an office number (75011 CEDEX 11): the code is before.
_CEDEX = re.compile(r"\s*CEDEX(?:\s*\d+)?$")
# A post-office box number (BP 1234, boite postale) is part of the address, not a postal code.
_POST_OFFICE_BOX = re.compile(r"^B\.?\s?P\.?\s*\d")
_POSTAL_CODE_SEPARATORS = re.compile(r"[\s.\-]+")
_MOROCCAN_POSTAL_CODE = re.compile(r"[1-9]\d{4}")
_POSTAL_CODE_IN_TEXT = re.compile(r"(?<!\d)[1-9]\d{4}(?!\d)")
# The inward code of a British postcode (and the last part of a Canadian or Irish one) is one digit and two letters
# after the area; postal codes that start with digits are hierarchical, most significant digits first.
_INWARD_CODE_LENGTH = 3
_AREA_DIGITS = 2


@lru_cache(maxsize=1 << 14)
def standardise_postal_code(raw: str) -> str | None:
    """Return a postal code in compact form (upper case, no spaces or dashes) so that two captures of one code are
    equal, whatever the country; None when the value is no postal code at all."""
    text = _CEDEX.sub("", fold_text(raw))
    if _POST_OFFICE_BOX.match(text):
        return None
    code = _POSTAL_CODE_SEPARATORS.sub("", _COUNTRY_PREFIX.sub("", text))
    return code if _POSTAL_CODE.fullmatch(code) else None


def is_moroccan_postal_code(code: str) -> bool:
    """Tell whether a compact postal code has the Moroccan shape (five digits, 10000 to 99999)."""
    return _MOROCCAN_POSTAL_CODE.fullmatch(code) is not None


def postal_area(code: str) -> str:
    """Return the area of a compact postal code: its outward code when it starts with a letter (TQ13 of TQ13 8DF,
    K1A of K1A 0B1), else its first two digits, which name the department, province or region of hierarchical codes
    (75 Paris, 28 Madrid, 20 Casablanca, 10 Amsterdam, 10 Brussels)."""
    if code[0].isalpha():
        return code[:-_INWARD_CODE_LENGTH]
    return code[:_AREA_DIGITS]


def find_postal_code(raw: str) -> str | None:
    """Return a postal code written inside other text (20250 CASABLANCA), or None."""
    found = _POSTAL_CODE_IN_TEXT.search(raw)
    return found.group() if found else None


# ---------------------------------------------------------------- addresses

ADDRESS_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "BOULEVARD": ("BD", "BLD", "BLVD", "BVD", "BOUL", "BOULEVARD"),
    "AVENUE": ("AV", "AVE", "AVN", "AVENUE", "AVDA", "AVENIDA"),
    "RUE": ("R", "RUE"),
    "CALLE": ("CALLE", "CL", "CLL"),
    "CHAUSSEE": ("CHAUSSEE", "CHEE", "CHAUSS"),
    "ROAD": ("RD", "ROAD"),
    "ROUTE": ("RTE", "ROUTE"),
    "APPT": ("APP", "APPT", "APT", "APPART", "APPARTEMENT"),
    "IMM": ("IMM", "IMMB", "IMMEUBLE"),
    "RESIDENCE": ("RES", "RESID", "RESIDENCE"),
    "QUARTIER": ("QU", "QRT", "QT", "QUART", "QUARTIER"),
    "HAY": ("HAY", "HAI"),
    "LOT": ("LOT", "LOTS", "LOTISSEMENT"),
    "ETAGE": ("ETG", "ETAGE"),
    "BLOC": ("BLOC", "BLC", "BLOCK"),
    "PLACE": ("PL", "PLACE", "PLAZA", "PZA"),
    "ANGLE": ("ANG", "ANGLE"),
    "MAGASIN": ("MAG", "MAGASIN"),
    "BP": ("BP",),
}  # fmt: skip
"""Canonical address word to the abbreviations sources type for it."""

ADDRESS_DROPPED_WORDS: frozenset[str] = frozenset(
    {"N", "NO", "NR", "NUM", "NUMERO", "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "AU", "AUX"}
)
"""Number markers (the number follows anyway) and French articles, which sources write or omit."""

_ADDRESS_WORD_OF_SPELLING: dict[str, str] = {
    spelling: word for word, spellings in ADDRESS_ABBREVIATIONS.items() for spelling in spellings
}
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)\s?(?:I?EME|ERE?|E)\b")  # 2EME ETAGE -> 2 ETAGE
_SPANISH_STREET = re.compile(r"\bC\s*/")  # C/ Mayor: calle, written with its slash
# Dutch and German street names are one word ending in straat or strasse, which clerks shorten to str.
_STREET_SUFFIX = re.compile(r"(?<=[A-Z]{3})(?:STRAAT|STRASSE)$")
_ADDRESS_WORD = re.compile(r"[A-Z]+|[0-9]+")


def _address_word(word: str) -> str:
    if word[0] == "0":
        return word.lstrip("0") or "0"
    return _STREET_SUFFIX.sub("STR", _ADDRESS_WORD_OF_SPELLING.get(word, word))


def parse_address(raw: str) -> tuple[str, ...]:
    """Return the canonical words of an address line: abbreviations spelled out (a Dutch or German street's suffix
    shortened, as it is most often written), numbers without zeros."""
    text = _SPANISH_STREET.sub("CALLE ", _ORDINAL_SUFFIX.sub("", fold_text(raw)))
    return tuple(_address_word(word) for word in _ADDRESS_WORD.findall(text) if word not in ADDRESS_DROPPED_WORDS)
