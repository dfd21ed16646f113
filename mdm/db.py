"""Database engine, sessions and migrations: one engine per app, one session per request or command."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
import psycopg
from alembic import command
from alembic.config import Config as AlembicConfig
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Engine, ForeignKeyConstraint, Integer, Table, any_, bindparam, create_engine, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import AddConstraint, DropConstraint

T = TypeVar("T")
_log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def json_text(value: Any) -> str:
    """A JSON column's value as the text both backends store it from (the engines' serializer)."""
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """Build an engine; SQLite gets WAL and a busy timeout so the API and a load can share the file."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, json_serializer=json_text, json_deserializer=orjson.loads,
            connect_args={"timeout": 30},
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    return create_engine(
        url, json_serializer=json_text, json_deserializer=orjson.loads, pool_pre_ping=True,
    )


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache (default 2 MiB) keeps the key indexes hot when millions of records are loaded, and
    # checkpointing every 40 MiB of log (default 4 MiB) writes a hot index page once instead of many times.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, the driver's executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    columns = list(rows[0])
    if connection.dialect.name != "postgresql":
        # Straight to the driver's executemany with the column types' own converters: the per-row
        # parameter handling of a Core executemany costs more than SQLite's insert itself.
        dialect = connection.dialect
        converters = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        quote = dialect.identifier_preparer.quote
        statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                     f"VALUES ({', '.join('?' for _ in columns)})")
        values = []
        for name, convert in zip(columns, converters, strict=True):
            column = [row[name] for row in rows]
            values.append(column if convert is None else [None if v is None else convert(v) for v in column])
        connection.exec_driver_sql(statement, list(zip(*values, strict=True)))
        return
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([
                    Jsonb(row[name], dumps=json_text) if name in json_columns and row[name] is not None else row[name]
                    for name in columns
                ])
    except psycopg.Error as error:
        # Same exception family as every other statement, so callers handle one kind of database error.
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def plain_rows(result: Iterable[Any]) -> list[Any]:
    """A result's rows as plain tuples. A compiled module checks at run time that what its hints call a tuple is one,
    and a Row is a tuple to the type checker only. A stream too large to copy is annotated ``Iterable[Any]`` instead,
    whose items are not checked."""
    return [tuple(row) for row in result]


