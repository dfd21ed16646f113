"""Movements: which points of sale serve each client, and since when, derived from the records' dated observations.

Every version of every record of a golden record is an observation: on the day it was received, this point of sale
(of this network) sent the client, for this product line, living at this address (city, address line, landline).
Ordered by date, the observations
form lines of service (tracks), each a series of stints at one point of sale:

- an observation at a point of sale a track already holds is further evidence of that stint;
- one at another point of sale of the same network moves that network's track: an ``agent_change``, or a
  ``relocation`` when the client moved home (another city; or in the same city, a new address and landline);
- one from another network takes over a track whose network sends nothing more for this client, for the product
  line that track mainly carried: a ``channel_switch``;
- otherwise two networks serve the client at once (savings at a bank branch, motor insurance with an agent):
  the observation opens a concurrent track (``initial``).

A ``portfolio_transfer`` is a move from a point of sale declared closed to its declared successor, or, without a
declaration, is told apart across clients: many clients of one point of sale that stopped sending
anything reappearing at the same successor within weeks of each other. It is recomputed for every point of sale
a refresh touches, so a client's move is relabelled when others join (or leave) the pattern.

The stints of the golden records a resolution refreshed are rebuilt set-wise in its transaction (deleted and
inserted); those of merged and retired golden records are dropped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from rapidfuzz.fuzz import token_set_ratio
from sqlalchemy import Date, Table, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from matching.places import ADDRESS_ABBREVIATIONS
from matching.settings import MatchSettings
from matching.standardise import read_address, read_city, read_phones
from mdm.db import bulk_insert_columns, indexes_set_aside, on_postgresql, one_of, plain_rows
from mdm.events import CLIENT_MOVED, NewEvent, emit_many
from mdm.golden_records import find_golden_record
from mdm.models import GoldenRecord, PointOfSale, PointOfSaleStint, RecordLink, SourceRecord, SourceRecordVersion
from native import Rebuilt, rebuilt

if TYPE_CHECKING:
    from mdm.resolution import GoldenChanges

INITIAL, AGENT_CHANGE, CHANNEL_SWITCH = "initial", "agent_change", "channel_switch"
RELOCATION, PORTFOLIO_TRANSFER = "relocation", "portfolio_transfer"
REASONS = (INITIAL, AGENT_CHANGE, CHANNEL_SWITCH, RELOCATION, PORTFOLIO_TRANSFER)

# Two clients of one agency choosing the same new agency within weeks happens by chance in a town with two
# agencies; three or more while the old one falls silent is a portfolio changing hands.
MIN_TRANSFERRED_CLIENTS = 3
# A closing point of sale may still send its backlog for a few weeks while its successor already re-registers
# the clients: moves that early still belong to the handover.
HANDOVER_DAYS = 30
# A successor re-registers a closed portfolio over weeks, so its clients' moves bunch within a quarter: short
# beside the years that usually separate two records of one client, so unrelated moves rarely bunch like that.
TRANSFER_WINDOW_DAYS = 90

ADDRESS_KIND_WORDS = frozenset(ADDRESS_ABBREVIATIONS)
_CHUNK = 5000
_ROUTES_PER_QUERY = 200  # points of sale whose moves one query reads: one condition each
_stint_table = cast(Table, PointOfSaleStint.__table__)


class Observation(NamedTuple):
    """One record version's word on a client: on this day this point of sale sent it, for a client living there.
    The residence is kept as the source wrote it and read (``read_residence``) only when a move within a network
    asks whether the client moved home: most clients never move, and reading addresses and phones is costly. A named
    tuple: a full run makes one per version, a million, which a frozen dataclass makes four times dearer."""

    day: date
    version_id: int  # global and increasing: orders observations received on the same day
    point_of_sale: str
    network: str
    product_line: str | None = None
    city: str | None = None
    address_line: str | None = None
    phones: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Residence:
    """Where a client lives, as one observation says (``read_residence``) or as known at some point of its history
    (each part as last, or first, given)."""

    city: str | None = None  # standardised
    address: str | None = None  # the words that tell one address line from another (see ``read_residence``)
    landlines: frozenset[str] = frozenset()  # fixed lines: they belong to a dwelling or an office

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class Closure:
    """A point of sale declared closed on a day, its clients handed to a successor."""

    closed_on: date
    successor: str | None

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(slots=True, eq=False)  # identity: a stint is one line of the history, found again by reference
class Stint:
    network: str
    point_of_sale: str
    from_point_of_sale: str | None
    start_date: date
    last_seen_date: date
    history_reason: str
    evidence_version_id: int
    end_date: date | None = None
    reason: str = ""  # the final reason: the history's, or a portfolio transfer seen across clients


@dataclass(slots=True)
class _Track:
    stints: list[Stint]
    product_lines: Counter[str] = field(default_factory=Counter)
    last_position: int = 0


def one_home_similarity(settings: MatchSettings) -> float | None:
    """From which similarity two address lines describe one home. Two captures of one line differ in abbreviations,
    order and missing words; the match settings' person address comparison still calls them "similar" from its
    threshold of that level on (65 in the shipped settings). None when the settings have no such level."""
    return settings.similarity_threshold("person", "address", "similar")


_received_order = attrgetter("day", "version_id")


def derive_stints(observations: Iterable[Observation], same_address_similarity: float | None) -> list[Stint]:
    """The stints of one client, from the observations of all its records (every version), in any order; two
    address lines at least ``same_address_similarity`` alike are one home (None: address lines tell nothing)."""
    ordered = sorted(observations, key=_received_order)
    first = ordered[0]
    if all(o.point_of_sale == first.point_of_sale for o in ordered):  # most clients: one point of sale, one stint
        stint = _stint(first, None, INITIAL)
        stint.last_seen_date = ordered[-1].day
        return [stint]
    # Where each network is last seen for this client: a track whose network sends again later was not left.
    last_seen_at = {o.network: position for position, o in enumerate(ordered)}
    residences = _Residences(ordered)
    tracks: list[_Track] = []
    holding: dict[str, _Track] = {}  # point of sale -> the track whose current stint is there
    for position, observation in enumerate(ordered):
        holder = holding.get(observation.point_of_sale)
        if holder is None:
            # One line of service per network; another network takes over a line whose network fell silent.
            same_network = [t for t in tracks if t.stints[-1].network == observation.network]
            left = same_network or [t for t in tracks if last_seen_at[t.stints[-1].network] < position
                                    and _carries(t.product_lines, _lines_ahead(ordered, position))]
            if left:
                holder = max(left, key=lambda t: t.last_position)
                del holding[holder.stints[-1].point_of_sale]
                _move(holder, observation, partial(residences.moved_home_at, position, same_address_similarity))
            else:
                holder = _Track([_stint(observation, None, INITIAL)])
                tracks.append(holder)
            holding[observation.point_of_sale] = holder
        holder.stints[-1].last_seen_date = observation.day
        if observation.product_line:
            holder.product_lines[observation.product_line] += 1
        holder.last_position = position
    return sorted((stint for track in tracks for stint in track.stints),
                  key=lambda s: (s.start_date, s.evidence_version_id))


class _Residences:
    """Where one client lived along its observations (ordered), each observation's word read at first need: most
    clients never move within a network, and reading addresses and phones is costly."""

    def __init__(self, ordered: Sequence[Observation]) -> None:
        self._ordered = ordered
        self._read: dict[int, Residence] = {}

    def moved_home_at(self, position: int, same_address_similarity: float | None) -> bool:
        """Whether the client moved home between the observation before this position and the one at it: the
        residence as last known up to the first against the one as first known from the second on. So a client
        who moved home while staying with its point of sale, and changed agent only later, did not change agent
        to move."""
        before = self._known(range(position - 1, -1, -1))
        after = self._known(range(position, len(self._ordered)))
        return moved_home(before, after, same_address_similarity)

    def _known(self, positions: Iterable[int]) -> Residence:
        """Each part of the residence as the first of these observations giving it (each part on its own: a
        record without an address still tells the landline)."""
        city, address, landlines = None, None, frozenset[str]()
        for position in positions:
            if position not in self._read:
                self._read[position] = read_residence(self._ordered[position])
            told = self._read[position]
            city, address, landlines = city or told.city, address or told.address, landlines or told.landlines
            if city and address and landlines:
                break
        return Residence(city, address, landlines)


def moved_home(before: Residence, after: Residence, same_address_similarity: float | None) -> bool:
    """Whether the client lives elsewhere: another city, or in the same city another address line without the
    same landline, or another landline without the same address (a new home brings both; a typed address varies
    in its words, so only a line less alike than ``same_address_similarity`` counts). Missing parts are no evidence
    either way, nor are address lines when no similarity says which are one home."""
    if before.city and after.city and before.city != after.city:
        return True
    same_address = None if same_address_similarity is None else _compare(
        before.address, after.address, lambda a, b: token_set_ratio(a, b) >= same_address_similarity)
    same_landline = _compare(before.landlines, after.landlines, lambda a, b: bool(a & b))
    return (same_address is False and same_landline is not True) or (same_landline is False and not same_address)


def _compare(before: Any, after: Any, same: Any) -> bool | None:
    return bool(same(before, after)) if before and after else None


def _lines_ahead(ordered: Sequence[Observation], position: int) -> Counter[str]:
    """The product lines the network of this observation sends for the client from it on."""
    network = ordered[position].network
    return Counter(o.product_line for o in ordered[position:] if o.network == network and o.product_line)


def _carries(carried: Counter[str], newcomer: Counter[str]) -> bool:
    """Whether a newcomer from another network may take over a line of service: only for the product line it
    mainly carried. A new network for another product (savings at a bank beside motor insurance with an agent) is
    a contract beside the old one, even if the old network happens to send nothing more. Each side's most frequent
    lines are compared, so one record filed under a wrong line does not decide; an unknown line does not refuse."""
    return not carried or not newcomer or bool(_most_frequent(carried) & _most_frequent(newcomer))


def _most_frequent(lines: Counter[str]) -> set[str]:
    top = max(lines.values())
    return {line for line, count in lines.items() if count == top}


def _move(track: _Track, observation: Observation, moved_home_then: Callable[[], bool]) -> None:
    """The track leaves its point of sale for the observation's. The client's own address tells a relocation:
    the city of a point of sale is no evidence, a client may pick an agent in the next town without moving."""
    previous = track.stints[-1]
    if previous.network != observation.network:
        reason = CHANNEL_SWITCH
    elif moved_home_then():
        reason = RELOCATION
    else:
        reason = AGENT_CHANGE
    previous.end_date = observation.day
    track.stints.append(_stint(observation, previous.point_of_sale, reason))


def _stint(observation: Observation, from_point_of_sale: str | None, reason: str) -> Stint:
    return Stint(observation.network, observation.point_of_sale, from_point_of_sale, observation.day,
                 observation.day, reason, observation.version_id, reason=reason)


@dataclass(frozen=True, slots=True)
class MoveOut:
    """A client's move away from a point of sale, as the portfolio-transfer rule sees it."""

    key: Any
    golden_id: str
    from_point_of_sale: str
    to_point_of_sale: str
    day: date

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def portfolio_transfers(moves: Iterable[MoveOut], last_seen: Mapping[str, date],
                        closures: Mapping[str, Closure] | None = None) -> set[Any]:
    """The keys of the moves that belong to a portfolio transfer.

    A point of sale declared closed hands its portfolio to its declared successor: every move to the successor
    from ``HANDOVER_DAYS`` before the closure on is a transfer, however few of its clients the hub knows.
    Otherwise a point of sale P hands its portfolio to S when, once P has fallen silent (from ``HANDOVER_DAYS``
    before its last observation on), at least ``MIN_TRANSFERRED_CLIENTS`` of its clients reappear at S within
    ``TRANSFER_WINDOW_DAYS`` of each other. Every move from P to S since P fell silent is then a transfer, also
    those of clients seen again at S only later.
    """
    closures = closures or {}
    by_route: dict[tuple[str, str], list[MoveOut]] = defaultdict(list)
    transfers: set[Any] = set()
    for move in moves:
        if _follows_closure(move, closures.get(move.from_point_of_sale)):
            transfers.add(move.key)
            continue
        silent_after = last_seen.get(move.from_point_of_sale)
        if silent_after is not None and move.day >= silent_after - timedelta(days=HANDOVER_DAYS):
            by_route[(move.from_point_of_sale, move.to_point_of_sale)].append(move)
    for route in by_route.values():
        if _bunched(route):
            transfers.update(move.key for move in route)
    return transfers


