"""Benchmark: search latency (p50/p95) for a fixed set of 20 queries, cold and warm.

Loads a fresh database with ``parlons demo --tickets N`` (which rebuilds the search index at its end), then
runs 20 queries as the search page does, as the demo ``admin`` user, timing its two requests apart:

- **results**: ``search_tickets(..., with_facets=False)``, one page of 50 by relevance with snippets (what the
  page shows first);
- **counts**: ``search_facets``, the number of results and the counts per channel, status and tag, which the
  page fetches in a second request once the results are shown (``/search/counts/``).

A person waits "results" for the list and "results + counts" for the counts. **Cold** is each query's first
run in a fresh process (new connection, empty caches of the process; the database server's cache is whatever
the load left); **warm** is five more runs of each.

    .venv/bin/python bench/search.py --sqlite --tickets 100000
    .venv/bin/python bench/search.py --tickets 100000                      # PostgreSQL (DATABASE_URL)
    .venv/bin/python bench/search.py --tickets 1000000 --db-name parlons_bench_search_1m --keep
    .venv/bin/python bench/search.py --reuse --db-name parlons_bench_search_1m   # query an existing load

``--save FILE`` writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import database_arguments, load_then_measure, percentile, record  # noqa: E402

WARM_RUNS = 5


def queries(values: dict[str, str]) -> list[tuple[str, str]]:
    """The fixed set: (kind, query). Values that depend on the data (a tag, a handle) are read from it."""
    v = values
    return [
        ("word FR", "passeport"),
        ("word EN", "passport"),
        ("word, no accents", "etudes"),
        ("plural", "permits"),
        ("partial word", "pass*"),
        ("partial word", "immig*"),
        ("phrase FR", '"permis d\'études"'),
        ("phrase EN", '"work permit"'),
        ("word excluded", "passport -renewal"),
        ("tag", f"tag:{v['tag']}"),
        ("tag in, tag out, dates", f"tag:{v['tag']} -tag:{v['tag2']} created:{v['range']}"),
        ("word + tag + dates", f"passeport tag:{v['tag']} created:{v['range']}"),
        ("username", f"from:@{v['handle']}"),
        ("contact", f'contact:"{v["contact"]}"'),
        ("channel + status", "channel:facebook status:open"),
        ("group", f'group:"{v["group"]}"'),
        ("agent who replied", f"replied_by:{v['agent']}"),
        ("agent who closed + dates", f"closed_by:{v['agent']} resolved:{v['range']}"),
        ("line of business", f"lob:{v['lob']}"),
        (
            "combined",
            f'"permis d\'études" tag:{v["tag"]} -tag:{v["tag2"]} channel:facebook created:{v["range"]} lang:fr',
        ),
    ]


def data_values() -> dict[str, str]:
    from django.db.models import Count

    from parlons.tickets.models import (
        ChannelGroup,
        ContactIdentity,
        LineOfBusiness,
        Message,
        Ticket,
        TicketTag,
    )

    by_use = TicketTag.objects.values("tag__slug").annotate(n=Count("id")).order_by("-n")
    tags = list(by_use.values_list("tag__slug", flat=True)[:2])
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    middle = first + (last - first) / 2
    identity = ContactIdentity.objects.exclude(handle="").exclude(handle__contains=" ").order_by("id").first()
    agent = (
        Message.objects.filter(direction="out", author_user__isnull=False)
        .values_list("author_user__username", flat=True)
        .first()
    )
    return {
        "tag": tags[0],
        "tag2": tags[1] if len(tags) > 1 else "spam",
        "range": f"{middle.date().isoformat()}..{last.date().isoformat()}",
        "handle": identity.handle.lstrip("@"),
        "contact": identity.contact.name,
        "group": ChannelGroup.objects.filter(channel__platform="facebook")
        .values_list("name", flat=True)
        .first(),
        "agent": agent or "agent",
        "lob": LineOfBusiness.objects.values_list("slug", flat=True).first() or "immigration",
    }


def measure() -> dict:
    """Run inside Django (``--measure``): time every query cold, then warm; results and counts apart."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    django.setup()
    from django.db import connection

    from parlons.accounts.models import User
    from parlons.search.selectors import search_facets, search_tickets
    from parlons.tickets.models import Ticket

    user = User.objects.get(username="admin")
    values = data_values()
    results = []
    for kind, q in queries(values):
        times, counts = [], []
        for _ in range(1 + WARM_RUNS):
            started = time.perf_counter()
            page = search_tickets(user, q, ordering="relevance", limit=50, with_facets=False)
            times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            counted = search_facets(user, q)
            counts.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "kind": kind,
                "query": q,
                "cold_ms": times[0],
                "warm_ms": times[1:],
                "counts_cold_ms": counts[0],
                "counts_warm_ms": counts[1:],
                "page": len(page.items),
                "total": counted.total,
                "total_capped": counted.more,
            }
        )
    return {"vendor": connection.vendor, "tickets": Ticket.objects.count(), "queries": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_arguments(parser, db_name="parlons_bench_search")
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure()))
        return 0

    load_before = os.getloadavg()
    figures, load_seconds = load_then_measure(args, __file__, prefix="parlons-bench-search-")

    qs = figures["queries"]
    cold = [q["cold_ms"] for q in qs]
    warm = [t for q in qs for t in q["warm_ms"]]
    counts_cold = [q["counts_cold_ms"] for q in qs]
    counts_warm = [t for q in qs for t in q["counts_warm_ms"]]
    both_warm = [r + c for q in qs for r, c in zip(q["warm_ms"], q["counts_warm_ms"], strict=True)]
    print(f"\n{figures['vendor']}, {figures['tickets']:,} tickets")
    print(
        f"{'kind':28} {'cold ms':>8} {'warm ms':>8} {'counts':>8} {'counts':>8} {'page':>5} {'total':>8}  query"
    )
    print(f"{'':28} {'results':>8} {'results':>8} {'cold':>8} {'warm':>8}")
    for q in qs:
        total = f"{q['total']:,d}" + ("+" if q["total_capped"] else "")
        print(
            f"{q['kind']:28} {q['cold_ms']:8.1f} {statistics.median(q['warm_ms']):8.1f} "
            f"{q['counts_cold_ms']:8.1f} {statistics.median(q['counts_warm_ms']):8.1f} {q['page']:5d} "
            f"{total:>8}  {q['query']}"
        )
    summary = {
        "cold_p50_ms": round(percentile(cold, 50), 1),
        "cold_p95_ms": round(percentile(cold, 95), 1),
        "warm_p50_ms": round(percentile(warm, 50), 1),
        "warm_p95_ms": round(percentile(warm, 95), 1),
        "counts_cold_p50_ms": round(percentile(counts_cold, 50), 1),
        "counts_cold_p95_ms": round(percentile(counts_cold, 95), 1),
        "counts_warm_p50_ms": round(percentile(counts_warm, 50), 1),
        "counts_warm_p95_ms": round(percentile(counts_warm, 95), 1),
        "results_and_counts_warm_p95_ms": round(percentile(both_warm, 95), 1),
    }
    print(
        "results: cold p50 {cold_p50_ms} ms, p95 {cold_p95_ms} ms; warm p50 {warm_p50_ms} ms, p95 {warm_p95_ms} ms\n"
        "counts (second request): cold p50 {counts_cold_p50_ms} ms, p95 {counts_cold_p95_ms} ms; "
        "warm p50 {counts_warm_p50_ms} ms, p95 {counts_warm_p95_ms} ms\n"
        "results + counts, warm p95 {results_and_counts_warm_p95_ms} ms".format(**summary)
    )
    record("search", argv, args, {**summary, **figures}, load_before=load_before, load_seconds=load_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
