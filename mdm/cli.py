"""Command line adapters over the use cases; every command first migrates the database."""

from __future__ import annotations

import csv
import getpass
import os
import sys
import time
from pathlib import Path
from typing import IO

import click
import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from config import Config
from matching.settings import SettingsError
from mdm.access import Role
from mdm.audit import verify_chain
from mdm.backup import BackupFailed, backup_database
from mdm.bulk_load import DEFAULT_CHUNK_SIZE, LoadSummary, load_file
from mdm.charts import format_value
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction, upgrade_database
from mdm.errors import FieldError, MdmError
from mdm.field_spec import FieldSpecError, configured_field_spec
from mdm.golden_records import count_active, export_golden_records
from mdm.journal import parse_filters, sections
from mdm.link_quality import describe, evaluate_links, read_truth
from mdm.match_settings import configured_match_settings
from mdm.models import SourceRecord
from mdm.movements import stint_rows
from mdm.points_of_sale import import_points_of_sale
from mdm.rebuild import InconsistentTrail, rebuild_derived_state
from mdm.reports import ReportTable
from mdm.resolution import NothingToResolve, current_links, latest_model, resolve_all, resolve_since_last_run
from mdm.tokens import IssuedToken, issue_token, list_tokens, parse_lifetime, revoke_token

DEMO_FOLDER = Path(__file__).resolve().parent / "demo_data"
DEMO_TOKEN_PREFIX = "demo-"
DEMO_ROLES = (("source", "AGENT"), ("steward", None), ("auditor", None), ("admin", None))


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return str(os.getuid())


# Whatever the command line writes is done by the operator at the shell, named so in the audit trail.
CLI_ACTOR = f"cli:{_operator()}"[:64]


def _sessions() -> sessionmaker[Session]:
    engine = make_engine(Config.DATABASE_URL)
    upgrade_database(engine)
    return make_session_factory(engine)


@click.group()
def cli() -> None:
    """Client master-data hub."""
    try:
        configured_field_spec()
        configured_match_settings()
    except (FieldSpecError, SettingsError) as error:
        raise click.ClickException(str(error)) from error


@cli.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    _sessions()
    click.echo("database is at the latest migration")


def _run_load(path: Path, rejects_path: Path, chunk_size: int, online: bool = False) -> LoadSummary:
    sessions = _sessions()
    rejects: IO[bytes] | None = None

    def reject(number: int, text: bytes, errors: tuple[FieldError, ...]) -> None:
        nonlocal rejects
        if rejects is None:
            rejects = open(rejects_path, "wb")  # noqa: SIM115 - closed below, opened only if needed
        rejects.write(orjson.dumps({
            "line": number,
            "errors": [{"field": e.field, "rule": e.rule, "message": e.message} for e in errors],
            "raw": text.decode("utf-8", "replace").rstrip("\n"),
        }) + b"\n")

    started = time.perf_counter()
    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name,
              disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
        def progress(position: int) -> None:
            bar.update(position - bar.n)

        try:
            summary = load_file(sessions, path, Config.SOURCE_SYSTEMS, reject, progress, chunk_size, online,
                                CLI_ACTOR)
        finally:
            if rejects is not None:
                rejects.close()
    elapsed = time.perf_counter() - started
    click.echo(
        f"read {summary.read:,}  stored {summary.stored:,} (created {summary.created:,}, "
        f"new versions {summary.updated:,})  unchanged {summary.unchanged:,}  rejected {summary.rejected:,}  "
        f"in {elapsed:.1f}s ({summary.read / elapsed if elapsed else 0:,.0f} records/s)"
    )
    if summary.decisions:
        click.echo("resolved online: " + "  ".join(
            f"{decision} {summary.decisions[decision]:,}" for decision in ("linked", "new", "possible")))
    if summary.rejected:
        click.echo(f"rejected lines written to {rejects_path}; reasons:")
        for (field, rule), count in summary.reasons.most_common():
            click.echo(f"  {field}: {rule}  x{count:,}")
    return summary


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-resolve", is_flag=True, help="Only store the records; leave matching to `resolve`.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where rejected lines go (default: PATH's name + .rejects.jsonl in the current folder).")
@click.option("--chunk-size", default=DEFAULT_CHUNK_SIZE, show_default=True, help="Records per transaction.")
@click.option("--workers", default=2, show_default=True, help="Processes that standardise records when resolving.")
def load(path: Path, no_resolve: bool, rejects_path: Path | None, chunk_size: int, workers: int) -> None:
    """Ingest a .jsonl or .jsonl.gz file of source records and resolve them as they arrive, chunk by chunk, like
    the API does. A hub without a match model yet stores the file first, then trains one on it and consolidates."""
    name = path.name.removesuffix(".gz").removesuffix(".jsonl")
    with _sessions()() as session:
        online = not no_resolve and latest_model(session) is not None
    _run_load(path, rejects_path or Path(f"{name}.rejects.jsonl"), chunk_size, online)
    if not no_resolve and not online:
        click.echo("no match model yet: training one on the loaded records, then consolidating")
        _run_resolve(workers, retrain=False, full=True)


def _run_resolve(workers: int, retrain: bool, full: bool = True) -> None:
    summary = None if full or retrain else resolve_since_last_run(_sessions())
    if summary is None:
        try:
            summary = resolve_all(_sessions(), workers=workers, retrain=retrain)
        except NothingToResolve as nothing:
            click.echo(nothing.detail)
            return
    click.echo(
        f"resolved {summary.records:,} records into {summary.golden_records:,} golden records "
        f"(new {summary.created:,}, merged {summary.merged:,}, split {summary.split:,}); "
        f"{summary.links_changed:,} links changed; {summary.possible_pairs:,} possible pairs; "
        f"stewardship tasks opened {len(summary.tasks.opened):,}, refreshed {len(summary.tasks.refreshed):,}, "
        f"closed {len(summary.tasks.closed):,}; model {summary.model_version}; run {summary.run_id} in "
        f"{summary.seconds:.1f}s"
    )
    if summary.phases:
        click.echo("  " + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in summary.phases.items()))
    if summary.match_phases:
        click.echo("  read and match: " + ", ".join(f"{step} {seconds:.1f}s"
                                                   for step, seconds in summary.match_phases.items()))


