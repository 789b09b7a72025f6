"""What the database benchmarks share: the options for a scratch database, loading it with `parlons demo`,
measuring in a fresh process (so "cold" means cold), and percentiles."""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from demo_load import DEFAULT_URL, recreate, run, with_database

ROOT = Path(__file__).resolve().parent.parent
PROTECTED_DATABASES = ("postgres", "template0", "template1", "parlons")


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (``ru_maxrss`` is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """The process's resident memory now, in MB (Linux ``/proc``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def database_arguments(parser: argparse.ArgumentParser, *, db_name: str) -> None:
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sqlite", action="store_true", help="bench the embedded SQLite database")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--db-name", default=db_name, help="scratch PostgreSQL database")
    parser.add_argument("--data-dir", type=Path, help="SQLite: keep the database in this folder")
    parser.add_argument("--reuse", action="store_true", help="measure the existing database; do not load")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)


def record(
    benchmark: str,
    argv: list[str] | None,
    args: argparse.Namespace,
    figures: dict,
    *,
    load_before: tuple[float, float, float],
    load_seconds: float | None,
) -> dict:
    """The figures of a run with what RESULTS.md asks for (date, command, load average before and after, the
    machine), written to ``--save`` when given."""
    from datetime import UTC, datetime

    from demo_load import machine

    result = {
        "benchmark": benchmark,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([f"bench/{benchmark}.py", *(argv if argv is not None else sys.argv[1:])]),
        "load_seconds": round(load_seconds, 1) if load_seconds else None,
        **figures,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2) + "\n")
        print(f"saved to {args.save}")
    return result


def load_then_measure(args: argparse.Namespace, script: str, *, prefix: str) -> tuple[dict, float | None]:
    """Load a scratch database with ``parlons demo`` (unless ``--reuse``), then run ``script --measure`` in a
    fresh process against it and return its JSON figures and the load time."""
    parlons = [sys.executable, "-m", "parlons.cli"]
    temp = None
    if args.sqlite:
        if args.data_dir is None:
            temp = tempfile.TemporaryDirectory(prefix=prefix)
            args.data_dir = Path(temp.name)
        env = {**os.environ, "PARLONS_DATA_DIR": str(args.data_dir)}
        env.pop("DATABASE_URL", None)
    else:
        if args.db_name in PROTECTED_DATABASES:
            sys.exit("Choose a scratch database with --db-name.")
        env = {**os.environ, "DATABASE_URL": with_database(args.database_url, args.db_name)}
        env["PARLONS_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    env.update({"PARLONS_DEMO_PASSWORD": secrets.token_urlsafe(12), "PARLONS_LOG_LEVEL": "WARNING"})
    load_seconds = None
    try:
        if not args.reuse:
            if not args.sqlite:
                recreate(with_database(args.database_url, "postgres"), args.db_name)
            run([*parlons, "migrate", "--no-input", "-v0"], env, echo=False)
            print(f"Loading: parlons demo --tickets {args.tickets} --seed {args.seed}", flush=True)
            load_seconds, output = run(
                [*parlons, "demo", "--tickets", str(args.tickets), "--seed", str(args.seed)], env, echo=False
            )
            print(output.strip(), flush=True)
        proc = subprocess.run(
            [sys.executable, script, "--measure"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep and not args.reuse and not args.sqlite:
            recreate(with_database(args.database_url, "postgres"), args.db_name, drop_only=True)
        if temp is not None and not args.keep:
            temp.cleanup()
    return figures, load_seconds
