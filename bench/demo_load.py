"""Benchmark: how long ``parlons demo --tickets N`` takes on PostgreSQL.

Creates a fresh database (``parlons_bench`` by default) on the PostgreSQL server of ``--database-url`` (else
``DATABASE_URL``, else the local server), migrates it, times ``parlons demo --tickets N --seed S`` run as a
separate process exactly as an operator would, counts the rows it wrote, drops the database (unless
``--keep``) and prints tickets per second and total seconds.

    .venv/bin/python bench/demo_load.py                       # 100,000 tickets
    .venv/bin/python bench/demo_load.py --tickets 1000000 --save bench/out/demo-1m.json
    .venv/bin/python bench/demo_load.py --compare bench/out/baseline.json

``--save FILE`` writes the figures as JSON; ``--compare FILE`` compares with such a file and exits with 1
when this run is slower than the baseline by more than ``--tolerance`` (default 25 %).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parlons"
COUNTED = {
    "tickets": "tickets_ticket",
    "messages": "tickets_message",
    "history_rows": "tickets_ticketevent",
    "notes": "tickets_note",
    "ticket_tags": "tickets_tickettag",
    "tracker_links": "tickets_trackerticket",
    "contacts": "tickets_contact",
    "outbound": "connectors_outboundmessage",
}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))


def run(cmd: list[str], env: dict[str, str], *, echo: bool) -> tuple[float, str]:
    """Run a command, echoing its output as it comes; return (seconds, output)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print("   ", line.rstrip(), flush=True)
    code = proc.wait()
    seconds = time.monotonic() - started
    if code:
        sys.exit(f"{' '.join(cmd)} failed with exit code {code}:\n{''.join(lines[-30:])}")
    return seconds, "".join(lines)


def machine() -> dict:
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="any database URL on the PostgreSQL server to use (default: DATABASE_URL)",
    )
    parser.add_argument(
        "--db-name", default="parlons_bench", help="the scratch database (dropped, recreated)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with figures saved by --save")
    parser.add_argument("--tolerance", type=float, default=0.25, help="allowed slowdown for --compare (0.25)")
    parser.add_argument("--quiet", action="store_true", help="do not echo the command's progress")
    args = parser.parse_args(argv)

    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        sys.exit("This benchmark needs PostgreSQL: give --database-url postgres://...")
    if args.db_name in ("postgres", "template0", "template1", urlsplit(args.database_url).path.lstrip("/")):
        sys.exit(f"Refusing to drop the database {args.db_name!r}: choose a scratch name with --db-name.")
    admin_url = with_database(args.database_url, "postgres")
    bench_url = with_database(args.database_url, args.db_name)

    recreate(admin_url, args.db_name)
    load_before = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="parlons-bench-") as data_dir:
            env = {
                **os.environ,
                "DATABASE_URL": bench_url,
                "PARLONS_DATA_DIR": data_dir,
                "PARLONS_DEMO_PASSWORD": secrets.token_urlsafe(12),
                "PARLONS_LOG_LEVEL": "WARNING",
            }
            parlons = [sys.executable, "-m", "parlons.cli"]
            print(f"Migrating {args.db_name}...", flush=True)
            migrate_seconds, _out = run([*parlons, "migrate", "--no-input", "-v0"], env, echo=not args.quiet)
            command = [*parlons, "demo", "--tickets", str(args.tickets), "--seed", str(args.seed)]
            print(f"Running: parlons demo --tickets {args.tickets} --seed {args.seed}", flush=True)
            seconds, output = run(command, env, echo=not args.quiet)
        with psycopg.connect(bench_url) as conn:
            rows = {
                key: conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()[0]
                for key, table in COUNTED.items()
            }
            server = conn.execute("SHOW server_version").fetchone()[0]
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    finally:
        if not args.keep:
            recreate(admin_url, args.db_name, drop_only=True)

    reported = re.search(r"Created (\d+) tickets in ([\d.]+) s", output)
    result = {
        "benchmark": "demo_load",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"parlons demo --tickets {args.tickets} --seed {args.seed}",
        "tickets": rows["tickets"],
        "seconds": round(seconds, 1),
        "tickets_per_second": round(rows["tickets"] / seconds, 1),
        "loader_seconds": float(reported.group(2)) if reported else None,
        "migrate_seconds": round(migrate_seconds, 1),
        "rows": rows,
        "database_size": size,
        "postgresql": server,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    if rows["tickets"] != args.tickets:
        sys.exit(f"Expected {args.tickets} tickets, found {rows['tickets']}.")
    print()
    print(
        f"parlons demo --tickets {args.tickets:,}: {result['seconds']:,.1f} s in total, "
        f"{result['tickets_per_second']:,.0f} tickets/s"
    )
    print("rows: " + ", ".join(f"{key} {value:,}" for key, value in rows.items()) + f"; database {size}")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2) + "\n")
        print(f"saved to {args.save}")
    if args.compare:
        baseline = json.loads(args.compare.read_text())
        ratio = result["tickets_per_second"] / baseline["tickets_per_second"]
        print(
            f"baseline {baseline['tickets_per_second']:,.0f} tickets/s ({baseline.get('date', '?')}): "
            f"this run is {ratio:.2f}x"
        )
        if ratio < 1 - args.tolerance:
            print(f"SLOWER than the baseline by more than {args.tolerance:.0%}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