@cli.command()
@click.option("--full", is_flag=True, help="Re-cluster every record, not only those changed since the last run.")
@click.option("--retrain", is_flag=True, help="Estimate a new model version first (implies --full).")
@click.option("--workers", default=2, show_default=True, help="Processes that standardise records.")
def resolve(full: bool, retrain: bool, workers: int) -> None:
    """Daily consolidation: cluster the records changed since the last run (or all) into golden records."""
    _run_resolve(workers, retrain, full)


@cli.command()
@click.option("--workers", default=2, show_default=True, help="Processes that standardise records.")
def rebuild(workers: int) -> None:
    """Rebuild golden records, links, movements and indexes from the durable facts (source versions, match
    models, audit trail), in one transaction; exit 1, changing nothing, if those facts contradict each other."""
    try:
        summary = rebuild_derived_state(_sessions(), workers)
    except InconsistentTrail as refused:
        click.echo(f"rebuild refused, nothing changed: {refused.detail}", err=True)
        sys.exit(1)
    click.echo(
        f"rebuilt from {summary.events:,} audit events: {summary.golden_records:,} golden records "
        f"(active {summary.active:,}, merged {summary.merged:,}, retired {summary.retired:,}); "
        f"{summary.links:,} links ({summary.current_links:,} current); {summary.stints:,} stints; "
        f"{summary.blocking_keys:,} blocking keys; {summary.search_terms:,} search terms; in {summary.seconds:.1f}s"
    )
    if summary.links_without_probability:
        click.echo(f"  {summary.links_without_probability:,} links were made before the trail kept their "
                   "probability: rebuilt without one")


@cli.command()
@click.option("--workers", default=2, show_default=True, help="Processes that standardise records.")
def train(workers: int) -> None:
    """Estimate a new model version from the loaded records (no labels) and resolve with it."""
    _run_resolve(workers, retrain=True)


@cli.group()
def export() -> None:
    """Export links, golden records or movements."""


@export.command("links")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_links_command(out: Path) -> None:
    """source_system,source_record_id,golden_id for every current source record."""
    with _sessions()() as session, out.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["source_system", "source_record_id", "golden_id"])
        count = 0
        for row in current_links(session):
            writer.writerow(row)
            count += 1
    click.echo(f"{count:,} links written to {out}")


@export.command("golden")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_golden_command(out: Path) -> None:
    """One JSON object per active golden record: attributes with provenance, and cross-references."""
    started = time.perf_counter()
    sessions = _sessions()
    with sessions() as session:
        total = count_active(session)
    count = 0
    with sessions() as session, out.open("wb") as target, tqdm(
            total=total, unit=" golden", desc="golden records", disable=not sys.stderr.isatty(),
            file=sys.stderr) as bar:
        for golden in export_golden_records(session):
            target.write(orjson.dumps(golden) + b"\n")
            count += 1
            bar.update()
    click.echo(f"{count:,} golden records written to {out} in {time.perf_counter() - started:.1f}s")