def _follows_closure(move: MoveOut, closure: Closure | None) -> bool:
    return (closure is not None and move.to_point_of_sale == closure.successor
            and move.day >= closure.closed_on - timedelta(days=HANDOVER_DAYS))


def _bunched(moves: list[MoveOut]) -> bool:
    """Whether enough distinct clients made these moves within one window."""
    moves.sort(key=lambda m: m.day)
    for first, move in enumerate(moves):
        window_end = move.day + timedelta(days=TRANSFER_WINDOW_DAYS)
        clients = {m.golden_id for m in moves[first:] if m.day <= window_end}
        if len(clients) >= MIN_TRANSFERRED_CLIENTS:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Movement:
    """A new move of a client, as a refresh found it (what a ``client.moved`` event tells)."""

    golden_id: str
    network: str
    from_point_of_sale: str
    to_point_of_sale: str
    date: date
    reason: str
    evidence_version_id: int

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def announce_moves(session: Session, moves: Sequence[Movement], now: datetime) -> None:
    """One ``client.moved`` event per new move, in the caller's transaction."""
    emit_many(session, [
        NewEvent(CLIENT_MOVED, move.golden_id, {
            "network": move.network, "from_point_of_sale": move.from_point_of_sale,
            "to_point_of_sale": move.to_point_of_sale, "date": move.date.isoformat(), "reason": move.reason,
            "evidence_version_id": move.evidence_version_id})
        for move in moves
    ], now)


