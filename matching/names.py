"""Person and company names in canonical form: tokens, transliteration keys, civility and legal form."""

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import jellyfish
from rapidfuzz.distance import OSA

from matching.text import fold_text, split_words
from native import Rebuilt, rebuilt

# ---------------------------------------------------------------- civility

CIVILITY_CODES: dict[str, str] = {
    "M": "MR",
    "MR": "MR",
    "MONSIEUR": "MR",
    "MME": "MME",
    "MMES": "MME",
    "MADAME": "MME",
    "MRS": "MME",
    "MS": "MME",
    "MLLE": "MLLE",
    "MLE": "MLLE",
    "MELLE": "MLLE",
    "MADEMOISELLE": "MLLE",
    "MISS": "MLLE",
    "DR": "DR",
    "DOCTEUR": "DR",
    "PR": "PR",
    "PROF": "PR",
    "PROFESSEUR": "PR",
    "ME": "ME",
    "MAITRE": "ME",
}
"""Civility spellings (folded, without dots) to a canonical civility code."""

GENDER_OF_CIVILITY: dict[str, str] = {"MR": "M", "MME": "F", "MLLE": "F"}
"""The gender a civility code implies; titles such as DR imply none."""

# "M" alone at the head of a name field is as often an initial (M ALAMI) as a civility,
# so only the dotted form "M." counts there.
_NAME_HEAD_CIVILITIES = {word: code for word, code in CIVILITY_CODES.items() if word != "M"}
_DOTTED_MONSIEUR = re.compile(r"^M\.\s*")
_APOSTROPHES = str.maketrans("", "", "'`")  # M'HAMED and AIT M'BAREK are single words


@lru_cache(maxsize=1024)
def standardise_civility(raw: str) -> str | None:
    """Return the canonical civility code of a raw civility field, or None when unknown."""
    return CIVILITY_CODES.get("".join(split_words(fold_text(raw))))


# ---------------------------------------------------------------- transliteration key

# Spellings of one Arabic or Berber sound in French, English and Spanish transliteration,
# rewritten left to right, longest spelling first. Vowels keep three classes (A, I, U):
# dropping them would make SAID, SAAD, SOUAD and SAIDA one key.
_TRANSLITERATION_RULES: dict[str, str] = {
    "SH": "X",
    "CH": "X",
    "KH": "K",
    "GH": "G",
    "RH": "G",  # colonial spelling of the ghayn: RHITA = GHITA
    "DJ": "J",
    "DH": "D",
    "TH": "T",
    "PH": "F",
    "CK": "K",
    "Q": "K",
    "CE": "SA",
    "CI": "SI",
    "CY": "SI",
    "C": "K",
    "OU": "U",
    "OO": "U",
    "O": "U",
    "W": "U",
    "E": "A",  # the French E mostly spells a fatha: MOHAMED = MUHAMMAD, MERYEM = MARYAM
    "Y": "I",
}
_TRANSLITERATION = re.compile("|".join(sorted(_TRANSLITERATION_RULES, key=len, reverse=True)))
# A final E is mute in French spelling (AMINE, SAFAE) and a final H after a vowel is silent (ABDELLAH).
_SILENT_ENDING = re.compile(r"(?<=..)(?:E+|(?<=[AEIOUY])H)$")
_DOUBLED_LETTER = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^A-Z]+")


@lru_cache(maxsize=1 << 16)
def transliteration_key(word: str) -> str:
    """Return a spelling-robust key of a folded name word: MOHAMMED, MOHAMED, MUHAMMAD -> MUHAMAD."""
    letters = _SILENT_ENDING.sub("", _NOT_LETTER.sub("", word))
    letters = _TRANSLITERATION.sub(lambda match: _TRANSLITERATION_RULES[match.group()], letters)
    return _DOUBLED_LETTER.sub(r"\1", letters)


@lru_cache(maxsize=1 << 16)
def phonetic_key(units: tuple[str, ...]) -> str | None:
    """Return how a name (its units) sounds: Metaphone of its spelling, so that names written differently
    beyond transliteration meet (JEFF / GEOFF, NYE / NIGH, STEPHEN / STEVEN, CATHERINE / KATHRYN). Vowels are
    gone, so SAID and SAAD meet too: weaker evidence than the transliteration key."""
    return jellyfish.metaphone("".join(units)) or None


# ---------------------------------------------------------------- person names

