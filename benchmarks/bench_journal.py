"""Answer time of every journal and quality indicator, through the REST API, on a loaded hub.

    MDM_DATABASE_URL=postgresql+psycopg://…/db .venv/bin/python -m benchmarks.bench_journal [--repeat 3]

The database must hold loaded and resolved records (`python -m mdm load …`). Each indicator is asked with several
filters a manager would use (none; one year; per month; one network; one point of sale; legal persons only); the
script prints the median and worst answer time of each, and the indicators slower than the budget.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import func, select

from hub import create_app
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.journal import sections
from mdm.models import PointOfSale, SourceRecord, SourceRecordVersion
from mdm.tokens import issue_token
from mdm.web import session_factory

BUDGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=(), help="only these indicators, by name")
    args = parser.parse_args()
    app = create_app()
    client = app.test_client()
    with app.app_context(), transaction(session_factory()) as session:
        records = session.scalar(select(func.count()).select_from(SourceRecord))
        latest = session.scalar(select(func.max(SourceRecordVersion.received_at)))
        busiest = session.execute(select(SourceRecord.point_of_sale_code, func.count()).group_by(
            SourceRecord.point_of_sale_code).order_by(func.count().desc()).limit(1)).first()
        points_of_sale = session.scalar(select(func.count()).select_from(PointOfSale))
        secret = issue_token(session, "manager", None, "journal benchmark", timedelta(hours=1),
                             app.config["SOURCE_SYSTEMS"], "cli:bench", utc_now()).secret
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    year = latest.year if latest else utc_now().year
    filter_sets = {
        "all": "", "one year": f"from={year - 1}-01-01&to={year - 1}-12-31", "per month": "period=month",
        "AGENT": "network=AGENT", "one point of sale": f"point_of_sale={busiest[0] if busiest else ''}",
        "legal persons": "party_type=organization",
    }
    print(f"{records:,} source records, {points_of_sale:,} points of sale; "
          f"{args.repeat} answers per indicator and filter")
    slow = []
    for section in sections():
        for name in section.reports:
            if args.only and name not in args.only:
                continue
            timings: list[tuple[float, str]] = []
            for label, query in filter_sets.items():
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get(f"/api/v1/{section.api}/{name}?{query}")
                    timings.append((time.perf_counter() - started, label))
                    if response.status_code != 200:
                        raise SystemExit(f"{name}?{query}: {response.status_code} {response.get_data(as_text=True)}")
            worst, worst_filter = max(timings)
            print(f"  {section.api}/{name:<36} median {statistics.median(t for t, _ in timings) * 1000:7.1f} ms   "
                  f"worst {worst * 1000:7.1f} ms ({worst_filter})")
            if worst > BUDGET_SECONDS:
                slow.append(f"{section.api}/{name}")
    print(f"over {BUDGET_SECONDS:.0f} s: {', '.join(slow) if slow else 'none'}")


if __name__ == "__main__":
    main()
