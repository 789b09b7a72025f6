"""The rules' decision for an incoming message makes a fixed, small number of queries, whatever the number of
rules (REQ OPS-12, OPS-25; issue 7: under 5 ms per message with 200 rules on PostgreSQL).

Per batch of events one query reads the rule-set token; per event that a rule concerns, one query reads the
message and the ticket's facts (fields, tags, returning client); the facts are read once more only after a
rule acted, not once per rule; the ``RuleRun`` row is one INSERT. An event that no rule, auto-tag or
assignment policy concerns costs nothing (issue 5). The actions are replaced by a stand-in here (their queries
are the ticket services'), and only this app's listener runs: the other apps' listeners are not what is pinned.
"""

from __future__ import annotations

import pytest
from django.test import TestCase

from parlons.automation import engine, listeners
from parlons.automation.models import RuleRun
from parlons.automation.services import running
from parlons.core import events
from tests import factories

pytestmark = pytest.mark.django_db


def _cond(field, op, value=None):
    return {"field": field, "op": op, **({"value": value} if value is not None else {})}


@pytest.fixture
def many_rules(make_rule, channel_group):
    """60 rules that do not match a plain message: half stop at their text, half at the ticket's fields, tags
    or returning client (those need the ticket's facts)."""
    factories.TagFactory(slug="vip")
    factories.TagFactory(slug="passports")
    other_group = factories.ChannelGroupFactory()
    shapes = [
        [_cond("text", "contains_any", ["visa", "refund"])],
        [_cond("status", "in", ["closed"]), _cond("tags", "none", ["vip"])],
        [_cond("channel_group", "in", [other_group.pk])],
        [_cond("tags", "any", ["vip"]), _cond("priority", "in", ["normal", "high"])],
        [_cond("contact", "is", "returning"), _cond("language", "in", ["en", "fr"])],
        [_cond("text", "matches", r"AB\d{6}"), _cond("team", "is_set")],
    ]
    for i in range(60):
        make_rule([{"type": "add_tags", "value": ["vip"]}], shapes[i % len(shapes)], name=f"No match {i}")


@pytest.fixture
def decide(monkeypatch):
    """``decide(group, **ingest_kwargs)``: ingest a message, then return the queries of this app's listeners
    for its events (the rules' actions replaced by a stand-in that reports success, as a real change would,
    or failure with ``action_ok=False``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(group, *, action_ok=True, **kwargs):
        monkeypatch.setattr(
            running, "execute", lambda rule, ticket_id, trigger: [{"type": "add_tags", "ok": action_ok}]
        )
        pending: list = []
        with monkeypatch.context() as patch:
            patch.setattr(events, "dispatch", pending.append)
            with TestCase.captureOnCommitCallbacks(execute=True):
                factories.ingest(group, **kwargs)
        engine.current()  # the compiled rules are in the process's cache, as after the first message
        with CaptureQueriesContext(connection) as captured:
            listeners.on_events(pending)  # the events of one ingest, as the batch dispatch hands them over
        return [q["sql"] for q in captured.captured_queries]

    return run


def test_no_matching_rule_one_query_per_event_req_ops12(many_rules, decide, channel_group):
    # A new ticket: the token, once; "ticket created" (no rule on that trigger: nothing) and "message received"
    # (message and the ticket's facts, tags and returning client included, in one query).
    queries = decide(channel_group, sender="new-client", body="Hello, where is my passport?")
    assert len(queries) == 2, queries
    # A follow-up on the same ticket: the token, "message received"; "ticket updated" has no rule.
    queries = decide(channel_group, sender="new-client", body="Any news please?")
    assert len(queries) == 2, queries
    assert not RuleRun.objects.exists()


@pytest.mark.parametrize("action_ok, expected", [(True, 4), (False, 3)])
def test_one_matching_rule_reads_the_facts_again_once_not_per_rule_req_ops12(
    make_rule, decide, channel_group, action_ok, expected
):
    factories.TagFactory(slug="passports")
    first = make_rule(
        [{"type": "add_tags", "value": ["passports"]}],
        [_cond("text", "contains_any", ["passport"])],
        name="Passports",
    )
    # 40 rules after it (rules run in order) that need the ticket as the first one left it; none matches.
    other_group = factories.ChannelGroupFactory()
    factories.TagFactory(slug="vip")
    for i in range(40):
        make_rule(
            [{"type": "add_tags", "value": ["vip"]}],
            [_cond("status", "in", ["closed"]), _cond("tags", "any", ["vip"])]
            if i % 2
            else [_cond("channel_group", "in", [other_group.pk]), _cond("contact", "is", "returning")],
            name=f"No match {i}",
        )
    queries = decide(channel_group, sender="client", body="Where is my passport?", action_ok=action_ok)
    # The token: 1; ticket created: nothing; message received: 1 (token, message, facts) + 1 (the facts again,
    # after the rule that acted, for the 40 rules after it; not when its action failed: nothing changed) + 1
    # (its RuleRun).
    assert len(queries) == expected, queries
    assert list(RuleRun.objects.values_list("rule_id", flat=True)) == [first.pk]


def test_the_number_of_queries_does_not_grow_with_the_rules_req_ops12(make_rule, decide, channel_group):
    factories.TagFactory(slug="vip")
    counts = []
    for batch in range(3):
        for i in range(30):
            make_rule(
                [{"type": "add_tags", "value": ["vip"]}],
                [_cond("priority", "in", ["urgent"]), _cond("tags", "all", ["vip"])],
                name=f"Rule {batch}-{i}",
            )
        counts.append(len(decide(channel_group, sender=f"client-{batch}", body="Bonjour")))
    assert counts == [2, 2, 2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rule_runs_commit_without_waiting_for_the_disk_and_nothing_else_does_req_ops12(
    make_rule, channel_group
):
    """Outside a transaction (as after a real commit) the RuleRun rows are written with synchronous_commit
    off for their own transaction only: the next writes of the connection wait for the disk again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.TagFactory(slug="passports")
    rule = make_rule(
        [{"type": "add_tags", "value": ["passports"]}], [_cond("text", "contains_any", ["passport"])]
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as captured:
        ticket = factories.ingest(channel_group, sender="async", body="Where is my passport?").ticket
    assert RuleRun.objects.filter(rule=rule, ticket=ticket).count() == 1
    assert set(ticket.tags.values_list("slug", flat=True)) == {"passports"}
    assert sum("synchronous_commit" in q["sql"] for q in captured.captured_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == before