ARTICLES: frozenset[str] = frozenset({"EL", "AL", "L", "ES", "ET", "EN", "ER", "EZ", "ED", "ECH"})
"""The Arabic article and its sun-letter forms; before a name it carries no identity."""

PARTICLES: frozenset[str] = frozenset(
    {
        "BEN", "BENT", "BNOU", "IBN", "IBNOU", "AIT", "AYT", "OULD", "OULED", "OU",
        "ABD", "ABDEL", "ABDAL", "ABDOUL", "ABDUL", "ABOU", "ABU", "BOU",
    }
)  # fmt: skip
"""Filiation and compound-name particles; they belong to the word they introduce."""

# EL glued to a name (ELIDRISSI) or the assimilated article (ESSAIDI, ENNAJI, ECHCHARQI),
# stripped only when a full name is left so that ELHAM or ESSAM keep their first letters.
_GLUED_ARTICLE = re.compile(r"^(?:EL(?=[A-Z]{4})|E([DNRSTZ])(?=\1[A-Z]{3})|ECH(?=CH[A-Z]{3}))")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name field in canonical form."""

    tokens: tuple[str, ...]
    """Words in reading order, civility removed: the full token form."""
    units: tuple[str, ...]
    """Name units: articles dropped, particles glued to their word (EL IDRISSI, ELIDRISSI -> IDRISSI)."""
    keys: tuple[str, ...]
    """Transliteration key of each unit, initials left out."""
    civility: str | None
    """Civility code found at the head of the name, if any."""

    @property
    def key(self) -> str | None:
        """Transliteration key of all units read together: spacing- and article-insensitive."""
        if len(self.keys) <= 1:
            return self.keys[0] if self.keys else None
        return transliteration_key("".join(unit for unit in self.units if len(unit) > 1))

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def group_name_units(words: tuple[str, ...]) -> tuple[str, ...]:
    """Return name units: drop the articles, glue particles (and an article after them) to the word they introduce."""
    units: list[str] = []
    particle = ""
    for word in words:
        if particle:
            particle += word
            if word not in PARTICLES and word not in ARTICLES:
                units.append(particle)
                particle = ""
        elif word in PARTICLES:
            particle = word
        elif word not in ARTICLES:
            units.append(_GLUED_ARTICLE.sub("", word) if word.startswith("E") else word)
    if particle:
        units.append(particle)
    return tuple(units)


def parse_person_name(raw: str) -> PersonName:
    """Return the canonical form of a first, last or full name field."""
    folded = fold_text(raw)
    civility: str | None = None
    dotted = _DOTTED_MONSIEUR.match(folded)
    if dotted:
        civility, folded = "MR", folded[dotted.end() :]
    words = split_words(folded.translate(_APOSTROPHES))
    head = 0
    while head < len(words) - 1 and words[head] in _NAME_HEAD_CIVILITIES:
        civility = civility or _NAME_HEAD_CIVILITIES[words[head]]
        head += 1
    words = words[head:]
    units = group_name_units(words)
    return PersonName(tokens=words, units=units, keys=unit_keys(units), civility=civility)


def unit_keys(units: tuple[str, ...]) -> tuple[str, ...]:
    """Return the transliteration key of each name unit; a lone letter (M ALAMI) is an initial or a civility,
    too little to carry a key."""
    return tuple(key for unit in units if len(key := transliteration_key(unit)) > 1)


@lru_cache(maxsize=1 << 16)
def name_word_keys(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Return the keys of the name units of any name's words: what a person or a company is looked up by."""
    return unit_keys(group_name_units(tokens))


@lru_cache(maxsize=1 << 16)
def adjacent_word_keys(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Return the key of each two adjacent words written as one, so that AL BARAKA and ALBARAKA meet."""
    return tuple(transliteration_key(left + right) for left, right in pairwise(tokens))


def sort_name_keys(keys: tuple[str, ...]) -> str | None:
    """Return the keys in alphabetical order joined by spaces: equal for swapped first and last names."""
    return " ".join(sorted(keys)) or None


def could_be_one_given_name(key: str, other: str, compound: bool = True) -> bool:
    """Whether two given-name keys may be one person's: equal, one edit apart (a typo, a spelling the keys do not
    fold: MHAMED / MOHAMED), or, for ``compound`` keys of a whole first-name field, one the head or tail of the
    other (FATIMA ZAHRA / ZAHRA, MOHAMED AMINE / AMINE). The masculine and feminine forms of one name (KARIM /
    KARIMA, SAID / SAIDA) are two people's."""
    if key == other:
        return True
    shorter, longer = sorted((key, other), key=len)
    if longer == f"{shorter}A":
        return False
    # The other part of a compound name is a whole name, not a few letters (SAMI / SAMIRA are two names).
    if compound and len(longer) - len(shorter) >= 3 and (longer.startswith(shorter) or longer.endswith(shorter)):
        return True
    return OSA.distance(key, other) <= 1


