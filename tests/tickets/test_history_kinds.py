"""Every kind of history row is declared once with its sentence (OPS-19, UI-6): the code cannot write a kind
that has no sentence, and every declared kind reads as a translated sentence in English and in French."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

import parlons
from parlons.core.actors import SYSTEM
from parlons.tickets.history import KINDS, check_kind, describe, describe_many
from parlons.tickets.models import TicketEvent
from parlons.tickets.services._common import history_row, record

SOURCE = Path(parlons.__file__).resolve().parent
ROOT = SOURCE.parent

# Writers of history rows and where their kind is: (positional index, keyword).
WRITERS = {"record": (1, None), "history_row": (1, None), "TicketEvent": (None, "kind")}
# The demo story plans the rows the services would write (``self.event(kind, ...)``) and its writer stores them.
DEMO_WRITER = ("parlons/demo/", "event", 0)

# Modules that pass a computed kind (a variable, an f-string) to a writer, and every kind they can pass.
COMPUTED = {
    # a reply's own status move (parlons.tickets.status, Cause.REPLY)
    "parlons/tickets/services/conversation.py": {"ticket.status_changed"},
    # update_ticket's ``simple(field, kind)``
    "parlons/tickets/services/properties.py": {
        "ticket.status_changed",
        "ticket.priority_changed",
        "ticket.subject_changed",
        "ticket.spam_changed",
    },
    # the batch's planned rows (ticket, kind, at, data, message index)
    "parlons/tickets/services/ingest.py": {
        "ticket.created",
        "contact.profile_changed",
        "message.received",
        "ticket.status_changed",
    },
    # f"message.{event.kind}" for platform_events.KINDS other than status and echo
    "parlons/tickets/services/platform_events.py": {
        "message.edited",
        "message.deleted",
        "message.hidden",
        "message.unhidden",
        "message.reaction",
    },
    # f"sla.{level}"
    "parlons/sla/services/checks.py": {"sla.warning", "sla.breached"},
}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _kind_argument(call: ast.Call, index: int | None, keyword: str | None) -> ast.expr | None:
    if index is not None and len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None) if keyword else None


def _literals(node: ast.expr) -> set[str] | None:
    """The kinds an argument can be when the source spells them (a string, or ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def written_kinds() -> tuple[dict[str, set[str]], set[str]]:
    """(kind -> the places that write it, the modules that pass a computed kind), from the source."""
    found: dict[str, set[str]] = {}
    computed: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative == "parlons/tickets/services/_common.py":
            continue  # _common defines record and history_row (it passes its own ``kind`` through)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name in WRITERS:
                argument = _kind_argument(node, *WRITERS[name])
            elif relative.startswith(DEMO_WRITER[0]) and name == DEMO_WRITER[1]:
                argument = _kind_argument(node, DEMO_WRITER[2], None)
            else:
                continue
            if argument is None:
                continue
            kinds = _literals(argument)
            if kinds is None:
                computed.add(relative)
                continue
            for kind in kinds:
                found.setdefault(kind, set()).add(f"{relative}:{node.lineno}")
    return found, computed


def test_every_kind_the_code_writes_is_declared_req_ops19():
    found, computed = written_kinds()
    assert len(found) > 20, "the scan no longer finds the writers of history rows"
    undeclared = {kind: sorted(places) for kind, places in found.items() if kind not in KINDS}
    assert undeclared == {}, "declare these kinds and their sentences in parlons/tickets/history.py"
    assert computed == set(COMPUTED), (
        "a module passes a computed kind to record/history_row: list what it can write in COMPUTED"
        if computed - set(COMPUTED)
        else "COMPUTED lists a module that no longer computes a kind"
    )
    undeclared_computed = {m: sorted(k - set(KINDS)) for m, k in COMPUTED.items() if k - set(KINDS)}
    assert undeclared_computed == {}


def test_every_declared_kind_is_written_somewhere():
    """A declared kind nobody writes is a misspelling of one that is written (or dead code)."""
    found, _computed = written_kinds()
    written = set(found).union(*COMPUTED.values())
    assert set(KINDS) - written == set()


@pytest.mark.django_db
def test_writing_an_undeclared_kind_is_refused_req_ops19(ticket, agent_user):
    before = TicketEvent.objects.count()
    with pytest.raises(ValueError, match=r"'ticket\.asigned'"):
        record(ticket, "ticket.asigned", actor=agent_user, via="web", to=None)
    with pytest.raises(ValueError, match=r"'future\.kind'"):
        history_row(ticket, "future.kind", actor=SYSTEM, via="ingest")
    assert TicketEvent.objects.count() == before
    assert record(ticket, "note.added", actor=agent_user, via="web", note=1).kind == "note.added"


def test_a_kind_is_declared_once():
    from parlons.tickets.history import declare

    with pytest.raises(ValueError, match="declared twice"):
        declare("ticket.created")(lambda data: "again")
    assert check_kind("ticket.created") == "ticket.created"


# Realistic data for each declared kind, as the services write it (and the variants its sentence has).
TAG = {"id": 4, "slug": "passport", "en": "Lost passport", "fr": "Passeport perdu"}
SAMPLES: dict[str, list[dict]] = {
    "ticket.created": [{"channel_group": 3, "kind": "message"}],
    "message.received": [{"message": 41}],
    "reply.sent": [{"message": 42, "attachments": 1}],
    "note.added": [{"note": 7}],
    "reply.retried": [{"message": 42}],
    "ticket.status_changed": [{"from": "open", "to": "resolved"}],
    "ticket.priority_changed": [{"from": "normal", "to": "urgent"}],
    "ticket.subject_changed": [{"from": "Passport", "to": "Lost passport"}],
    "ticket.spam_changed": [{"from": False, "to": True}, {"from": True, "to": False}],
    "ticket.assigned": [{"from": None, "to": {"id": 3, "name": "Gabriel Agent"}}],
    "ticket.team_changed": [{"from": {"id": 1, "name": "Visas"}, "to": {"id": 2, "name": "Passeports"}}],
    "ticket.channel_group_changed": [
        {"from": {"id": 1, "name": "Passports API"}, "to": {"id": 2, "name": "Page Facebook"}}
    ],
    "tags.added": [{"tags": [TAG]}],
    "tags.removed": [{"tags": [TAG]}, {"tags": [TAG], "reason": "tag_deleted"}],
    "tracker.added": [{"tracker": {"id": 5, "name": "Panne"}}],
    "tracker.removed": [{"tracker": {"id": 5, "name": "Panne"}}],
    "ticket.split": [{"ticket": 12, "messages": [41]}],
    "ticket.split_from": [{"ticket": 11, "messages": [41]}],
    "message.delivery_changed": [{"message": 42, "from": "sent", "to": "delivered"}],
    "message.edited": [{"message": 41}],
    "message.deleted": [{"message": 41}],
    "message.hidden": [{"message": 41}],
    "message.unhidden": [{"message": 41}],
    "message.echo": [{"message": 43}],
    "message.reaction": [
        {"message": 42, "emoji": "👍", "action": "react", "by": "psid-1"},
        {"message": 42, "emoji": "", "action": "unreact", "by": "psid-1"},
    ],
    "contact.profile_changed": [
        {
            "platform": "whatsapp",
            "identity": 5,
            "changes": {
                "display_name": {"from": "Émilie", "to": "Émilie Gagnon"},
                "handle": {"from": "emilie", "to": "egagnon"},
            },
        }
    ],
    "handoff.received": [
        {"bot": {"id": 9, "name": "Botpress"}, "intent": "passport_renewal", "confidence": 0.82, "handoff": 3}
    ],
    "sla.warning": [{"target": "first_response", "due_at": "2026-11-22T15:00:00+00:00"}],
    "sla.breached": [{"target": "resolution", "due_at": "2026-11-23T15:00:00+00:00"}],
    "reminder.set": [{"reminder": 2, "remind_at": "2026-11-24T13:00:00+00:00"}],
    "reminder.cancelled": [{"reminder": 2}],
    "reminder.due": [{"reminder": 2}],
    "email.forwarded": [{"forward": 1, "to": "consul@example.org", "messages": [41]}],
    "email.forward_failed": [{"forward": 1, "to": "consul@example.org", "error": "550 mailbox unavailable"}],
    "email.forward_answered": [
        {
            "forward": 1,
            "note": 8,
            "from": "consul@example.org",
            "message_id": "<a@example.org>",
            "auto_reply": False,
        }
    ],
}


def test_every_declared_kind_has_a_sample():
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize(("kind", "data"), [(k, d) for k, variants in SAMPLES.items() for d in variants])
def test_every_declared_kind_reads_as_a_sentence_in_english_and_french_req_ops19_ui6(kind, data):
    event = TicketEvent(kind=kind, data=data, via="web")
    english, french = describe(event, "en"), describe(event, "fr")
    for text in (english, french):
        assert text.strip(), kind
        assert "%(" not in text and kind not in text and "None" not in text, text
    assert re.search(r"[A-Za-z]{3}", english)
    assert french != english, f"{kind} has no French sentence"
    with translation.override("fr"):
        assert describe(event) == french


@pytest.mark.django_db
def test_one_page_names_its_rules_in_one_query_req_ops12(django_assert_num_queries):
    from parlons.automation.models import Rule

    rules = [Rule.objects.create(name=f"Route {n}", trigger="message_received") for n in range(3)]
    gone = Rule.objects.create(name="Temporary", trigger="message_received")
    gone_id = gone.pk
    gone.delete()
    events = [TicketEvent(kind="ticket.priority_changed", data={"from": "normal", "to": "high"}, via="web")]
    events += [
        TicketEvent(kind="ticket.priority_changed", data={"from": "normal", "to": "high"}, via=f"rule:{r.pk}")
        for r in [*rules, rules[0]]
    ]
    events += [
        TicketEvent(kind="ticket.priority_changed", data={"from": "normal", "to": "high"}, via=via)
        for via in (f"rule:{gone_id}", "rule:abc", "autotag")
    ]
    with django_assert_num_queries(1):
        lines = describe_many(events, "en")
    assert lines == [
        "Priority changed from Normal to High",
        "Priority changed from Normal to High — by rule “Route 0”",
        "Priority changed from Normal to High — by rule “Route 1”",
        "Priority changed from Normal to High — by rule “Route 2”",
        "Priority changed from Normal to High — by rule “Route 0”",
        f"Priority changed from Normal to High — by rule #{gone_id} (since deleted)",
        "Priority changed from Normal to High — by rule #abc (since deleted)",
        "Priority changed from Normal to High — automatic tagging",
    ]
    with django_assert_num_queries(0):
        assert describe_many(events[:1] + events[-1:], "fr") == [
            describe(events[0], "fr"),
            describe(events[-1], "fr"),
        ]