@cli.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def backup(out: Path) -> None:
    """Copy the live hub to OUT: SQLite's online backup of the file, or pg_dump (custom format) of the hub's
    PostgreSQL schema. The API and loads may go on meanwhile; the copy is one consistent snapshot."""
    _sessions()  # at the latest migration, as a restored hub will expect
    try:
        made = backup_database(Config.DATABASE_URL, out)
    except BackupFailed as failed:
        click.echo(f"backup failed: {failed.detail}", err=True)
        sys.exit(1)
    records = f", {made.source_records:,} source records" if made.source_records is not None else ""
    click.echo(f"backup written to {made.path} ({made.bytes:,} bytes{records})")


@cli.group()
def audit() -> None:
    """The hash-chained audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit with status 1 at the first event that does not hold."""
    with _sessions()() as session:
        verdict = verify_chain(session)
    if not verdict.intact:
        click.echo(f"audit chain broken at event {verdict.first_broken}: {verdict.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {verdict.events:,} events")


@export.command("movements")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_movements_command(out: Path) -> None:
    """One row per point-of-sale stint of every golden record (end date exclusive, empty while current)."""
    with _sessions()() as session, out.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["golden_id", "network", "point_of_sale", "start_date", "end_date", "reason",
                         "source_system", "source_record_id"])
        count = 0
        for golden_id, stint in stint_rows(session):
            writer.writerow([golden_id, stint.network, stint.point_of_sale, stint.start_date.isoformat(),
                             stint.end_date.isoformat() if stint.end_date else "", stint.reason,
                             stint.source_system, stint.source_record_id])
            count += 1
    click.echo(f"{count:,} stints written to {out}")


