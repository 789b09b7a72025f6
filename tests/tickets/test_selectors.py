"""Ticket lists: every filter, the four orderings, keyset pagination that visits each ticket once, and a
constant number of queries whatever the page size (OPS-14, OPS-22, OPS-23, SRCH-2, SRCH-4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.tickets.models import GroupSet, TrackerTicket
from parlons.tickets.selectors import (
    TicketFilters,
    get_visible_ticket,
    page_of_tickets,
    tickets_visible_to,
)
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def data(roles):
    """Eight tickets with known properties (names are what the assertions refer to)."""
    fb = factories.ChannelGroupFactory(platform="facebook", name="FB page")
    fb2 = factories.ChannelGroupFactory(platform="facebook", name="FB other page")
    wa = factories.ChannelGroupFactory(platform="whatsapp", name="WhatsApp")
    mail = factories.ChannelGroupFactory(platform="email", name="Mailbox")
    agent = factories.UserFactory(username="sel-agent", roles=["agent"])
    other = factories.UserFactory(username="sel-other", roles=["agent"])
    team = factories.TeamFactory(name="Sel team")
    passport = factories.TagFactory(slug="passport")
    urgent = factories.TagFactory(slug="urgent-case")
    visa = factories.TagFactory(slug="visa")
    marie = factories.ContactIdentityFactory(handle="marie.t", platform="facebook").contact
    jean = factories.ContactIdentityFactory(handle="JeanD", platform="x").contact

    def make(name, group, created, updated=None, **kw):
        return factories.TicketFactory(
            subject=name,
            channel_group=group,
            created_at=day(created),
            updated_at=day(updated or created),
            **kw,
        )

    t = {
        "a": make("a", fb, 0, 10, status="new", contact=marie, tags=[passport]),
        "b": make("b", fb, 1, 9, status="open", assignee=agent, team=team, tags=[passport, urgent]),
        "c": make("c", fb2, 2, 8, status="pending", priority="high", assignee=other, tags=[visa]),
        "d": make("d", wa, 3, 7, status="resolved", priority="urgent", contact=jean, tags=[urgent]),
        "e": make("e", wa, 4, 6, status="closed", priority="low", team=team),
        "f": make("f", mail, 5, 5, status="new", is_spam=True),
        "g": make("g", mail, 6, 4, status="open", contact=marie, assignee=agent, tags=[passport, visa]),
        "h": make("h", fb, 7, 3, status="new", priority="high"),
    }
    return {"t": t, "fb": fb, "fb2": fb2, "wa": wa, "mail": mail, "agent": agent, "other": other, "team": team,
            "marie": marie, "jean": jean}  # fmt: skip


def names(user, filters=None, **kw):
    rows, _cursor = page_of_tickets(user, filters or TicketFilters(), limit=200, **kw)
    return "".join(t.subject for t in rows)


FILTER_CASES = [
    ("status", lambda d: TicketFilters(status=["new"]), "afh"),
    ("several statuses", lambda d: TicketFilters(status=["open", "pending"]), "bcg"),
    ("priority", lambda d: TicketFilters(priority=["high", "urgent"]), "cdh"),
    ("channel", lambda d: TicketFilters(channel=["whatsapp", "email"]), "defg"),
    ("channel group", lambda d: TicketFilters(channel_group=[d["fb2"].pk, d["wa"].pk]), "cde"),
    ("tags include all", lambda d: TicketFilters(tags=["passport", "urgent-case"]), "b"),
    ("tag", lambda d: TicketFilters(tags=["passport"]), "abg"),
    ("tags exclude", lambda d: TicketFilters(exclude_tags=["passport", "visa"]), "defh"),
    ("include and exclude", lambda d: TicketFilters(tags=["passport"], exclude_tags=["urgent-case"]), "ag"),
    ("assignee", lambda d: TicketFilters(assignee=[d["agent"].pk]), "bg"),
    ("unassigned", lambda d: TicketFilters(unassigned=True), "adefh"),
    ("assignee or unassigned", lambda d: TicketFilters(assignee=[d["other"].pk], unassigned=True), "acdefh"),
    ("team", lambda d: TicketFilters(team=[d["team"].pk]), "be"),
    ("contact", lambda d: TicketFilters(contact=[d["marie"].pk]), "ag"),
    ("handle, any case, with @", lambda d: TicketFilters(handle="@jeand"), "d"),
    ("spam only", lambda d: TicketFilters(spam=True), "f"),
    ("no spam", lambda d: TicketFilters(spam=False), "abcdegh"),
    ("created range", lambda d: TicketFilters(created_from=day(2), created_to=day(5)), "cde"),
    ("updated range", lambda d: TicketFilters(updated_from=day(4), updated_to=day(8)), "defg"),
    (
        "combined",
        lambda d: TicketFilters(channel=["facebook"], status=["new", "open"], tags=["passport"]),
        "ab",
    ),
]


@pytest.mark.parametrize("label, build, expected", FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filters_req_ops14_ops23_srch4(data, reader_user, label, build, expected):
    assert names(reader_user, build(data), ordering="created") == expected


def test_tracker_and_group_set_filters_req_ops18_ops1(data, reader_user):
    tracker = factories.TrackerFactory()
    TrackerTicket.objects.create(tracker=tracker, ticket=data["t"]["c"])
    TrackerTicket.objects.create(tracker=tracker, ticket=data["t"]["e"])
    assert names(reader_user, TicketFilters(tracker=tracker.pk), ordering="created") == "ce"
    passports = GroupSet.objects.create(name_en="Passports", name_fr="Passeports")
    passports.groups.add(data["fb"], data["mail"])
    assert names(reader_user, TicketFilters(group_set=[passports.pk]), ordering="created") == "abfgh"


@pytest.mark.parametrize(
    "ordering, expected",
    [("created", "abcdefgh"), ("-created", "hgfedcba"), ("updated", "hgfedcba"), ("-updated", "abcdefgh")],
)
def test_orderings_req_ops22_srch2(data, reader_user, ordering, expected):
    assert names(reader_user, ordering=ordering) == expected


def test_default_ordering_is_last_updated_first_req_ops22(data, reader_user):
    assert names(reader_user) == "abcdefgh"


def test_unknown_filter_values_and_ordering_are_refused(data, reader_user):
    for filters in (TicketFilters(status=["lost"]), TicketFilters(priority=["whenever"])):
        with pytest.raises(Invalid):
            page_of_tickets(reader_user, filters)
    with pytest.raises(Invalid):
        page_of_tickets(reader_user, TicketFilters(), ordering="subject")


@pytest.mark.parametrize("ordering", ["created", "-created", "updated", "-updated"])
def test_keyset_pagination_visits_every_ticket_once_req_ops22(reader_user, ordering):
    group = factories.ChannelGroupFactory()
    contact = factories.ContactFactory()
    # 23 tickets, with runs of identical timestamps so the id tie-break matters.
    tickets = [
        factories.TicketFactory(
            channel_group=group, contact=contact, created_at=day(i // 3), updated_at=day(10 - i // 4)
        )
        for i in range(23)
    ]
    column = ordering.lstrip("-") + "_at"
    expected = sorted(tickets, key=lambda t: (getattr(t, column), t.pk), reverse=ordering.startswith("-"))

    seen, cursor, pages = [], "", 0
    while True:
        rows, cursor = page_of_tickets(
            reader_user, TicketFilters(), ordering=ordering, cursor=cursor, limit=5
        )
        pages += 1
        seen += [t.pk for t in rows]
        if cursor is None:
            break
    assert pages == 5
    assert seen == [t.pk for t in expected]
    assert len(set(seen)) == 23


def test_pagination_of_an_exact_multiple_ends_without_an_empty_page(reader_user):
    factories.TicketFactory.create_batch(4)
    rows, cursor = page_of_tickets(reader_user, TicketFilters(), limit=2)
    rows2, cursor2 = page_of_tickets(reader_user, TicketFilters(), limit=2, cursor=cursor)
    assert (len(rows), len(rows2), cursor2) == (2, 2, None)


def test_bad_cursor_is_refused_req_ops22(data, reader_user):
    _rows, cursor = page_of_tickets(reader_user, TicketFilters(), ordering="created", limit=3)
    for bad in ["garbage", "eyJ2IjogMX0", cursor + "x!", "%%%"]:
        with pytest.raises(Invalid) as exc:
            page_of_tickets(reader_user, TicketFilters(), ordering="created", cursor=bad)
        assert exc.value.code == "bad_cursor"
    with pytest.raises(Invalid) as exc:  # a cursor belongs to its ordering
        page_of_tickets(reader_user, TicketFilters(), ordering="-updated", cursor=cursor)
    assert exc.value.code == "bad_cursor"


def test_page_size_is_clamped(data, reader_user):
    rows, cursor = page_of_tickets(reader_user, TicketFilters(), limit=0)
    assert len(rows) == 1 and cursor
    rows, cursor = page_of_tickets(reader_user, TicketFilters(), limit=10_000)
    assert len(rows) == 8 and cursor is None


def test_constant_number_of_queries_whatever_the_page_size_req_ops23(reader_user):
    group = factories.ChannelGroupFactory()
    tags = factories.TagFactory.create_batch(3)
    team = factories.TeamFactory()
    agent = factories.UserFactory(username="q-agent")
    for i in range(40):
        identity = factories.ContactIdentityFactory()
        factories.TicketFactory(
            channel_group=group, contact=identity.contact, team=team, assignee=agent, tags=tags[: i % 4]
        )
    page_of_tickets(reader_user, TicketFilters(), limit=1)  # permissions are cached on the user from here

    counts = {}
    for limit in (1, 5, 40):
        with CaptureQueriesContext(connection) as queries:
            rows, _cursor = page_of_tickets(
                reader_user, TicketFilters(tags=[tags[0].slug], status=["new"]), limit=limit
            )
            # what a list shows: contact, channel, group, assignee, team and tags
            for t in rows:
                (t.contact.name, t.channel_group.channel.platform, t.assignee.username, t.team.name)
                [tag.slug for tag in t.tags.all()]
        counts[limit] = len(queries)
    # tickets, their tags, and the tag ids of the filter (looked up first so the planner can estimate)
    assert counts == {1: 3, 5: 3, 40: 3}


def test_who_sees_tickets_req_adm4(data, reader_user, no_role_user):
    ticket = data["t"]["a"]
    assert tickets_visible_to(reader_user).count() == 8
    assert get_visible_ticket(reader_user, ticket.pk) == ticket
    assert tickets_visible_to(no_role_user).count() == 0
    with pytest.raises(NotFound):
        get_visible_ticket(no_role_user, ticket.pk)
    for missing in (999999, "abc", None):
        with pytest.raises(NotFound):
            get_visible_ticket(reader_user, missing)
    with pytest.raises(Forbidden):
        page_of_tickets(no_role_user, TicketFilters())
