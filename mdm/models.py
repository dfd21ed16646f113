"""Persistence model (SQLAlchemy 2): source records and versions, golden records and links, audit trail, outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mdm.validation import RECORD_FORMAT_FIELDS

# Predictable constraint names keep migrations readable and reversible on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Payload = JSON().with_variant(JSONB(), "postgresql")

# Text only ever looked up whole (blocking keys, search terms) is compared byte by byte on PostgreSQL (collation
# "C"), whatever the database's: building an index sorts millions of such values, and a language's collation made
# the blocking index's build at a million records take twice as long (8.8 s under an ICU French collation, 5.9 s under
# C.UTF-8, 4.4 s under C), for an order nobody reads.
ByteOrderKey = String(400).with_variant(String(400, collation="C"), "postgresql")
ByteOrderText = Text().with_variant(Text(collation="C"), "postgresql")

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata


class PointOfSale(Base):
    """Reference data: an agency, broker office, BGD office, bank branch or web channel."""

    __tablename__ = "point_of_sale"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    network: Mapped[str] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(256))
    # A closed agency's clients are handed to its successor: their moves there are portfolio transfers.
    closed_on: Mapped[date | None] = mapped_column(Date)
    successor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccessToken(Base):
    """A bearer token: only its sha256 is kept, so a leaked database does not leak working tokens."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    source_system: Mapped[str | None] = mapped_column(String(32))  # the one network a source token speaks for
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart in lists
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SourceRecord(Base):
    """What one source system says about one client: the head pointing at the current version."""

    __tablename__ = "source_record"
    # The id leads the key index so that a batch lookup by ids (IN list) is an index search everywhere.
    __table_args__ = (
        UniqueConstraint("source_record_id", "source_system", name="uq_source_record_key"),
        # Live records per network, point of sale, party type and day of their current version, read from the index
        # alone: the denominators of the data-quality indicators.
        Index("ix_source_record_scope", "is_deleted", "source_system", "point_of_sale_code", "party_type",
              "last_received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    source_record_id: Mapped[str] = mapped_column(String(128))
    party_type: Mapped[str] = mapped_column(String(16))
    point_of_sale_code: Mapped[str | None] = mapped_column(ForeignKey("point_of_sale.code"))
    product_line: Mapped[str | None] = mapped_column(String(16))
    current_version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    first_received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SourceRecordVersion(Base):
    """One immutable version of a source record; a retraction is a tombstone version without payload."""

    __tablename__ = "source_record_version"
    __table_args__ = (
        UniqueConstraint("record_id", "version", name="uq_source_record_version_record_version"),
        Index("ix_source_record_version_recorded_at", "recorded_at"),
    )

    # The id is a global, increasing sequence: "everything stored after id N" is how later runs find changes.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    is_tombstone: Mapped[bool] = mapped_column(Boolean, default=False)
    party_type: Mapped[str] = mapped_column(String(16))
    point_of_sale_code: Mapped[str | None] = mapped_column(String(64))
    product_line: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any] | None] = mapped_column(Payload)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who stored it: the access token's actor, or the command line (None for versions stored before tokens).
    recorded_by: Mapped[str | None] = mapped_column(String(64))


class MatchModelVersion(Base):
    """A trained match model: its parameters as data, so every link can name the version that made it."""

    __tablename__ = "match_model"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trained_on_records: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(Payload)