def refresh_movements(session: Session, changes: GoldenChanges, settings: MatchSettings) -> list[Movement]:
    """Rebuild the stints of the refreshed golden records, drop those of merged and retired ones, relabel the
    portfolio transfers of every point of sale involved; answers the moves that were not known before. Address
    lines are alike as the match ``settings`` the hub resolves with say."""
    if on_postgresql(session):
        # Each query here takes an array of ids whose size varies. After a few runs of one prepared statement
        # PostgreSQL may keep a generic plan blind to that size, which for the observations' join scans every
        # version: seconds per chunk instead of milliseconds. Custom plans are what unprepared queries get anyway.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    gone = set(changes.merged) | set(changes.retired)
    involved = sorted(changes.refreshed | gone)
    known: set[tuple[int, str | None]] = set()
    touched: set[str] = set()
    for chunk in _chunks(involved):
        for version_id, point, origin in plain_rows(session.execute(
                delete(PointOfSaleStint).where(one_of(session, PointOfSaleStint.golden_id, chunk))
                .returning(PointOfSaleStint.evidence_version_id, PointOfSaleStint.point_of_sale,
                           PointOfSaleStint.from_point_of_sale))):
            known.add((version_id, origin))
            touched.update(code for code in (point, origin) if code)
    refreshed = sorted(changes.refreshed)
    whole_hub = _most_golden_records(session, refreshed)
    fresh = _derive_all(session, refreshed, one_home_similarity(settings), whole_hub)
    touched.update(code for stints in fresh.values() for s in stints
                   for code in (s.point_of_sale, s.from_point_of_sale) if code)
    _relabel(session, touched, fresh)
    # Most stints written anew: one sort per index after beats as many insertions into each.
    owned = [(golden_id, s) for golden_id, stints in fresh.items() for s in stints]
    with indexes_set_aside(session, _stint_table) if whole_hub else nullcontext():
        # Column by column: a full run's half a million stints as one dict each would take hundreds of megabytes.
        bulk_insert_columns(session, _stint_table, {
            "golden_id": [golden_id for golden_id, _ in owned],
            **{column: [getattr(s, column) for _, s in owned] for column in (
                "network", "point_of_sale", "from_point_of_sale", "start_date", "end_date", "last_seen_date",
                "reason", "history_reason", "evidence_version_id")}})
    return sorted((Movement(golden_id, s.network, s.from_point_of_sale, s.point_of_sale, s.start_date, s.reason,
                            s.evidence_version_id)
                   for golden_id, stints in fresh.items() for s in stints
                   if s.from_point_of_sale is not None and (s.evidence_version_id, s.from_point_of_sale) not in known),
                  key=lambda m: (m.golden_id, m.date, m.evidence_version_id))


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _most_golden_records(session: Session, golden_ids: Sequence[str]) -> bool:
    """Whether these are most active golden records (a full run): then reading every current link in one pass
    beats chunks of index lookups, and writing their stints beats keeping the indexes up to date."""
    return len(golden_ids) > _CHUNK and len(golden_ids) * 2 > (session.scalar(
        select(func.count()).select_from(GoldenRecord).where(GoldenRecord.status == "active")) or 0)