# ---------------------------------------------------------------- company names

LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "SARLAU": (
        "SARLAU", "SARL AU", "SARL A U", "SARLU", "SARL U", "SARL UNIPERSONNELLE",
        "SARL D ASSOCIE UNIQUE", "SARL A ASSOCIE UNIQUE", "SARL ASSOCIE UNIQUE",
        "SOCIETE A RESPONSABILITE LIMITEE D ASSOCIE UNIQUE",
        "SOCIETE A RESPONSABILITE LIMITEE A ASSOCIE UNIQUE",
    ),
    "SARL": ("SARL", "SOCIETE A RESPONSABILITE LIMITEE", "STE A RESPONSABILITE LIMITEE"),
    "SASU": (
        "SASU", "SAS AU", "SAS U", "SAS A ASSOCIE UNIQUE", "SAS D ASSOCIE UNIQUE",
        "SOCIETE PAR ACTIONS SIMPLIFIEE UNIPERSONNELLE",
        "SOCIETE PAR ACTIONS SIMPLIFIEE A ASSOCIE UNIQUE",
    ),
    "SAS": ("SAS", "SOCIETE PAR ACTIONS SIMPLIFIEE"),
    "SA": ("SA", "SOCIETE ANONYME", "STE ANONYME"),
    "SNC": ("SNC", "SOCIETE EN NOM COLLECTIF"),
    "SCS": ("SCS", "SOCIETE EN COMMANDITE SIMPLE"),
    "SCA": ("SCA", "SOCIETE EN COMMANDITE PAR ACTIONS"),
    "SEP": ("SEP", "SOCIETE EN PARTICIPATION"),
    "GIE": ("GIE", "GROUPEMENT D INTERET ECONOMIQUE"),
    "COOP": ("COOP", "COOPERATIVE", "SOCIETE COOPERATIVE", "STE COOPERATIVE"),
    "SCI": ("SCI", "SOCIETE CIVILE IMMOBILIERE"),
    "SC": ("SOCIETE CIVILE", "STE CIVILE"),
    "EI": ("EI", "ENTREPRISE INDIVIDUELLE", "PERSONNE PHYSIQUE"),
    "AE": ("AUTO ENTREPRENEUR", "AUTOENTREPRENEUR"),
    "ASSOC": ("ASSOCIATION", "ASSOC"),
    "SUCC": ("SUCCURSALE",),
    # Forms of the countries where clients abroad run their companies: the host country's form ends the name in
    # one capture and is left out in another (JANSEN TRADING BV, JANSEN TRADING).
    "EURL": ("EURL", "ENTREPRISE UNIPERSONNELLE A RESPONSABILITE LIMITEE"),
    "SLU": ("SLU", "SL UNIPERSONAL", "SOCIEDAD LIMITADA UNIPERSONAL"),
    "SL": ("SL", "SOCIEDAD LIMITADA", "SOCIEDAD DE RESPONSABILIDAD LIMITADA"),
    "SPRL": ("SPRL", "SOCIETE PRIVEE A RESPONSABILITE LIMITEE"),
    "SRL": ("SRL",),  # Belgian; spelled out, it is the French SARL's name
    "BVBA": ("BVBA", "BESLOTEN VENNOOTSCHAP MET BEPERKTE AANSPRAKELIJKHEID"),
    "BV": ("BV", "BESLOTEN VENNOOTSCHAP"),
    "NV": ("NV", "NAAMLOZE VENNOOTSCHAP"),
    "VOF": ("VOF", "VENNOOTSCHAP ONDER FIRMA"),
    "LTD": ("LTD", "LIMITED", "PRIVATE LIMITED COMPANY"),
    "PLC": ("PLC", "PUBLIC LIMITED COMPANY"),
    "LLP": ("LLP", "LIMITED LIABILITY PARTNERSHIP"),
    "GMBH": ("GMBH", "GESELLSCHAFT MIT BESCHRANKTER HAFTUNG"),
}  # fmt: skip
"""Canonical legal form code to its spellings (folded, dots removed, apostrophes as spaces)."""