class GoldenRecord(Base):
    """One real client. The id is opaque, stable and never reused; a merged golden record redirects."""

    __tablename__ = "golden_record"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    party_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # active | merged | retired
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("golden_record.id"))
    # The surviving attributes with their provenance (mdm.survivorship); candidates are computed on read.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(Payload)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecordLink(Base):
    """Cross-reference source record -> golden record, effective-dated: a changed link closes and a new one opens."""

    __tablename__ = "record_link"
    __table_args__ = (
        Index("ix_record_link_record_id_valid_to", "record_id", "valid_to"),
        Index("ix_record_link_golden_id", "golden_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))
    golden_id: Mapped[str] = mapped_column(ForeignKey("golden_record.id"))
    model_version: Mapped[str | None] = mapped_column(ForeignKey("match_model.version"))
    # Strongest match probability tying the record to its cluster (None when it stands alone).
    probability: Mapped[float | None] = mapped_column(Float)
    cause: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ResolutionRun(Base):
    """One consolidation run and what it changed."""

    __tablename__ = "resolution_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str] = mapped_column(ForeignKey("match_model.version"))
    records: Mapped[int] = mapped_column(Integer)
    golden_records: Mapped[int] = mapped_column(Integer)
    links_changed: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    merged: Mapped[int] = mapped_column(Integer)
    split: Mapped[int] = mapped_column(Integer)
    possible_pairs: Mapped[int] = mapped_column(Integer)
    # Stewardship tasks the run opened, refreshed (new evidence) and closed (no longer uncertain).
    tasks_opened: Mapped[int] = mapped_column(Integer, default=0)
    tasks_refreshed: Mapped[int] = mapped_column(Integer, default=0)
    tasks_closed: Mapped[int] = mapped_column(Integer, default=0)


class BlockingKey(Base):
    """The persisted blocking index: a live record's keys, so a new record finds its candidates by key."""

    __tablename__ = "blocking_key"
    __table_args__ = (Index("ix_blocking_key_key", "key"), Index("ix_blocking_key_record_id", "record_id"))
    # Derived data rebuilt from the records: no foreign key, whose check per row costs more than the rebuild, and no
    # key constraint or surrogate id, which millions of rows would each have to be numbered for.
    __mapper_args__ = {"primary_key": ("record_id", "key")}  # noqa: RUF012 - read once by the mapper

    record_id: Mapped[int] = mapped_column(BigId)
    key: Mapped[str] = mapped_column(ByteOrderKey)


SAME, NOT_SAME, UNSURE = "same", "not_same", "unsure"  # a steward's verdicts


class Judgement(Base):
    """A steward's verdict on two source records, append-only: the latest one on a pair is the one in force.
    ``same`` is a must-link and ``not_same`` a cannot-link for every later resolution; ``unsure`` neither."""

    __tablename__ = "judgement"
    __table_args__ = (Index("ix_judgement_record_a_id", "record_a_id"),
                      Index("ix_judgement_record_b_id", "record_b_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The pair in one order (a < b), so the same two records always make the same pair.
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))
    version_a: Mapped[int] = mapped_column(Integer)  # the versions the steward saw
    version_b: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GoldenOverride(Base):
    """A steward's override of golden records (merge, split, unmerge), append-only: what it was about, the records
    each golden record held before and after, the judgements it wrote to make it durable, and the override it undoes.
    An undo is one more override (it appends new verdicts, it deletes nothing)."""

    __tablename__ = "golden_override"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # merge | split | unmerge
    # The golden record it is about: the survivor of a merge, the golden record split, the id an unmerge gave back.
    golden_id: Mapped[str] = mapped_column(String(32))
    # Golden id -> its records (``SOURCE_SYSTEM:source_record_id``), before the override and as it claimed them.
    before: Mapped[dict[str, Any]] = mapped_column(Payload)
    after: Mapped[dict[str, Any]] = mapped_column(Payload)
    judgement_ids: Mapped[list[int]] = mapped_column(Payload)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    undoes: Mapped[int | None] = mapped_column(ForeignKey("golden_override.id"))


OPEN, DECIDED, CLOSED = "open", "decided", "closed"  # a stewardship task's status
_OPEN_ONLY = text("status = 'open'")


class StewardshipTask(Base):
    """Work for a data steward: two records (standing for their clusters) that resolution could not settle alone.

    Resolution opens, refreshes and closes tasks in the transaction that changes what they are about, so a task is
    never stale; a steward decides it (``decided``), or the data settles it (``closed``). ``revision`` grows with
    every change, so a decision made on what a steward saw fails when the task moved on meanwhile."""

    __tablename__ = "stewardship_task"
    __table_args__ = (
        # The same pair never has two open tasks; the index also finds the open tasks of a record.
        Index("uq_stewardship_task_open_pair", "record_a_id", "record_b_id", unique=True,
              sqlite_where=_OPEN_ONLY, postgresql_where=_OPEN_ONLY),
        Index("ix_stewardship_task_open_record_b", "record_b_id", sqlite_where=_OPEN_ONLY,
              postgresql_where=_OPEN_ONLY),
        Index("ix_stewardship_task_queue", "status", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # possible_match | constraint_split | identifier_conflict
    status: Mapped[str] = mapped_column(String(16))
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))  # a < b
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_record.id"))
    version_a: Mapped[int] = mapped_column(Integer)  # the versions the evidence was computed on
    version_b: Mapped[int] = mapped_column(Integer)
    party_type: Mapped[str] = mapped_column(String(16))
    source_system_a: Mapped[str] = mapped_column(String(32))
    source_system_b: Mapped[str] = mapped_column(String(32))
    probability: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(64))  # what made it uncertain: the refused rule, the identifier
    records_involved: Mapped[int] = mapped_column(Integer)  # records of the two clusters
    priority: Mapped[int] = mapped_column(Integer)
    assignee: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How it ended: the verdict (decided), or why the data settled it (closed: linked, judged, retracted, ...).
    outcome: Mapped[str | None] = mapped_column(String(32))
    ended_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    judgement_id: Mapped[int | None] = mapped_column(ForeignKey("judgement.id"))


class AuditChainHead(Base):
    """The last link of the audit chain (one row). Appending locks it, so concurrent writers extend one chain,
    and an event deleted from the end of the chain is still noticed."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One append-only entry of the audit trail; its hash covers its fields and the previous entry's hash."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_golden_id_sequence", "golden_id", "sequence"),
        # The hub's health counts golden record changes of each kind per period.
        Index("ix_audit_event_kind_occurred_at", "kind", "occurred_at"),
    )

    # The position in the chain: gapless, in commit order.
    sequence: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    golden_id: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    cause: Mapped[dict[str, Any]] = mapped_column(Payload)
    model_version: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(Payload)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEvent(Base):
    """A lifecycle notification for other systems, written in the transaction that made the change."""

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(32))
    golden_id: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)


_MOVES_ONLY = text("from_point_of_sale IS NOT NULL")


class PointOfSaleStint(Base):
    """A period during which one point of sale served a client (a golden record), derived from its records.

    A derived table, rebuilt from the links and versions it names: no foreign keys, whose per-row checks would
    cost more than the rebuild of a million records' stints itself."""

    __tablename__ = "point_of_sale_stint"
    __table_args__ = (
        Index("ix_point_of_sale_stint_golden_id", "golden_id"),
        # The portfolio-transfer rule reads a point of sale's last observation and the moves out of it since.
        Index("ix_point_of_sale_stint_point_of_sale", "point_of_sale", "last_seen_date"),
        Index("ix_point_of_sale_stint_from_point_of_sale", "from_point_of_sale", "start_date"),
        Index("ix_point_of_sale_stint_transferred", "from_point_of_sale",
              sqlite_where=text("reason = 'portfolio_transfer'"),
              postgresql_where=text("reason = 'portfolio_transfer'")),
        # Movement reports count the moves (stints taking over from another point of sale) by date and reason.
        Index("ix_point_of_sale_stint_moves", "start_date", "reason", "network",
              sqlite_where=_MOVES_ONLY, postgresql_where=_MOVES_ONLY),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    golden_id: Mapped[str] = mapped_column(String(32))
    network: Mapped[str] = mapped_column(String(32))
    point_of_sale: Mapped[str] = mapped_column(String(64))
    # The point of sale this stint took over from (None for a client's first one in a line of service).
    from_point_of_sale: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # exclusive; None while current
    last_seen_date: Mapped[date] = mapped_column(Date)  # the stint's latest observation
    reason: Mapped[str] = mapped_column(String(32))
    # What the client's own history says; ``reason`` overrides it when many clients moved together.
    history_reason: Mapped[str] = mapped_column(String(32))
    evidence_version_id: Mapped[int] = mapped_column(BigId)  # the record version that opened the stint


class SearchTerm(Base):
    """The search index: what a live record is looked up by (name words, identifiers, phones, e-mail, city).

    Derived data, rebuilt by each full consolidation and kept in step online; no foreign key, so a rebuild of
    millions of rows costs no per-row check."""

    __tablename__ = "search_term"
    # No key constraint: a bare index by record (for replacing a record's terms) is far cheaper to fill than one
    # over (record, term), and a duplicate term would be harmless.
    __table_args__ = (Index("ix_search_term_term", "term", "record_id"), Index("ix_search_term_record_id", "record_id"))
    __mapper_args__ = {"primary_key": ("record_id", "term")}  # noqa: RUF012 - read once by the mapper

    record_id: Mapped[int] = mapped_column(BigId)
    term: Mapped[str] = mapped_column(ByteOrderText)


class SearchNameVariant(Base):
    """Each name word of the index under its spelling variants (one letter left out), so that a query word one
    edit away (a typo, Mhamed for Mohamed) finds the words it may stand for. Only grows online; rebuilt in full."""

    __tablename__ = "search_name_variant"
    __table_args__ = ({"sqlite_with_rowid": False},)

    variant: Mapped[str] = mapped_column(Text, primary_key=True)
    word: Mapped[str] = mapped_column(Text, primary_key=True)


class _CaptureCounts:
    """What the capture journal counts per key: creations, modifications and retractions."""

    created: Mapped[int] = mapped_column(BigInteger)
    modified: Mapped[int] = mapped_column(BigInteger)
    retracted: Mapped[int] = mapped_column(BigInteger)


class JournalCaptureDay(_CaptureCounts, Base):
    """How many source record versions were captured per day: created (a record's first version), modified (a
    later version) and retracted (a tombstone). The network is the point of sale's at capture, else the source's;
    '' stands for no product line, so the key holds no null. The source system is no key: no report splits by
    it, and it would add rows wherever it differs from the network.

    Like every journal table, it holds counts to add up: each write of versions appends a row per key it counts,
    in its own transaction, and a key's rows are summed when read (``journal_sums``). The daily run folds them
    into one row per key. No key constraint: upserting a row per key made every write update rows scattered over
    the whole table, the larger part of a bulk load's time, and made concurrent writers wait for each other."""

    __tablename__ = "journal_capture_day"
    __mapper_args__ = {"primary_key": ("day", "network", "product_line", "party_type")}  # noqa: RUF012

    day: Mapped[date] = mapped_column(Date)
    network: Mapped[str] = mapped_column(String(32))
    product_line: Mapped[str] = mapped_column(String(16))
    party_type: Mapped[str] = mapped_column(String(16))


class JournalCaptureMonth(_CaptureCounts, Base):
    """The same counts per month (its first day) down to the point of sale ('' when none): a day per point of sale
    would hold as many rows as captures."""

    __tablename__ = "journal_capture_month"
    __mapper_args__ = {  # noqa: RUF012 - read once by the mapper
        "primary_key": ("month", "network", "point_of_sale", "product_line", "party_type")}

    month: Mapped[date] = mapped_column(Date)
    network: Mapped[str] = mapped_column(String(32))
    point_of_sale: Mapped[str] = mapped_column(String(64))
    product_line: Mapped[str] = mapped_column(String(16))
    party_type: Mapped[str] = mapped_column(String(16))


# The fields of the record format in the order of their journal columns, each counted in a column of its own.
JOURNAL_FIELDS = tuple(sorted(RECORD_FORMAT_FIELDS))


def field_column(field: str) -> str:
    """The journal column counting the captures that carried this field of the record format."""
    return f"with_{field}"


class JournalFieldMonth(Base):
    """Per month and point of sale, how many captures (created or modified versions) there were and how many
    carried each field of the record format with a value, one column per field (with_phone, ...): a row per key
    (and per write until folded) however many fields a capture carries, so missing = captures - with_<field>."""

    __table__ = Table(
        "journal_field_month", metadata,
        Column("month", Date, nullable=False),
        Column("network", String(32), nullable=False),
        Column("point_of_sale", String(64), nullable=False),
        Column("party_type", String(16), nullable=False),
        Column("captures", BigInteger, nullable=False),
        *(Column(field_column(field), BigInteger, nullable=False) for field in JOURNAL_FIELDS),
    )
    __mapper_args__ = {"primary_key": ("month", "network", "point_of_sale", "party_type")}  # noqa: RUF012


class JournalUnknownFieldMonth(Base):
    """Per month and point of sale, how many captures carried each field outside the record format with a value:
    rows only for the fields sources actually send, so it stays small."""

    __tablename__ = "journal_unknown_field_month"
    __mapper_args__ = {  # noqa: RUF012 - read once by the mapper
        "primary_key": ("month", "network", "point_of_sale", "party_type", "field")}

    month: Mapped[date] = mapped_column(Date)
    network: Mapped[str] = mapped_column(String(32))
    point_of_sale: Mapped[str] = mapped_column(String(64))
    party_type: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(64))
    present: Mapped[int] = mapped_column(BigInteger)


class GoldenPortfolio(Base):
    """What one active client holds and since when, summed up from its records' current versions: kept in step
    with survivorship, so portfolio reports count each client once without reading its records.

    Derived data (no foreign key), rebuilt with the golden records' attributes; merged and retired golden records
    have none."""

    __tablename__ = "golden_portfolio"
    __table_args__ = (Index("ix_golden_portfolio_first_seen", "first_seen"),)

    golden_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    party_type: Mapped[str] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(128))  # the surviving city
    legal_form: Mapped[str | None] = mapped_column(String(32))  # the surviving legal form (organisations)
    first_seen: Mapped[date] = mapped_column(Date)  # the day its earliest record was received: when it was recruited
    last_seen: Mapped[date] = mapped_column(Date)  # the day of its latest record version
    years_active: Mapped[int] = mapped_column(Integer)  # full years from first_seen to last_seen
    recruiting_network: Mapped[str] = mapped_column(String(32))  # the network of its earliest record
    recruiting_point_of_sale: Mapped[str | None] = mapped_column(String(64))
    networks: Mapped[int] = mapped_column(Integer)  # networks serving it
    network_set: Mapped[str] = mapped_column(String(200))  # those networks, sorted, separated by spaces
    records: Mapped[int] = mapped_column(Integer)
    products: Mapped[int] = mapped_column(Integer)  # distinct product codes its records list
    loyalty_card: Mapped[bool] = mapped_column(Boolean)
    payment_incidents: Mapped[int] = mapped_column(Integer)