def on_postgresql(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (else the embedded SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``; PostgreSQL takes the values as one array parameter, cheaper than thousands."""
    if on_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def any_of_parameter(column: Any, name: str, postgresql: bool) -> Any:
    """``column IN :name``, for a statement built once and run with ``{name: values}`` each time: no expression to
    build, no cache key to compute, per run. On PostgreSQL one array parameter, whose statement text never changes,
    so the driver prepares it once for the connection; elsewhere an expanding parameter."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """The next ``count`` values of a PostgreSQL table's id sequence, ascending, in one round trip: rows given
    these ids are numbered as the sequence would have numbered them on insert."""
    driver_connection = session.connection().connection.driver_connection
    assert driver_connection is not None
    # Straight from the driver: thousands of one-value rows cost more through the engine's result than to draw.
    with driver_connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       (table.name, count))
        return sorted(row[0] for row in cursor.fetchall())


_COPY_SPECIALS = ("\\", "\t", "\r", "\n")


class CopyFields(str):
    """The last fields of a row already as COPY text (tab-separated, nothing to escape), given as one column of a
    block for as many of ``names``: a writer whose rows end alike renders each distinct ending once. PostgreSQL
    only (SQLite's executemany wants one value per column)."""


def _copy_field(values: Sequence[Any], moments: dict[datetime, str]) -> list[str]:
    """Values as COPY text fields (None is NULL); only a block that holds a special character pays for escaping.
    A datetime is formatted once per block (``moments``): a block repeats its moments (the time of writing, a
    record's arrival in two columns), and formatting one costs more than finding it again."""
    if values and isinstance(values[0], CopyFields):
        return list(values)
    if values and isinstance(values[0], datetime):
        texts = [moments[value] if value in moments else moments.setdefault(value, str(value)) for value in values]
    else:
        texts = list(map(str, values))
    block = "".join(texts)
    if any(special in block for special in _COPY_SPECIALS):
        texts = [text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
                 for text in texts]
    if None in values:
        texts = ["\\N" if value is None else text for value, text in zip(values, texts, strict=True)]
    return texts


def copy_text(columns: Sequence[Sequence[Any]]) -> str:
    """Rows given column by column as COPY text lines."""
    moments: dict[datetime, str] = {}
    # Joining the fields of each row is a fifth faster than formatting a line template with them.
    return "\n".join(map("\t".join, zip(*(_copy_field(values, moments) for values in columns), strict=True))) + "\n"


def empty_table(session: Session, table: Table) -> None:
    """Remove every row of a derived table about to be rebuilt: TRUNCATE on PostgreSQL (no dead rows to vacuum;
    readers wait for the rebuild to commit), DELETE on SQLite (which empties a table without a scan)."""
    if on_postgresql(session):
        session.execute(text(f"TRUNCATE {table.name}"))
    else:
        session.execute(table.delete())


def commit_without_waiting_for_disk(session: Session) -> None:
    """Let this transaction's commit return before PostgreSQL has flushed it to disk (it is flushed a moment later):
    only for writes that a re-run redoes, since a crash may lose such a commit though the caller saw it succeed.
    SQLite's commits already wait for no flush (synchronous=NORMAL in WAL mode)."""
    if on_postgresql(session):
        session.execute(text("SET LOCAL synchronous_commit = off"))


def refresh_statistics(session: Session, tables: Sequence[Table]) -> None:
    """After a bulk write, let PostgreSQL's planner see the tables' new sizes (ANALYZE samples them) rather than
    wait for autovacuum, which may be slow or off: online requests right after a full run depend on good plans."""
    if tables and on_postgresql(session):
        session.execute(text(f"ANALYZE {', '.join(table.name for table in tables)}"))


@contextmanager
def indexes_set_aside(session: Session, table: Table, foreign_keys: bool = False) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk rebuild and create them again after: one sort per index
    instead of millions of insertions into it (transactional on both backends, so a failure restores them).
    With ``foreign_keys``, a PostgreSQL table's foreign keys too (see `foreign_keys_set_aside`)."""
    connection = session.connection()
    with foreign_keys_set_aside(session, table.foreign_key_constraints if foreign_keys else ()):
        for index in table.indexes:
            index.drop(connection)
        yield
        for index in table.indexes:
            index.create(connection)


@contextmanager
def foreign_keys_set_aside(session: Session, references: Iterable[ForeignKeyConstraint]) -> Iterator[None]:
    """Drop these foreign keys of PostgreSQL tables while rows are written and add them back after: each inserted
    row's references are otherwise checked one by one, locking every row referred to, where adding them back checks
    every row in one join. Dropping them locks the tables they refer to against every other transaction, readers
    included, until this one ends. SQLite keeps its foreign keys (it cannot drop one)."""
    connection = session.connection()
    set_aside = sorted(references, key=lambda reference: str(reference.name)) \
        if connection.dialect.name == "postgresql" else []
    for reference in set_aside:
        connection.execute(DropConstraint(reference))
    yield
    for reference in set_aside:
        connection.execute(AddConstraint(reference))


def bulk_insert_columns(session: Session, table: Table, columns: Mapping[str, Sequence[Any]]) -> None:
    """Insert many rows given column by column (no row objects: millions of short rows are cheap); values as for
    ``bulk_insert_blocks``."""
    names = list(columns)
    if names and len(columns[names[0]]):  # nothing to write costs no round trip
        bulk_insert_blocks(session, table, names, [list(columns.values())], stream=False)


def bulk_insert_blocks(session: Session, table: Table, names: Sequence[str],
                       blocks: Iterable[Sequence[Sequence[Any]] | bytes], stream: bool = True) -> None:
    """Insert rows given block by block, each block column by column in the order of ``names``: one COPY text on
    PostgreSQL, the driver's executemany per block on SQLite. With ``stream``, a thread sends each block while the
    next one is built, so PostgreSQL parses and stores rows while Python makes more. Values are what the column
    stores: ints, floats, text (a JSON column's as JSON text), datetimes, or None. On PostgreSQL a block may also
    come as its COPY text already (``copy_text`` of its columns, encoded)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        dialect = connection.dialect
        # Datetimes need the column type's converter; JSON arrives as its text, which SQLite stores as it is.
        converters = [None if isinstance(table.c[name].type, JSON)
                      else table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
        quote = dialect.identifier_preparer.quote
        statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
                     f"VALUES ({', '.join('?' for _ in names)})")
        for block in blocks:
            if isinstance(block, bytes):
                raise TypeError("rows rendered as COPY text are for PostgreSQL only")
            values = [column if convert is None else [None if v is None else convert(v) for v in column]
                      for column, convert in zip(block, converters, strict=True)]
            if values and len(values[0]):
                connection.exec_driver_sql(statement, list(zip(*values, strict=True)))
        return
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    try:
        with driver_connection.cursor() as cursor:
            writer = QueuedLibpqWriter(cursor) if stream else None
            with cursor.copy(statement, writer=writer) as copy:
                for block in blocks:
                    if isinstance(block, bytes):  # rendered already (see `copy_text`)
                        copy.write(block)
                    elif block and len(block[0]):
                        copy.write(copy_text(block))
    except psycopg.Error as error:
        # Same exception family as every other statement, so callers handle one kind of database error.
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


# Unique violation, serialization failure, deadlock: another transaction won a race; running again succeeds.
_RACE_SQLSTATES = frozenset({"23505", "40001", "40P01"})


def lost_a_race(error: DBAPIError) -> bool:
    """True when a write failed only because a concurrent transaction touched the same rows first."""
    # SQLite reports neither case with a SQLSTATE: a unique violation, or a snapshot made stale by another
    # writer's commit ("database is locked" once the busy timeout cannot help).
    if isinstance(error, IntegrityError) and "UNIQUE" in str(error.orig):
        return True
    if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        return True
    return getattr(error.orig, "sqlstate", None) in _RACE_SQLSTATES


def run_transaction(factory: sessionmaker[Session], work: Callable[[Session], T], attempts: int = 3) -> T:
    """Run ``work`` in one transaction, again from the start when it lost a race to a concurrent writer."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(factory) as session:
                return work(session)
        except DBAPIError as error:
            if attempt == attempts or not lost_a_race(error):
                raise
            # Logged, so an operator can tell rare races from a hot spot that keeps writers retrying.
            _log.warning("transaction lost a race (%s); running it again (attempt %d of %d)",
                         getattr(error.orig, "sqlstate", None) or "sqlite", attempt + 1, attempts)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lock_number(name: str) -> int:
    """A name as a signed 32-bit lock number: collisions only make two unrelated writers wait for each other."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big", signed=True)


def lock_space(session: Session, space: int, exclusive: bool) -> None:
    """Hold a lock on a whole space of named locks until the transaction ends: shared by a writer that then locks
    names in it, exclusive by one whose names are too many to lock one by one (it then waits for every holder
    of a name, and they for it). PostgreSQL advisory locks; a no-op on SQLite, whose writers take turns anyway."""
    if not on_postgresql(session):
        return
    # The one-number form of the space: PostgreSQL keeps it apart from the two-number locks of its names.
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.execute(text(f"SELECT {function}(:space)"), {"space": space})


def lock_names(session: Session, space: int, names: Collection[str]) -> None:
    """Hold an exclusive lock on each name until the transaction ends (after ``lock_space``, shared). Locks are
    taken in ascending order in one statement, so two writers locking overlapping sets never deadlock. A no-op on
    SQLite, like ``lock_space``."""
    if not names or not on_postgresql(session):
        return
    numbers = sorted({_lock_number(name) for name in names})
    # A scan of the array yields its elements in order, so the locks are taken in that order.
    session.execute(
        text("SELECT count(pg_advisory_xact_lock(:space, number)) FROM unnest(:numbers) AS number")
        .bindparams(bindparam("numbers", type_=ARRAY(Integer))),
        {"space": space, "numbers": numbers})


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default); safe to call on every start."""
    command.upgrade(_alembic_config(engine), revision)


def downgrade_database(engine: Engine, revision: str = "base") -> None:
    command.downgrade(_alembic_config(engine), revision)