def _derive_all(session: Session, golden_ids: Sequence[str], same_address_similarity: float | None,
                one_pass: bool) -> dict[str, list[Stint]]:
    """The stints of these golden records, from every version with a point of sale of every record currently
    linked to them, read in golden id order: one client's observations at a time are held, never all of them.
    ``one_pass``: read every current link at once, rather than the golden records' links chunk by chunk."""
    query = (
        select(RecordLink.golden_id, _utc_day(session, SourceRecordVersion.received_at), SourceRecordVersion.id,
               SourceRecordVersion.point_of_sale_code, PointOfSale.network, SourceRecordVersion.product_line,
               *(SourceRecordVersion.payload[name].as_string() for name in ("city", "address_line", "phone",
                                                                              "phone_alt")))
        .join(SourceRecordVersion, SourceRecordVersion.record_id == RecordLink.record_id)
        # Every point of sale a record names exists (created on first sight), with the network it belongs to.
        .join(PointOfSale, PointOfSale.code == SourceRecordVersion.point_of_sale_code)
        .where(RecordLink.valid_to.is_(None), SourceRecordVersion.is_tombstone.is_(False))
        .order_by(RecordLink.golden_id)
    )
    connection = session.connection()  # rows as they come, without the ORM's result handling
    fresh: dict[str, list[Stint]] = {}

    # The stints of a full run's half a million clients keep their days and points of sale: one object per distinct
    # value, not one per row read (~150 MB at a million records, at the run's peak of memory).
    shared: dict[Any, Any] = {}

    def derive(rows: Iterable[Any], wanted: Container[str]) -> None:
        for golden_id, group in groupby(rows, key=itemgetter(0)):
            if golden_id in wanted:
                fresh[golden_id] = derive_stints([
                    Observation(shared.setdefault(day, day), version_id, shared.setdefault(point, point),
                                shared.setdefault(network, network), line, city, address, (phone, phone_alt))
                    for _, day, version_id, point, network, line, city, address, phone, phone_alt in group
                ], same_address_similarity)

    if one_pass:
        with _every_row_wanted(session):
            rows = connection.execute(query.execution_options(yield_per=50_000))
            derive(chain.from_iterable(rows.partitions()), set(golden_ids))  # 50,000 rows a round trip
    else:
        for chunk in _chunks(golden_ids):
            derive(connection.execute(query.where(one_of(session, RecordLink.golden_id, chunk))), set(chunk))
    return fresh