@cli.command()
@click.option("--truth", "truth_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
def evaluate(truth_path: Path) -> None:
    """Pairwise and B-cubed P/R/F1 of the current links against source_system,source_record_id,entity_id."""
    truth = read_truth(truth_path)
    with _sessions()() as session:
        results = evaluate_links(session, truth)
    for label, result in results.items():
        click.echo(describe(label, result))


@cli.group()
def token() -> None:
    """Access tokens: issue, list, revoke."""


def _issue(role: str, source_system: str | None, name: str | None, expires_in: str) -> IssuedToken:
    try:
        lifetime = parse_lifetime(expires_in)
        with transaction(_sessions()) as session:
            return issue_token(session, role, source_system, name, lifetime, Config.SOURCE_SYSTEMS, CLI_ACTOR,
                               utc_now())
    except MdmError as refused:
        raise _refused(refused) from None


def _refused(refused: MdmError) -> click.ClickException:
    """What the hub refused, each broken rule on its own line, as the command's failure."""
    for error in refused.errors:
        click.echo(f"{error.field}: {error.message}", err=True)
    return click.ClickException(refused.detail)


@token.command("create")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--source-system", help="The network a source token speaks for (required for --role source).")
@click.option("--name", help="A name to recognise the token by (default: the role and network).")
@click.option("--expires-in", default="90d", show_default=True, help="Lifetime: 90d, 12h, 30m or a number of days.")
def token_create(role: str, source_system: str | None, name: str | None, expires_in: str) -> None:
    """Issue a token; it is printed once, alone on the last line, and only its hash is kept."""
    issued = _issue(role, source_system, name, expires_in)
    shown = issued.token
    click.echo(f"token {shown.id} ({shown.name}, role {shown.role}"
               f"{', source system ' + shown.source_system if shown.source_system else ''}) "
               f"expires {shown.expires_at:%Y-%m-%d %H:%M} UTC; it is shown this once:")
    click.echo(issued.secret)


@token.command("list")
def token_list() -> None:
    """Every token with its role, source system, expiry and status (secrets are never shown again)."""
    now = utc_now()
    with _sessions()() as session:
        tokens = list_tokens(session)
    click.echo(f"{'id':>4}  {'name':<24} {'role':<8} {'source':<14} {'prefix':<13} {'expires (UTC)':<17} status")
    for shown in tokens:
        click.echo(f"{shown.id:>4}  {shown.name:<24} {shown.role:<8} {shown.source_system or '-':<14} "
                   f"{shown.prefix:<13} {shown.expires_at:%Y-%m-%d %H:%M} {shown.status(now)}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token at once: its next request, and its browser sessions, are refused."""
    try:
        with transaction(_sessions()) as session:
            shown = revoke_token(session, token_id, CLI_ACTOR, utc_now())
    except MdmError as refused:
        raise click.ClickException(refused.detail) from None
    click.echo(f"token {shown.id} ({shown.name}) revoked at {shown.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


@token.command("demo")
def token_demo() -> None:
    """One fresh token per role for trying the hub (valid one day); earlier demo tokens are revoked."""
    now = utc_now()
    with transaction(_sessions()) as session:
        for shown in list_tokens(session):
            if shown.name.startswith(DEMO_TOKEN_PREFIX) and shown.status(now) == "active":
                revoke_token(session, shown.id, CLI_ACTOR, now)
    for role, source_system in DEMO_ROLES:
        issued = _issue(role, source_system, f"{DEMO_TOKEN_PREFIX}{role}", "1d")
        label = f"{role} ({source_system})" if source_system else role
        click.echo(f"  {label:<16} {issued.secret}")


@cli.command()
@click.option("--if-empty", is_flag=True, help="Load only when the hub holds no record yet.")
def demo(if_empty: bool) -> None:
    """Load the bundled demo data."""
    if if_empty:
        with _sessions()() as session:
            if session.scalar(select(func.count()).select_from(SourceRecord)):
                click.echo("the hub already holds records; demo data not loaded")
                return
    _import_points_of_sale(DEMO_FOLDER / "points_of_sale.csv")
    _run_load(DEMO_FOLDER / "demo.jsonl.gz", Path("demo.rejects.jsonl"), DEFAULT_CHUNK_SIZE)
    _run_resolve(workers=1, retrain=False)


def _import_points_of_sale(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as source, transaction(_sessions()) as session:
        created, updated = import_points_of_sale(session, csv.DictReader(source), utc_now())
    click.echo(f"points of sale: {created:,} created, {updated:,} updated")


@cli.command("import-points-of-sale")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_points_of_sale_command(path: Path) -> None:
    """Create or update points of sale from a CSV file with columns code,network,city,name (and optionally
    closed_on,successor: the day a point of sale closed and the one that took over its clients)."""
    _import_points_of_sale(path)


@cli.command()
@click.option("--from", "start", help="First day counted, YYYY-MM-DD.")
@click.option("--to", "end", help="Last day counted (inclusive), YYYY-MM-DD.")
@click.option("--network", help="One network: AGENT, COURTIER, BGD, BANCASSURANCE, WEB, …")
@click.option("--point-of-sale", help="One point of sale.")
@click.option("--party-type", type=click.Choice(["person", "organization"]))
@click.option("--period", type=click.Choice(["day", "week", "month", "quarter", "year"]),
              help="Group rows by period as well.")
@click.option("--section", "section_keys", multiple=True,
              type=click.Choice(["activity", "quality", "health", "portfolio"]),
              help="Only these sections (repeatable; default: all).")
@click.option("--report", "names", multiple=True, help="Only these indicators, by name (repeatable).")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def journal(start: str | None, end: str | None, network: str | None, point_of_sale: str | None,
            party_type: str | None, period: str | None, section_keys: tuple[str, ...], names: tuple[str, ...],
            output: str) -> None:
    """Print the operating-journal indicators: activity, data quality, hub health, portfolio."""
    try:
        filters = parse_filters({"from": start, "to": end, "network": network, "point_of_sale": point_of_sale,
                                 "party_type": party_type, "period": period})
    except MdmError as refused:
        raise _refused(refused) from None
    chosen = [(section, name, report) for section in sections() if not section_keys or section.key in section_keys
              for name, report in section.reports.items() if not names or name in names]
    unknown = set(names) - {name for _, name, _ in chosen}
    if unknown:
        raise click.UsageError(f"no indicator named {', '.join(sorted(unknown))}")
    with _sessions()() as session:
        tables = [report(session, filters) for _, _, report in chosen]
    if output == "json":
        document = {"filters": filters.as_dict(), **{table.name.replace("-", "_"): table.rows for table in tables}}
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())
    elif output == "csv":
        for index, table in enumerate(tables):
            if len(tables) > 1:
                click.echo(f"{chr(10) if index else ''}# {table.name}")
            click.echo(table.csv(), nl=False)
    else:
        for table in tables:
            _print_table(table)


def _print_table(table: ReportTable) -> None:
    click.echo(f"\n{table.title}")
    if table.note:
        click.echo(f"  ({table.note})")
    cells = [[column.label for column in table.columns]] + [
        [format_value(row.get(column.name), column.kind) for column in table.columns] for row in table.rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(table.columns))]
    numeric = [column.kind in ("count", "share", "number") for column in table.columns]
    for line in cells:
        click.echo("  ".join(cell.rjust(width) if right else cell.ljust(width)
                             for cell, width, right in zip(line, widths, numeric, strict=True)).rstrip())
    if not table.rows:
        click.echo("(nothing to count)")
