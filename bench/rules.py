"""Benchmark: the time 200 active rules add to each incoming message (OPS-12; target p95 < 5 ms).

On a scratch database (SQLite in a temporary folder by default, or a scratch PostgreSQL database), creates 200
enabled rules of realistic shapes through the service (keyword lists in English and French, regular
expressions, channel group, status, priority, tags, language, business hours, any/all), 40 auto-tag keyword
lists, then ingests ``--messages`` inbound messages (new tickets and follow-ups from returning clients).

What is timed, per message, is the work automation adds: this app's subscribers for the events of that
message (``ticket.created`` when it opens a ticket, then ``message.created`` and ``ticket.updated``): the
rule-set token check, the compiled rules of the trigger evaluated on the ticket's facts, auto-tagging, and the
``RuleRun`` row of each rule that matches. Two phases of ``--messages`` each: **decision** (the rules' actions
replaced by a no-op: the engine's own cost) and **with_actions** (the matching rules' actions really run
through the ticket services, and the events they cause go to this app's subscribers again). Other apps'
subscribers (search, SLA, reports…) are not run: they cost the same with or without rules. The ingest itself
is not counted; its time is printed for scale. Wall time and this process's CPU time are both given: on a
shared, loaded machine the CPU time is the steadier figure.

``--queries`` also counts the SQL statements of each message's timed work (Django's
``CaptureQueriesContext``: p50 / p95 / max / mean per phase, and the most frequent statements); capturing
costs time, so compare timings only between runs without it.

    .venv/bin/python bench/rules.py                         # SQLite
    .venv/bin/python bench/rules.py --postgres              # scratch PostgreSQL database parlons_bench_rules
    .venv/bin/python bench/rules.py --messages 2000 --rules 200 --save /tmp/rules.json
    .venv/bin/python bench/rules.py --postgres --messages 300 --queries   # SQL statements per message
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WORDS_EN = [
    "passport",
    "visa",
    "refund",
    "complaint",
    "appointment",
    "urgent",
    "lost",
    "status",
    "fee",
    "form",
]
WORDS_FR = [
    "passeport",
    "visa",
    "remboursement",
    "plainte",
    "rendez-vous",
    "urgent",
    "perdu",
    "statut",
    "frais",
]
BODIES = [
    "Bonjour, où en est ma demande de passeport? Merci",
    "Hello, I lost my permanent resident card, what should I do?",
    "J'attends une réponse depuis trois semaines pour mon permis d'études.",
    "Can I book an appointment for biometrics next week?",
    "Le site ne fonctionne pas quand je paie les frais, c'est urgent!",
    "Thanks for your help yesterday.",
    "Mon numéro de dossier est AB123456, pouvez-vous vérifier le statut ?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _capture():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return CaptureQueriesContext(connection)


def _shape(sql: str) -> str:
    """A statement without its values, shortened: what kind of query it is."""
    sql = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
    return re.sub(r"\s+", " ", sql)[:110]


def setup_django(args) -> None:
    if args.postgres:
        from demo_load import recreate, with_database

        recreate(with_database(args.database_url, "postgres"), args.db_name)
        os.environ["DATABASE_URL"] = with_database(args.database_url, args.db_name)
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["PARLONS_DATA_DIR"] = tempfile.mkdtemp(prefix="parlons-bench-rules-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    os.environ.setdefault("PARLONS_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_rules(count: int, rng: random.Random) -> None:
    from parlons.accounts.services import ensure_default_roles
    from parlons.automation.services import create_auto_tag, create_rule
    from parlons.core.actors import SYSTEM
    from parlons.tickets.models import ChannelGroup
    from parlons.tickets.services import create_channel_group, create_tag

    ensure_default_roles()
    groups = [
        create_channel_group(
            actor=SYSTEM, platform="api", name=f"Group {i}", external_id=f"g{i}", language="fr"
        )
        for i in range(10)
    ]
    for i in range(60):
        create_tag(actor=SYSTEM, name_en=f"Topic {i}", name_fr=f"Sujet {i}", slug=f"topic-{i}")
    group_ids = [g.pk for g in ChannelGroup.objects.all()]
    shapes = []
    for i in range(count):
        words = rng.sample(WORDS_EN, 3) + rng.sample(WORDS_FR, 3) + [f"rareword{i}", f"motrare{i}"]
        conditions = [{"field": "text", "op": "contains_any", "value": words}]
        shape = i % 5
        if shape == 0:
            conditions.append({"field": "channel_group", "op": "in", "value": rng.sample(group_ids, 2)})
        elif shape == 1:
            conditions.append({"field": "status", "op": "in", "value": ["new", "open"]})
            conditions.append({"field": "tags", "op": "none", "value": [f"topic-{i % 60}"]})
        elif shape == 2:
            conditions = [
                {"field": "text", "op": "matches", "value": rf"\b[A-Z]{{2}}\d{{6}}\b|dossier {i}\b"}
            ]
            conditions.append({"field": "priority", "op": "in", "value": ["urgent"]})
        elif shape == 3:
            conditions.append({"field": "language", "op": "in", "value": ["en"]})
            conditions.append({"field": "business_hours", "op": "is", "value": "outside"})
        else:
            conditions = [{"field": "text", "op": "contains_all", "value": [f"rareword{i}", "urgent"]}]
        # Most rules do not match most messages (a rare word is required), as in real rule sets.
        if i % 20 != 0:
            conditions.append(
                {"field": "text", "op": "contains_any", "value": [f"rareword{i}", f"motrare{i}"]}
            )
        shapes.append(
            {
                "trigger": "message_received" if i % 4 else "ticket_created",
                "match": "all",
                "conditions": conditions,
                "actions": [{"type": "add_tags", "value": [f"topic-{i % 60}"]}],
            }
        )
    for i, doc in enumerate(shapes):
        create_rule(actor=SYSTEM, name=f"Rule {i}", document=doc)
    for i in range(40):
        create_auto_tag(
            actor=SYSTEM,
            tag=f"topic-{i}",
            keywords_en=[f"autokw{i}", rng.choice(WORDS_EN) + f"x{i}"],
            keywords_fr=[f"motauto{i}"],
        )
    return groups


def measure(args) -> dict:
    from django.db import transaction

    from parlons.automation import listeners
    from parlons.core import events
    from parlons.tickets.services import InboundMessage, Sender, ingest_inbound_message

    rng = random.Random(args.seed)
    groups = make_rules(args.rules, rng) if args.rules else []
    if not groups:
        from parlons.core.actors import SYSTEM
        from parlons.tickets.services import create_channel_group

        groups = [create_channel_group(actor=SYSTEM, platform="api", name="G", external_id="g")]
    ours = [
        listeners.on_ticket_created,
        listeners.on_text,
        listeners.on_message_edited,
        listeners.on_ticket_updated,
    ]
    only_ours: dict = {}
    for event_type, fns in events._subscribers.items():
        kept = [fn for fn in fns if fn in ours]
        if kept:
            only_ours[event_type] = kept
    from parlons.automation.services import running as automation

    real_execute = automation.execute
    figures: dict[str, list[float]] = {
        "decision": [],
        "with_actions": [],
        "decision_cpu": [],
        "with_actions_cpu": [],
    }
    ingest_times: list[float] = []
    query_counts: dict[str, list[int]] = {"decision": [], "with_actions": []}
    statements: dict[str, dict[str, int]] = {"decision": {}, "with_actions": {}}
    real_dispatch = events.dispatch
    real_subscribers = events._subscribers
    n = 0
    for phase in ("decision", "with_actions"):
        if phase == "decision":  # evaluate and decide, but do not act: the engine's own cost
            automation.execute = lambda rule, ticket_id, trigger: [{"type": "dry", "ok": True}]
        else:
            automation.execute = real_execute
        for i in range(args.messages + args.warmup):
            n += 1
            pending: list = []
            events.dispatch = pending.append  # collect the ingest's events; dispatched below to ours only
            body = rng.choice(BODIES)
            if rng.random() < 0.05:
                body += f" rareword{rng.randrange(args.rules or 1)}"
            item = InboundMessage(
                channel_group=rng.choice(groups),
                sender=Sender(external_id=f"client-{rng.randrange(args.messages // 3 + 1)}", name="Client"),
                body=body,
                external_id=f"m-{n}",
            )
            started = time.perf_counter()
            with transaction.atomic():
                ingest_inbound_message(item)
            ingest_times.append(time.perf_counter() - started)
            events.dispatch = real_dispatch
            # Only this app's subscribers run (also for the events its actions cause): the other apps'
            # listeners (search, SLA, reports…) cost the same with or without rules.
            events._subscribers = only_ours
            capture = _capture() if args.queries else contextlib.nullcontext()
            with capture as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                for event in pending:
                    real_dispatch(event)
                spent, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            events._subscribers = real_subscribers
            if i >= args.warmup:
                figures[phase].append(spent * 1000)
                figures[f"{phase}_cpu"].append(cpu * 1000)
                if captured is not None:
                    query_counts[phase].append(len(captured.captured_queries))
                    for q in captured.captured_queries:
                        shape = _shape(q["sql"])
                        statements[phase][shape] = statements[phase].get(shape, 0) + 1
    automation.execute = real_execute
    from parlons.automation.models import RuleRun

    out = {"rules": args.rules, "messages_per_phase": args.messages}
    for phase, ms in figures.items():
        out.update(
            {
                f"{phase}_ms_p50": round(percentile(ms, 50), 3),
                f"{phase}_ms_p95": round(percentile(ms, 95), 3),
                f"{phase}_ms_p99": round(percentile(ms, 99), 3),
                f"{phase}_ms_max": round(max(ms), 3),
            }
        )
    if args.queries:
        for phase, counts in query_counts.items():
            out[f"{phase}_queries"] = {
                "p50": percentile(counts, 50),
                "p95": percentile(counts, 95),
                "max": max(counts),
                "mean": round(sum(counts) / len(counts), 2),
                "total": sum(counts),
                "top": sorted(statements[phase].items(), key=lambda kv: -kv[1])[:12],
            }
    return {
        **out,
        "load_average": os.getloadavg(),
        "ingest_ms_p50": round(percentile([t * 1000 for t in ingest_times], 50), 3),
        "rule_runs": RuleRun.objects.count(),
        "database": "postgresql" if args.postgres else "sqlite",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/parlons",
    )
    parser.add_argument("--db-name", default="parlons_bench_rules")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--queries", action="store_true", help="count the SQL statements per message")
    args = parser.parse_args()
    if args.db_name in ("postgres", "template0", "template1", "parlons"):
        sys.exit("Choose a scratch database with --db-name.")
    setup_django(args)
    figures = measure(args)
    from demo_load import machine

    figures["machine"] = machine()
    print(json.dumps(figures))
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
    if args.postgres:
        from django.db import connections

        connections.close_all()
        from demo_load import recreate, with_database

        recreate(with_database(args.database_url, "postgres"), args.db_name, drop_only=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