@contextmanager
def _every_row_wanted(session: Session) -> Iterator[None]:
    """Plan the queries run inside for reading every row. PostgreSQL plans a cursor for its first tenth of rows
    (``cursor_tuple_fraction``): index lookups row by row, twice as slow as hash joins for a whole result. The
    setting is restored after, so the rest of the transaction plans as before."""
    if not on_postgresql(session):
        yield
        return
    before = session.scalar(text("SELECT current_setting('cursor_tuple_fraction')"))
    session.execute(text("SELECT set_config('cursor_tuple_fraction', '1', true)"))
    yield
    session.execute(text("SELECT set_config('cursor_tuple_fraction', :before, true)"), {"before": before})


def read_residence(observation: Observation) -> Residence:
    """Where an observation says the client lives, read as the matcher reads it (placeholders dropped)."""
    city = read_city(observation.city)[0] if observation.city else None
    words = read_address(observation.address_line)[0] if observation.address_line else ()
    # Kinds of way or building (RUE, RESIDENCE, APPT) and the city's name, which sources append, are shared by many
    # unrelated addresses: only numbers and names tell two homes apart.
    common = ADDRESS_KIND_WORDS | set(city.split("_") if city else ())
    address = " ".join(word for word in words if word not in common) or None
    landlines = frozenset(number for text in observation.phones if text for number in read_phones(str(text))[1])
    return Residence(city, address, landlines)


