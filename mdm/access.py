"""Who may do what: the roles, the permissions each holds, and the checks that scope a source system to its own data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from mdm.errors import Forbidden
from mdm.models import GoldenRecord, RecordLink, SourceRecord


class Role(StrEnum):
    SOURCE = "source"  # a network's system: writes and reads its own records only
    STEWARD = "steward"  # decides matches, overrides golden records, reads everything
    AUDITOR = "auditor"  # reads everything, writes nothing
    MANAGER = "manager"  # runs a network or the company: the operating journal, data quality and portfolio
    ADMIN = "admin"  # tokens, points of sale, models, configuration; every other right too


class Permission(StrEnum):
    WRITE_RECORDS = "records:write"
    READ_RECORDS = "records:read"
    READ_GOLDEN = "golden:read"  # one golden record and its movements
    SEARCH_GOLDEN = "golden:search"  # the whole portfolio: search, lineage, explanations, events
    READ_AUDIT = "audit:read"
    STEWARD = "stewardship:decide"
    READ_STEWARDSHIP = "stewardship:read"  # the queue, its tasks and the judgements made
    READ_REFERENCE = "reference:read"  # points of sale
    READ_JOURNAL = "journal:read"  # the operating journal, data quality and portfolio indicators
    ADMINISTER = "admin"  # tokens, points of sale, models, configuration
    SIGN_IN = "sign_in"  # open the hub's pages


_READ_EVERYTHING = frozenset({Permission.SIGN_IN,
    Permission.READ_RECORDS, Permission.READ_GOLDEN, Permission.SEARCH_GOLDEN, Permission.READ_AUDIT,
    Permission.READ_REFERENCE, Permission.READ_STEWARDSHIP, Permission.READ_JOURNAL,
})
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SOURCE: frozenset({Permission.WRITE_RECORDS, Permission.READ_RECORDS, Permission.READ_GOLDEN,
                            Permission.READ_REFERENCE, Permission.SIGN_IN}),
    Role.STEWARD: _READ_EVERYTHING | {Permission.STEWARD},
    # Counts about clients, never a client's own data.
    Role.MANAGER: frozenset({Permission.READ_JOURNAL, Permission.READ_REFERENCE, Permission.SIGN_IN}),
    Role.AUDITOR: _READ_EVERYTHING,
    # The command line runs with these rights too: an operator who can reach the database can do anything.
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: the token it presented, its role and, for a source, the network it speaks for."""

    token_id: int
    name: str
    role: Role
    source_system: str | None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller: the token's name and id (names need not be unique)."""
        return f"{self.name}#{self.token_id}"[-64:]

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


def require(principal: Principal, permission: Permission) -> None:
    if not principal.may(permission):
        raise Forbidden(f"the {principal.role} role may not do this ({permission})")


def require_source_system(principal: Principal, source_system: str | None) -> None:
    """A source token reads and writes the records of its own network only; other roles are not scoped."""
    if principal.role is not Role.SOURCE:
        return
    if (source_system or "").upper() != principal.source_system:
        raise Forbidden(f"a token of {principal.source_system} may only touch records of {principal.source_system}, "
                        f"not of {source_system!r}")


def require_golden_visible(session: Session, principal: Principal, golden_id: str) -> None:
    """A source sees the golden records its records belong to (or were merged into one of those); an unknown id
    is left to the read itself, which answers 404."""
    if principal.role is not Role.SOURCE:
        return
    if session.get(GoldenRecord, golden_id) is None:
        return
    # A merged id redirects to its survivor: visible when the survivor holds one of the source's records.
    seen: set[str] = set()
    current = golden_id
    while current not in seen:
        seen.add(current)
        golden = session.get(GoldenRecord, current)
        if golden is None or golden.merged_into is None:
            break
        current = golden.merged_into
    holds_own_record = select(exists().where(
        RecordLink.golden_id.in_(seen), RecordLink.valid_to.is_(None), RecordLink.record_id == SourceRecord.id,
        SourceRecord.source_system == principal.source_system,
    ))
    if not session.scalar(holds_own_record):
        raise Forbidden(f"golden record {golden_id} holds no record of {principal.source_system}")
