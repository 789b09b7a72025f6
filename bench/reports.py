"""Benchmark: the standard reports over 180 days (p95) and an xlsx export of 100,000 tickets (time, peak memory).

Loads a fresh database with ``parlons demo --tickets N`` (or reuses one), then in a fresh process:

1. exports the first 100,000 tickets (or all, if fewer) to xlsx with the streaming writer the export task uses
   (``parlons.reports.exports.write_tickets_xlsx``) and records the time and the process's peak RSS (the
   export runs first, so the peak is the export's, over the Python/Django baseline also reported);
2. computes the report figures of every ticket (``parlons reports rebuild``: the demo loader writes rows
   directly, without the domain events that keep them up to date on a live system) and ANALYZEs;
3. runs every standard report with each of its groupings over the last 180 days of the data, once cold and
   ten times warm, as the demo ``analyst`` user (``run_report``: validation, permission, queries, labels).

    .venv/bin/python bench/reports.py --tickets 100000                      # PostgreSQL (DATABASE_URL)
    .venv/bin/python bench/reports.py --reuse --db-name parlons_bench_reports_1m
    .venv/bin/python bench/reports.py --sqlite --tickets 20000
    .venv/bin/python bench/reports.py --reuse --db-name parlons_bench_1m --no-export --no-rebuild   # reports only

``--no-rebuild`` keeps the figures already in the database (loaded by ``parlons demo``, which rebuilds them, or
by an earlier run); ``--no-export`` skips step 1.

Targets (issue 8): each report under 2 s; the export under 60 s with a peak under 300 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import database_arguments, load_then_measure, peak_rss_mb, percentile, record  # noqa: E402

WARM_RUNS = 10
EXPORT_TICKETS = 100_000


def measure() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    django.setup()
    from django.db import connection

    from parlons.reports import metrics
    from parlons.tickets.models import Ticket

    figures: dict = {"vendor": connection.vendor, "tickets": Ticket.objects.count()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # 1. the export first, so that the peak RSS is the export's
    baseline = peak_rss_mb()
    if os.environ.get("PARLONS_BENCH_NO_EXPORT"):
        figures["export"] = None
    else:
        _export(figures, baseline)

    # 2. the figures
    if os.environ.get("PARLONS_BENCH_NO_REBUILD"):
        figures["rebuild_tickets"] = figures["rebuild_seconds"] = None
    else:
        started = time.perf_counter()
        figures["rebuild_tickets"] = metrics.rebuild()
        figures["rebuild_seconds"] = round(time.perf_counter() - started, 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    _reports(figures)
    return figures


def _export(figures: dict, baseline: float) -> None:
    from parlons.reports.exports import write_tickets_xlsx
    from parlons.tickets.models import Ticket

    last_id = Ticket.objects.order_by("pk").values_list("pk", flat=True)[EXPORT_TICKETS - 1 : EXPORT_TICKETS]
    queryset = Ticket.objects.filter(pk__lte=last_id[0]) if last_id else Ticket.objects.all()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tickets.xlsx"
        started = time.perf_counter()
        written = write_tickets_xlsx(queryset, path)
        figures["export"] = {
            "tickets": written,
            "seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "baseline_rss_mb": round(baseline, 1),
            "file_mb": round(path.stat().st_size / 1e6, 1),
        }


def _reports(figures: dict) -> None:
    from parlons.accounts.models import User
    from parlons.reports.selectors import REPORTS, run_report
    from parlons.tickets.models import Ticket

    # 3. the reports over the last 180 days of the data
    user = User.objects.get(username="analyst")
    end = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first().date()
    period = {"from": (end - timedelta(days=179)).isoformat(), "to": end.isoformat()}
    figures["period"] = period
    results = []
    for report in REPORTS.values():
        groupings = [code for code, _label in report.dimensions] or [""]
        for by in groupings:
            params = {**period, **({"by": by} if by else {})}
            times, rows = [], 0
            for _ in range(1 + int(os.environ.get("PARLONS_BENCH_WARM_RUNS", WARM_RUNS))):
                started = time.perf_counter()
                result = run_report(user, report.name, params)
                times.append((time.perf_counter() - started) * 1000)
                rows = len(result.rows)
            results.append(
                {
                    "name": f"{report.name}{' by ' + by if by else ''}",
                    "cold_ms": times[0],
                    "warm_ms": times[1:],
                    "rows": rows,
                    # the figures themselves, to compare two versions of the code on one database
                    "rows_sha1": hashlib.sha1(
                        json.dumps(result.rows, default=str, sort_keys=True).encode(), usedforsecurity=False
                    ).hexdigest(),
                }
            )
    figures["reports"] = results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_arguments(parser, db_name="parlons_bench_reports")
    parser.add_argument("--warm", type=int, default=WARM_RUNS, help="warm runs per report (default 10)")
    parser.add_argument("--no-export", action="store_true", help="skip the xlsx export")
    parser.add_argument("--no-rebuild", action="store_true", help="keep the figures in the database")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure()))
        return 0
    os.environ["PARLONS_BENCH_WARM_RUNS"] = str(args.warm)  # the measuring process reads it
    for flag, name in (
        (args.no_export, "PARLONS_BENCH_NO_EXPORT"),
        (args.no_rebuild, "PARLONS_BENCH_NO_REBUILD"),
    ):
        if flag:
            os.environ[name] = "1"

    load_before = os.getloadavg()
    figures, load_seconds = load_then_measure(args, __file__, prefix="parlons-bench-reports-")
    print(f"\n{figures['vendor']}, {figures['tickets']:,} tickets, period {figures['period']}")
    e = figures["export"]
    if e:
        print(
            f"xlsx export: {e['tickets']:,} tickets in {e['seconds']} s, peak RSS {e['peak_rss_mb']} MB "
            f"(baseline {e['baseline_rss_mb']} MB), file {e['file_mb']} MB"
        )
    if figures["rebuild_tickets"] is not None:
        print(
            f"rebuild of the figures: {figures['rebuild_tickets']:,} tickets in {figures['rebuild_seconds']} s"
        )
    print(f"{'report':36} {'cold ms':>9} {'warm p50':>9} {'warm p95':>9} {'rows':>5}")
    for r in figures["reports"]:
        print(
            f"{r['name']:36} {r['cold_ms']:9.1f} {statistics.median(r['warm_ms']):9.1f} "
            f"{percentile(r['warm_ms'], 95):9.1f} {r['rows']:5d}"
        )
    every = [t for r in figures["reports"] for t in [r["cold_ms"], *r["warm_ms"]]]
    worst = max(figures["reports"], key=lambda r: percentile([r["cold_ms"], *r["warm_ms"]], 95))
    summary = {
        "p95_ms_all": round(percentile(every, 95), 1),
        "worst_report": worst["name"],
        "worst_p95_ms": round(percentile([worst["cold_ms"], *worst["warm_ms"]], 95), 1),
    }
    print("all reports p95 {p95_ms_all} ms; slowest {worst_report}: p95 {worst_p95_ms} ms".format(**summary))
    record("reports", argv, args, {**summary, **figures}, load_before=load_before, load_seconds=load_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
