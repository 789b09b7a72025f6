"""Benchmark: the ticket export to xlsx of data exchange (ENV-7, OPS-3) — 100,000 tickets with their messages and
notes, time and peak memory.

Loads a fresh database with ``parlons demo --tickets N`` (or reuses one), then, in a fresh process, as the demo
``admin`` user, writes the export the "Import and export" screen and ``GET /api/v1/exports/tickets`` make
(``parlons.exchange.workbooks.write_ticket_export``: sheets Tickets, Messages, Notes, Filters; write-only
openpyxl; keyset chunks of 2,000 tickets) to a temporary file, and records the time (wall and CPU of this
process: on a busy machine the CPU time says what the export costs), the file size and the process's peak RSS
(``ru_maxrss``) against the RSS before the export (Python + Django baseline).

    .venv/bin/python bench/exchange.py --sqlite --tickets 100000 --data-dir /tmp/exchange-bench --keep
    .venv/bin/python bench/exchange.py --sqlite --reuse --data-dir /tmp/exchange-bench
    .venv/bin/python bench/exchange.py --tickets 100000                      # PostgreSQL (DATABASE_URL)

Targets (issue 8): under 60 s with a peak under 300 MB. ``--save FILE`` writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import current_rss_mb, database_arguments, load_then_measure, peak_rss_mb, record  # noqa: E402


def measure() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    django.setup()
    import zoneinfo

    from django.db import connection

    from parlons.accounts.models import User
    from parlons.exchange.workbooks import write_ticket_export
    from parlons.tickets.models import Message, Note, Ticket
    from parlons.tickets.selectors import TicketFilters

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = User.objects.get(username="admin")
    tickets, messages, notes = Ticket.objects.count(), Message.objects.count(), Note.objects.count()
    baseline = current_rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tickets.xlsx"
        started = time.perf_counter()
        cpu_started = time.process_time()
        with open(path, "wb") as out:
            written = write_ticket_export(
                user, TicketFilters(), out, tz=zoneinfo.ZoneInfo("America/Toronto"), notes=True
            )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        size = path.stat().st_size
    peak = peak_rss_mb()
    return {
        "vendor": connection.vendor,
        "tickets": tickets,
        "messages": messages,
        "notes": notes,
        "exported": written,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "file_mb": round(size / 1048576, 1),
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(peak, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_arguments(parser, db_name="parlons_bench_exchange")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure()))
        return 0
    load_before = os.getloadavg()
    figures, load_seconds = load_then_measure(args, __file__, prefix="parlons-bench-exchange-")
    print(
        f"\n{figures['vendor']}: {figures['exported']:,} tickets ({figures['messages']:,} messages, "
        f"{figures['notes']:,} notes) to xlsx in {figures['seconds']} s (CPU {figures['cpu_seconds']} s), "
        f"{figures['file_mb']} MB; "
        f"peak RSS {figures['peak_rss_mb']} MB (baseline {figures['baseline_rss_mb']} MB)"
    )
    record("exchange", argv, args, figures, load_before=load_before, load_seconds=load_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
