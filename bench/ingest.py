"""Benchmark: Meta webhook ingest, from the HTTP delivery to the ticket an agent can see.

Starts a real Parlons (``parlons run --no-worker``, uvicorn) and ``N`` task workers (``parlons worker``) as
separate processes on a fresh database (SQLite under a temporary data dir, or a scratch PostgreSQL database
``parlons_bench_ingest``), the Graph API simulator in this process (it serves the images and PDFs that some
deliveries carry), then posts signed deliveries (Facebook comments, Messenger and WhatsApp messages, a share
with images and PDFs, a share sent twice) from ``--concurrency`` clients at once, and polls the database
until every message is stored.

It reports deliveries acknowledged per second (HTTP 200 from /webhooks/meta, the item stored), deliveries
processed per second (first post to last message stored), and p50/p95 of the acknowledgement time and of
"webhook -> ticket visible" (time from the post to the message's row existing).

    .venv/bin/python bench/ingest.py --backend sqlite --deliveries 1000
    .venv/bin/python bench/ingest.py --backend postgres --deliveries 1000 --workers 2
    .venv/bin/python bench/ingest.py --backend postgres --save /tmp/ingest-pg.json
    .venv/bin/python bench/ingest.py --backend postgres --workers 2 --drain --mix text

``--drain`` measures the two sides apart: every delivery is posted (and acknowledged) with no worker running,
then the workers start and the time to process the backlog gives messages processed per second: the workers'
capacity, which the combined run cannot show when the clients post more slowly than the workers process.
``--mix text`` posts text messages and comments only (most of what the public writes); the default mix has
images and PDFs in four deliveries of seven, each downloaded from the simulator by the worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "parlons_bench_ingest"
SECRET = "bench-app-secret"
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def recreate_pg(drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DB)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(PG_DB)))


def message_id(payload: dict) -> str:
    """The platform id the stored message will carry."""
    entry = payload["entry"][0]
    if "messaging" in entry:
        return entry["messaging"][0]["message"]["mid"]
    value = entry["changes"][0]["value"]
    if "messages" in value:
        return value["messages"][0]["id"]
    return value["comment_id"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="Clients posting at the same time.")
    parser.add_argument("--workers", type=int, default=1, help="Task worker processes.")
    parser.add_argument("--duplicates", type=float, default=0.1, help="Share of deliveries posted twice.")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--save", help="Write the figures as JSON to this file.")
    parser.add_argument(
        "--drain",
        action="store_true",
        help="Post everything first (no worker running), then time the workers draining the backlog.",
    )
    parser.add_argument("--mix", choices=["mixed", "text"], default="mixed")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="parlons-bench-ingest-"))
    port = free_port()
    env = {
        **os.environ,
        "PARLONS_DATA_DIR": str(data_dir),
        "PARLONS_SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "PARLONS_META_APP_SECRET": SECRET,
        "PARLONS_TLS": "0",
        "PARLONS_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "parlons.settings",
    }
    if args.backend == "postgres":
        recreate_pg()
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        env.pop("DATABASE_URL", None)

    from parlons.simulator.graph import GraphSimulator

    graph = GraphSimulator(token=TOKEN).start()
    env["PARLONS_META_GRAPH_URL"] = graph.graph_url
    os.environ.update(env)
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)

    parlons = str(Path(sys.executable).with_name("parlons"))
    subprocess.run([parlons, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)

    import django

    django.setup()
    from django.db import close_old_connections

    from parlons.core.crypto import encrypt_json
    from parlons.simulator.traffic import Traffic, deliver
    from parlons.tickets.models import ChannelGroup, Message
    from parlons.tickets.services import channel_for

    gen = Traffic(page_id="910000000000001", phone_id="910000000000002", graph=graph, seed=11)
    for platform_name, external_id, creds in (
        ("facebook", gen.page_id, {"page_token": TOKEN}),
        ("messenger", gen.page_id, {"page_token": TOKEN}),
        ("whatsapp", gen.phone_id, {"access_token": TOKEN}),
    ):
        ChannelGroup.objects.create(
            channel=channel_for(platform_name),
            external_id=external_id,
            name=f"Bench {platform_name}",
            language="fr",
            credentials_encrypted=encrypt_json(creds),
        )
    if args.mix == "text":
        makers = [gen.comment, gen.messenger, gen.whatsapp]
        payloads = [gen.random.choice(makers)() for _ in range(args.deliveries)]
    else:
        payloads = gen.mix(args.deliveries)
    expected = {message_id(p) for p in payloads}
    assert len(expected) == len(payloads)

    log = open(data_dir / "processes.log", "w")  # noqa: SIM115  (open while the processes run)
    processes = [
        subprocess.Popen(
            [parlons, "run", "--no-worker", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    ]

    def start_workers() -> None:
        processes.extend(
            subprocess.Popen([parlons, "worker"], env=env, cwd=ROOT, stdout=log, stderr=log)
            for _ in range(args.workers)
        )

    if not args.drain:
        start_workers()
    import httpx

    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            # 503 is an answer too: /healthz says so while no worker runs yet (``--drain``).
            if httpx.get(f"{url}/healthz", timeout=1).status_code in (200, 503):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        print("Parlons did not start; see", data_dir / "processes.log")
        return 2

    load_before = os.getloadavg()[0]
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def post(payload: dict, twice: bool) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=60)
        mid = message_id(payload)
        for _ in range(2 if twice else 1):
            started = time.perf_counter()
            sent_at.setdefault(mid, started)
            status = deliver(f"{url}/webhooks/meta", payload, SECRET, client=client).status_code
            elapsed = time.perf_counter() - started
            with lock:
                acks.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    visible_at: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        pending = set(expected)
        deadline = time.perf_counter() + args.timeout
        while pending and time.perf_counter() < deadline:
            found = set(
                Message.objects.filter(external_id__in=list(pending)).values_list("external_id", flat=True)
            )
            now = time.perf_counter()
            for mid in found:
                visible_at[mid] = now
            pending -= found
            time.sleep(0.02)
        close_old_connections()
        done.set()

    poller = threading.Thread(target=poll, daemon=True)
    start = time.perf_counter()
    if not args.drain:
        poller.start()
    with ThreadPoolExecutor(args.concurrency) as pool:
        rnd = gen.random
        for payload in payloads:
            pool.submit(post, payload, rnd.random() < args.duplicates)
    acked = time.perf_counter()
    ack_seconds = acked - start
    if args.drain:
        # The backlog is stored: from the first worker's heartbeat on, only the workers' processing is timed
        # (their start-up, importing Django, is not).
        from parlons.core.models import WorkerHeartbeat

        start_workers()
        while not WorkerHeartbeat.objects.exists():
            time.sleep(0.01)
        start = time.perf_counter()
        poller.start()
    done.wait(args.timeout + 5)
    finished = max(visible_at.values(), default=acked)
    load_after = os.getloadavg()[0]

    for proc in processes:
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    graph.stop()
    if args.backend == "postgres":
        from django.db import connections

        connections.close_all()
        recreate_pg(drop_only=True)

    # "Visible" (post -> message stored) means something only while posts and processing overlap.
    latencies = [] if args.drain else [visible_at[m] - sent_at[m] for m in visible_at if m in sent_at]
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "backend": args.backend,
        "deliveries": args.deliveries,
        "posts": sum(statuses.values()),
        "http_statuses": statuses,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "stored_messages": len(visible_at),
        "mode": "drain" if args.drain else "combined",
        "mix": args.mix,
        "acknowledged_per_s": round(sum(statuses.values()) / ack_seconds, 1),
        "processed_per_s": round(len(visible_at) / (finished - start), 1),
        "ack_p50_ms": round(percentile(acks, 50) * 1000, 1),
        "ack_p95_ms": round(percentile(acks, 95) * 1000, 1),
        "processing_seconds": round(finished - start, 1),
        "visible_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "visible_p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "visible_mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "load_avg_before_after": [round(load_before, 2), round(load_after, 2)],
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
    }
    print(json.dumps(result, indent=2))
    if args.save:
        Path(args.save).write_text(json.dumps(result, indent=2))
    return 0 if len(visible_at) == len(expected) and set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
