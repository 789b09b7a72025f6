"""Benchmark: server time of the inbox list (UI-2) with filters, p50/p95, at 100k and 1M tickets.

Loads a fresh database with ``parlons demo --tickets N`` (or reuses one), then, as the demo ``lead`` user, times
what ``GET /`` does for one page of 50 tickets: ``page_of_tickets`` (filters, keyset page, tags prefetched) and
``with_last_lines`` (last message line and contact handle, one query each), for a fixed set of 16 filter
combinations. **Cold** is each combination's first run in a fresh process; **warm** is ten more runs. On
PostgreSQL the tables are ANALYZEd first (the loader's COPY leaves no planner statistics; without them the
planner picks hash joins over every matching row, ~100x slower).

    .venv/bin/python bench/inbox.py --tickets 100000                        # PostgreSQL (DATABASE_URL)
    .venv/bin/python bench/inbox.py --tickets 1000000 --db-name parlons_bench_inbox_1m --keep
    .venv/bin/python bench/inbox.py --reuse --db-name parlons_bench_inbox_1m    # time an existing load
    .venv/bin/python bench/inbox.py --sqlite --tickets 20000

``--save FILE`` writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import database_arguments, load_then_measure, percentile, record  # noqa: E402

WARM_RUNS = 10


def combinations(user):
    """The fixed set: (name, TicketFilters, ordering, page number). Values are read from the data."""
    from django.db.models import Count

    from parlons.tickets.models import ContactIdentity, Ticket, TicketTag
    from parlons.tickets.selectors import TicketFilters

    open_ = ["new", "open", "pending"]
    tags = list(
        TicketTag.objects.values("tag__slug")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("tag__slug", flat=True)[:2]
    )
    team = Ticket.objects.exclude(team=None).values_list("team_id", flat=True).first()
    agent = Ticket.objects.exclude(assignee=None).values_list("assignee_id", flat=True).first()
    handle = (
        ContactIdentity.objects.exclude(handle="").order_by("id").values_list("handle", flat=True).first()
    )
    last = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    month = last - timedelta(days=30)
    return [
        ("open, last updated", TicketFilters(status=open_), "-updated", 1),
        ("open, newest created", TicketFilters(status=open_), "-created", 1),
        ("open, oldest created", TicketFilters(status=open_), "created", 1),
        ("open, page 5", TicketFilters(status=open_), "-updated", 5),
        ("closed", TicketFilters(status=["closed"]), "-updated", 1),
        ("urgent", TicketFilters(status=open_, priority=["urgent"]), "-updated", 1),
        ("channel facebook", TicketFilters(status=open_, channel=["facebook"]), "-updated", 1),
        ("my open (agent)", TicketFilters(status=open_, assignee=[agent or 0]), "-updated", 1),
        ("unassigned", TicketFilters(status=open_, unassigned=True), "-updated", 1),
        ("team", TicketFilters(status=open_, team=[team or 0]), "-updated", 1),
        ("tag", TicketFilters(status=open_, tags=tags[:1]), "-updated", 1),
        (
            "tag in + tag out",
            TicketFilters(status=open_, tags=tags[:1], exclude_tags=tags[1:2]),
            "-updated",
            1,
        ),
        ("contact handle", TicketFilters(status=[], handle=handle or "nobody"), "-updated", 1),
        ("created last 30 days", TicketFilters(status=open_, created_from=month), "-created", 1),
        ("spam", TicketFilters(status=[], spam=True), "-updated", 1),
        (
            "combined",
            TicketFilters(
                status=open_,
                channel=["facebook", "x"],
                priority=["high", "urgent"],
                tags=tags[:1],
                updated_from=month,
            ),
            "-updated",
            1,
        ),
    ]


def measure() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    django.setup()
    from django.db import connection

    from parlons.accounts.models import User
    from parlons.tickets.models import Ticket
    from parlons.tickets.selectors import page_of_tickets
    from parlons.web.views.lists import PAGE_SIZE, with_last_lines

    if connection.vendor == "postgresql":
        # The demo loader writes with COPY; planner statistics are what autovacuum would gather on a live system.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = User.objects.get(username="lead")
    results = []
    for name, filters, ordering, page in combinations(user):
        times = []
        rows = []
        for _ in range(1 + WARM_RUNS):
            started = time.perf_counter()
            cursor = ""
            for _ in range(page):
                rows, cursor = page_of_tickets(
                    user, filters, ordering=ordering, cursor=cursor or "", limit=PAGE_SIZE
                )
                if not cursor:
                    break
            with_last_lines(rows)
            times.append((time.perf_counter() - started) * 1000 / page)
        results.append(
            {"name": name, "cold_ms": times[0], "warm_ms": times[1:], "rows": len(rows), "page": page}
        )
    return {"vendor": connection.vendor, "tickets": Ticket.objects.count(), "combinations": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_arguments(parser, db_name="parlons_bench_inbox")
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure()))
        return 0

    load_before = os.getloadavg()
    figures, load_seconds = load_then_measure(args, __file__, prefix="parlons-bench-inbox-")

    cold = [c["cold_ms"] for c in figures["combinations"]]
    warm = [t for c in figures["combinations"] for t in c["warm_ms"]]
    print(f"\n{figures['vendor']}, {figures['tickets']:,} tickets")
    print(f"{'filters':24} {'cold ms':>9} {'warm p50':>9} {'warm max':>9} {'rows':>5}")
    for c in figures["combinations"]:
        print(
            f"{c['name']:24} {c['cold_ms']:9.1f} {statistics.median(c['warm_ms']):9.1f} "
            f"{max(c['warm_ms']):9.1f} {c['rows']:5d}"
        )
    summary = {
        "cold_p50_ms": round(percentile(cold, 50), 1),
        "cold_p95_ms": round(percentile(cold, 95), 1),
        "warm_p50_ms": round(percentile(warm, 50), 1),
        "warm_p95_ms": round(percentile(warm, 95), 1),
    }
    print(
        "cold p50 {cold_p50_ms} ms, p95 {cold_p95_ms} ms; warm p50 {warm_p50_ms} ms, p95 {warm_p95_ms} ms".format(
            **summary
        )
    )
    record("inbox", argv, args, {**summary, **figures}, load_before=load_before, load_seconds=load_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
