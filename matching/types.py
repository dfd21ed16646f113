"""Type aliases and small frozen values shared across the matching package."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

RawRecord = Mapping[str, object]
"""One source record as received: field name to raw value (missing as absent, None or "")."""

FieldName = str
"""A field of the ingest contract, e.g. ``"phone"`` or ``"birth_date"``."""

PhoneKind = Literal["mobile", "fixed", "other"]
"""What a telephone line says about its holder: a mobile is personal, a fixed line is shared."""


@dataclass(frozen=True, slots=True)
class Phone:
    """A telephone number in E.164 form with the kind of line it is.

    ``allocated`` is False for a number of Moroccan shape in a range the numbering plan does not (yet)
    allocate: a typo or a newer range, still comparable as typed.
    """

    number: str
    kind: PhoneKind
    allocated: bool = True


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A parsed birth date; ``swapped`` is the other reading when day and month could be exchanged."""

    value: date
    swapped: date | None = None

    @property
    def ambiguous(self) -> bool:
        """True when the source format does not settle which number is the day."""
        return self.swapped is not None


@dataclass(frozen=True, slots=True)
class Ice:
    """Identifiant Commun de l'Entreprise split into its company, establishment and check parts."""

    number: str
    company: str
    establishment: str
    check: str
    checksum_ok: bool


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    """A person's identity document: canonical type and number, and whether the number is well formed."""

    id_type: str | None
    number: str
    well_formed: bool