class GoldenRelationship(Base):
    """One network's relation with one active client: what that network's records say (derived like
    ``GoldenPortfolio``)."""

    __tablename__ = "golden_relationship"
    __table_args__ = (Index("ix_golden_relationship_network", "network"),)

    golden_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    network: Mapped[str] = mapped_column(String(32), primary_key=True)
    party_type: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date)
    records: Mapped[int] = mapped_column(Integer)
    products: Mapped[int] = mapped_column(Integer)
    loyalty_card: Mapped[bool] = mapped_column(Boolean)
    payment_incidents: Mapped[int] = mapped_column(Integer)


class RecordFinding(Base):
    """What is wrong with one field of a live record's current version (``matching.findings``): a placeholder by rule,
    a placeholder by frequency, a malformed value and the rule it breaks; field ``*`` sums the record up (any field).
    Records without findings have no rows. One row per record and field, so the indicators count rows, never
    distinct records. Derived data, replaced whenever resolution reads a record again and rebuilt by every full
    consolidation: no foreign key, no key constraint."""

    __tablename__ = "record_finding"
    __table_args__ = (
        Index("ix_record_finding_record_id", "record_id"),
        # The indicators filter on a window of received dates.
        Index("ix_record_finding_received_at", "received_at"),
    )
    __mapper_args__ = {"primary_key": ("record_id", "field")}  # noqa: RUF012 - read once by the mapper

    record_id: Mapped[int] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer)
    source_system: Mapped[str] = mapped_column(String(32))
    point_of_sale: Mapped[str | None] = mapped_column(String(64))
    party_type: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the current version's
    field: Mapped[str] = mapped_column(String(32))
    placeholder_rule: Mapped[bool] = mapped_column(Boolean)
    placeholder_frequency: Mapped[bool] = mapped_column(Boolean)
    invalid: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str | None] = mapped_column(String(32))  # the rule an invalid value breaks (not on ``*``)


class PlaceholderValueUse(Base):
    """A live record's current version carrying a value found by frequency (shared by implausibly many clients), per
    feature it was found in: derived data kept with ``record_finding``."""

    __tablename__ = "placeholder_value_use"
    __table_args__ = (Index("ix_placeholder_value_use_record_id", "record_id"),)
    __mapper_args__ = {"primary_key": ("record_id", "feature", "value")}  # noqa: RUF012 - read once by the mapper

    record_id: Mapped[int] = mapped_column(BigId)
    source_system: Mapped[str] = mapped_column(String(32))
    point_of_sale: Mapped[str | None] = mapped_column(String(64))
    party_type: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    field: Mapped[str] = mapped_column(String(32))
    feature: Mapped[str] = mapped_column(String(32))  # the name it is reported under (matching.findings)
    value: Mapped[str] = mapped_column(Text)