def _utc_day(session: Session, moment: Any) -> Any:
    """The UTC calendar day of a timestamp, computed by the database (SQLite stores UTC without a zone)."""
    if on_postgresql(session):
        return func.date(func.timezone("UTC", moment), type_=Date)
    return func.date(moment, type_=Date)


def relabel_transfers_from(session: Session, points: Sequence[str], now: datetime) -> None:
    """Re-decide the portfolio transfers out of these points of sale once their reference data changed (a closure
    declared, moved or withdrawn): the stored stints whose reason changes are updated, and each such move is
    announced again as a ``client.moved`` event with its new reason and the one it replaces."""
    if not points:
        return
    relabelled = _relabel(session, set(points), {})
    rows: list[Any] = []
    for chunk in _chunks(sorted(relabelled)):
        rows += session.execute(select(
            PointOfSaleStint.id, PointOfSaleStint.golden_id, PointOfSaleStint.network,
            PointOfSaleStint.from_point_of_sale, PointOfSaleStint.point_of_sale, PointOfSaleStint.start_date,
            PointOfSaleStint.reason, PointOfSaleStint.evidence_version_id).where(
            one_of(session, PointOfSaleStint.id, chunk))).all()
    rows.sort(key=lambda row: (row.golden_id, row.start_date, row.evidence_version_id))
    emit_many(session, [
        NewEvent(CLIENT_MOVED, row.golden_id, {
            "network": row.network, "from_point_of_sale": row.from_point_of_sale, "to_point_of_sale": row.point_of_sale,
            "date": row.start_date.isoformat(), "reason": row.reason, "evidence_version_id": row.evidence_version_id,
            "previous_reason": relabelled[row.id]})
        for row in rows
    ], now)


def _relabel(session: Session, points: set[str], fresh: Mapping[str, list[Stint]]) -> dict[int, str]:
    """Decide the portfolio transfers out of these points of sale over every client's moves: set the final reason
    of the fresh stints, and update the stored stints of other clients whose label changes; answers those stored
    stints (id -> the reason they had). Reads, per point of sale, its last observation and only the moves the rule
    can use (those since it fell silent, those to its declared successor since it closed, and those labelled
    transfers), so a busy point of sale costs no more than a quiet one."""
    ordered = sorted(points)
    closures: dict[str, Closure] = {}  # the declared ones
    last_seen: dict[str, date] = {}
    latest = (select(func.max(PointOfSaleStint.last_seen_date))
              .where(PointOfSaleStint.point_of_sale == PointOfSale.code).scalar_subquery())
    for chunk in _chunks(ordered):
        for point, closed_on, successor, day in plain_rows(session.execute(
                select(PointOfSale.code, PointOfSale.closed_on, PointOfSale.successor, latest)
                .where(one_of(session, PointOfSale.code, chunk)))):
            if closed_on is not None:
                closures[point] = Closure(closed_on, successor)
            if day is not None:
                last_seen[point] = day
    moves: list[MoveOut] = []
    for golden_id, stints in fresh.items():
        for s in stints:
            if s.last_seen_date > last_seen.get(s.point_of_sale, date.min):
                last_seen[s.point_of_sale] = s.last_seen_date
            if s.from_point_of_sale is not None:
                moves.append(MoveOut(s, golden_id, s.from_point_of_sale, s.point_of_sale, s.start_date))
    stored: dict[int, str] = {}  # stint id -> reason
    for start in range(0, len(ordered), _ROUTES_PER_QUERY):
        chunk = ordered[start:start + _ROUTES_PER_QUERY]
        since_silent = [(PointOfSaleStint.from_point_of_sale == point)
                        & (PointOfSaleStint.start_date >= last_seen[point] - timedelta(days=HANDOVER_DAYS))
                        for point in chunk if point in last_seen]
        since_closed = [(PointOfSaleStint.from_point_of_sale == point)
                        & (PointOfSaleStint.point_of_sale == closure.successor)
                        & (PointOfSaleStint.start_date >= closure.closed_on - timedelta(days=HANDOVER_DAYS))
                        for point in chunk if (closure := closures.get(point)) and closure.successor]
        labelled = one_of(session, PointOfSaleStint.from_point_of_sale, chunk) & (
            PointOfSaleStint.reason == PORTFOLIO_TRANSFER)
        for stint_id, golden_id, point, origin, day, reason in plain_rows(session.execute(
                select(PointOfSaleStint.id, PointOfSaleStint.golden_id, PointOfSaleStint.point_of_sale,
                       PointOfSaleStint.from_point_of_sale, PointOfSaleStint.start_date, PointOfSaleStint.reason)
                .where(or_(labelled, *since_silent, *since_closed)))):
            stored[stint_id] = reason
            moves.append(MoveOut(stint_id, golden_id, cast(str, origin), point, day))  # origin is in the chunk
    transfers = portfolio_transfers(moves, last_seen, closures)
    for stints in fresh.values():
        for s in stints:
            s.reason = PORTFOLIO_TRANSFER if s in transfers else s.history_reason
    now_transfers = sorted(i for i, reason in stored.items() if reason != PORTFOLIO_TRANSFER and i in transfers)
    no_longer = sorted(i for i, reason in stored.items() if reason == PORTFOLIO_TRANSFER and i not in transfers)
    for chunk in _chunks(now_transfers):
        session.execute(update(PointOfSaleStint).where(one_of(session, PointOfSaleStint.id, chunk))
                        .values(reason=PORTFOLIO_TRANSFER))
    for chunk in _chunks(no_longer):
        session.execute(update(PointOfSaleStint).where(one_of(session, PointOfSaleStint.id, chunk))
                        .values(reason=PointOfSaleStint.history_reason))
    return {stint_id: stored[stint_id] for stint_id in (*now_transfers, *no_longer)}