LEGAL_FORM_REFINES: dict[str, str] = {"SARLAU": "SARL", "SASU": "SAS", "SCI": "SC", "EURL": "SARL", "SLU": "SL"}
"""A legal form that is a special case of another: the name may say more than the declared form."""

COMPANY_STOP_WORDS: frozenset[str] = frozenset(
    {
        "STE", "STES", "SOCIETE", "SOCIETES", "ETS", "ETABLISSEMENT", "ETABLISSEMENTS", "CIE",
        "ET", "DE", "DU", "DES", "LA", "LE", "LES", "L", "D",
    }
)  # fmt: skip
"""Words every company name may carry or drop. GROUPE and HOLDING are kept: they name another legal
entity than the company without them. The Arabic article AL/EL is kept too: the name key ignores
spacing, so AL BARAKA and ALBARAKA already agree."""


def _spell_out_acronyms(spellings: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Return the word tuples of each spelling, plus the letter-by-letter form of acronyms (S A R L)."""
    forms = [tuple(spelling.split()) for spelling in spellings]
    forms += [tuple(spelling) for spelling in spellings if " " not in spelling and 3 <= len(spelling) <= 6]
    return tuple(forms)


_LEGAL_FORM_OF_WORDS: dict[tuple[str, ...], str] = {
    words: code for code, spellings in LEGAL_FORMS.items() for words in _spell_out_acronyms(spellings)
}


def _index_by_first_word(spellings: dict[tuple[str, ...], str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Group spellings by their first word, longest first: most words of a name start none."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for words, code in sorted(spellings.items(), key=lambda item: -len(item[0])):
        index.setdefault(words[0], []).append((words, code))
    return index


_LEGAL_FORMS_BY_FIRST_WORD = _index_by_first_word(_LEGAL_FORM_OF_WORDS)
_COMPANY_PUNCTUATION = str.maketrans({".": "", "&": " ET "})  # S.A.R.L -> SARL


@dataclass(frozen=True, slots=True)
class CompanyName:
    """A company or trade name in canonical form."""

    name: str | None
    """Tokens joined by spaces."""
    tokens: tuple[str, ...]
    """Words left once the legal form and company stop words are removed."""
    key: str | None
    """Tokens joined without spaces: AL BARAKA and ALBARAKA agree."""
    legal_form: str | None
    """Legal form code found inside the name, if any."""

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def find_legal_forms(words: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Return (start, length, code) of each legal form spelling found in the words, left to right."""
    found: list[tuple[int, int, str]] = []
    start = 0
    while start < len(words):
        for spelling, code in _LEGAL_FORMS_BY_FIRST_WORD.get(words[start], ()):
            if words[start : start + len(spelling)] == spelling:
                found.append((start, len(spelling), code))
                start += len(spelling)
                break
        else:
            start += 1
    return found


def _split_company_words(raw: str) -> tuple[str, ...]:
    return split_words(fold_text(raw).translate(_COMPANY_PUNCTUATION))


@lru_cache(maxsize=4096)
def standardise_legal_form(raw: str) -> str | None:
    """Return the canonical legal form code of a legal form field, or None when not recognised."""
    found = find_legal_forms(_split_company_words(raw))
    return _most_specific(found)


def _most_specific(found: list[tuple[int, int, str]]) -> str | None:
    # The longest spelling says most (SARL D ASSOCIE UNIQUE over SARL); on a tie the last one wins,
    # as the legal form usually ends a company name.
    if not found:
        return None
    return max(found, key=lambda match: (match[1], match[0]))[2]


def choose_legal_form(declared: str | None, in_name: str | None) -> str | None:
    """Return the declared legal form, unless the name carries a special case of it (SARL -> SARLAU)."""
    if declared is None:
        return in_name
    if in_name is not None and LEGAL_FORM_REFINES.get(in_name) == declared:
        return in_name
    return declared


def parse_company_name(raw: str) -> CompanyName:
    """Return the canonical company name: legal form extracted, stop words removed."""
    words = _split_company_words(raw)
    found = find_legal_forms(words)
    in_form = {index for start, length, _ in found for index in range(start, start + length)}
    kept = tuple(word for index, word in enumerate(words) if index not in in_form)
    tokens = tuple(word for word in kept if word not in COMPANY_STOP_WORDS) or kept
    return CompanyName(
        name=" ".join(tokens) or None,
        tokens=tokens,
        key="".join(tokens) or None,
        legal_form=_most_specific(found),
    )
