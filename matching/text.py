"""Text folding shared by the standardisers: upper-case ASCII and word tokens."""

import re

from unidecode import unidecode

# Characters unidecode would spell out ("N°" -> "NDEG") or turn into odd quotes.
_BEFORE_TRANSLITERATION = str.maketrans({"°": " ", "º": " ", "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"[A-Z0-9]+")


def fold_text(raw: str) -> str:
    """Return raw text in upper-case ASCII with accents transliterated and spacing collapsed."""
    ascii_text = raw if raw.isascii() else unidecode(raw.translate(_BEFORE_TRANSLITERATION))
    return " ".join(ascii_text.upper().split())


def split_words(folded: str) -> tuple[str, ...]:
    """Return the letter-and-digit words of folded text; punctuation separates words."""
    return tuple(_WORD.findall(folded))