@dataclass(frozen=True, slots=True)
class StintView:
    network: str
    point_of_sale: str
    from_point_of_sale: str | None
    start_date: date
    end_date: date | None
    reason: str
    source_system: str
    source_record_id: str
    version: int  # of the source record: the version that opened the stint

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class MovementHistory:
    golden_id: str
    current_points_of_sale: tuple[str, ...]
    stints: tuple[StintView, ...]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _stint_views() -> Any:
    return (
        select(PointOfSaleStint.golden_id, PointOfSaleStint.network, PointOfSaleStint.point_of_sale,
               PointOfSaleStint.from_point_of_sale, PointOfSaleStint.start_date, PointOfSaleStint.end_date,
               PointOfSaleStint.reason, SourceRecord.source_system, SourceRecord.source_record_id,
               SourceRecordVersion.version)
        .join(SourceRecordVersion, SourceRecordVersion.id == PointOfSaleStint.evidence_version_id)
        .join(SourceRecord, SourceRecord.id == SourceRecordVersion.record_id)
    )


def movement_history(session: Session, golden_id: str) -> MovementHistory:
    """The point-of-sale history of a golden record, oldest first; a merged id raises ``MovedPermanently``."""
    find_golden_record(session, golden_id)
    rows = plain_rows(session.execute(_stint_views().where(PointOfSaleStint.golden_id == golden_id)
                                      .order_by(PointOfSaleStint.start_date, PointOfSaleStint.evidence_version_id)))
    stints = tuple(StintView(*row[1:]) for row in rows)
    current = tuple(sorted({s.point_of_sale for s in stints if s.end_date is None}))
    return MovementHistory(golden_id, current, stints)


def stint_rows(session: Session) -> Iterator[tuple[str, StintView]]:
    """(golden id, stint) of every client, streamed in golden id and date order."""
    rows: Iterable[Any] = session.execute(  # Rows, streamed: not tuples to compiled code (see ``plain_rows``)
        _stint_views().order_by(PointOfSaleStint.golden_id, PointOfSaleStint.start_date,
                                PointOfSaleStint.evidence_version_id).execution_options(yield_per=10_000))
    return ((row[0], StintView(*row[1:])) for row in rows)
