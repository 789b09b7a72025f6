"""One root for "who may see this ticket" (ADR 0002, issue 14 item 4): ``tickets_visible_to(user)`` and, from
the ticket's side, ``users_who_may_see(ticket, users)``.

The guard against a path that re-implements visibility: both roots are replaced, wherever a module bound them,
by a narrower rule that hides one ticket from one user who holds every permission; then every path that shows,
changes or tells about tickets must stop exposing that ticket, while a second ticket stays visible (so that no
assertion holds only because nothing is shown at all)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from functools import cache

import pytest

from parlons.accounts.permissions import READ, has_perm, holders_of
from parlons.core.actors import SYSTEM
from parlons.core.errors import NotFound
from parlons.notifications import services as notifications
from parlons.notifications.models import Kind, Notification
from parlons.notifications.services import delivery as notification_delivery
from parlons.tickets import selectors
from parlons.tickets import services as tickets
from parlons.tickets.models import Ticket
from tests import factories
from tests.api.conftest import make_api_user  # noqa: F401  (API clients with a token)

pytestmark = pytest.mark.django_db


@cache
def _import_every_module() -> None:
    """A module imported after the roots were replaced would keep the replacement once the test ends."""
    import parlons

    for found in pkgutil.walk_packages(parlons.__path__, "parlons."):
        if ".migrations" not in found.name:
            importlib.import_module(found.name)


def replace_everywhere(monkeypatch, original, replacement) -> int:
    """Put ``replacement`` wherever a parlons module holds ``original`` (``from ... import name`` copies it)."""
    _import_every_module()
    bound = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("parlons") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                monkeypatch.setattr(module, attr, replacement)
                bound += 1
    return bound


@pytest.fixture
def hide(monkeypatch):
    """``hide(ticket, user)``: a narrower visibility rule, applied through the two roots only."""

    def run(ticket: Ticket, user) -> None:
        visible, readers = selectors.tickets_visible_to, selectors.users_who_may_see

        def narrowed(who):
            found = visible(who)
            return found.exclude(pk=ticket.pk) if getattr(who, "pk", None) == user.pk else found

        def narrowed_readers(about, users):
            hidden = getattr(about, "pk", about) == ticket.pk
            return [u for u in readers(about, users) if not (hidden and u.pk == user.pk)]

        assert replace_everywhere(monkeypatch, visible, narrowed) > 1
        assert replace_everywhere(monkeypatch, readers, narrowed_readers) >= 1

    return run


@pytest.fixture(autouse=True)
def _no_push(monkeypatch):
    monkeypatch.setattr(notification_delivery, "push", lambda n: None)


@pytest.fixture
def pair(channel_group):
    """Two new tickets from two clients: (hidden, shown)."""
    hidden = factories.ingest(channel_group, sender="c-hidden", body="Hidden walrus question").ticket
    shown = factories.ingest(channel_group, sender="c-shown", body="Shown walrus question").ticket
    return hidden, shown


# --- the two faces of the rule agree -----------------------------------------------------------------------
def test_users_who_may_see_agrees_with_tickets_visible_to_req_adm4(roles, ticket, django_assert_num_queries):
    team = factories.TeamFactory(name="Lecteurs")
    factories.grant("reader", team=team)
    people = [
        factories.UserFactory(username="super", is_superuser=True),
        factories.UserFactory(username="by-role", roles=["reader"]),
        factories.UserFactory(username="by-team", teams=[team]),
        factories.UserFactory(username="analyst", roles=["analyst"]),
        factories.UserFactory(username="bot", roles=["bot"]),
        factories.UserFactory(username="no-role"),
        factories.UserFactory(username="gone", roles=["agent"], is_active=False),
    ]
    fresh = list(type(people[0]).objects.filter(pk__in=[u.pk for u in people]).order_by("-pk"))
    expected = [u for u in fresh if selectors.tickets_visible_to(u).filter(pk=ticket.pk).exists()]
    assert [u.username for u in expected] == ["analyst", "by-team", "by-role", "super"]
    with django_assert_num_queries(2):  # whatever the number of people
        assert selectors.users_who_may_see(ticket, fresh + fresh[:2]) == expected
    assert holders_of(READ, fresh) == [u for u in fresh if has_perm(u, READ)]
    assert selectors.users_who_may_see(ticket.pk, []) == []


# --- every path goes through the root ----------------------------------------------------------------------
def test_a_ticket_hidden_by_the_root_is_hidden_on_every_path_req_adm4(
    hide,
    pair,
    admin_user,
    lead_user,
    client,
    make_api_user,  # noqa: F811
):
    from parlons.exchange.selectors import export_queryset
    from parlons.search.selectors import export_rows, search_tickets
    from parlons.search.services import rebuild_index
    from parlons.sla import services as sla
    from parlons.tickets.selectors import TicketFilters

    hidden, shown = pair
    rebuild_index()
    earlier = sla.create_reminder(hidden.pk, actor=admin_user, in_minutes=60)
    api = make_api_user("admin", username="api-admin")
    api_user = type(admin_user).objects.get(username="api-admin")
    client.force_login(admin_user)
    hide(hidden, admin_user)
    hide(hidden, api_user)

    # The ticket page and the lookups behind every ticket view and API route.
    assert client.get(f"/tickets/{hidden.pk}/").status_code == 404
    assert client.get(f"/tickets/{shown.pk}/").status_code == 200
    with pytest.raises(NotFound):
        selectors.get_visible_ticket(admin_user, hidden.pk)
    # Services that lock the ticket (lock_ticket).
    with pytest.raises(NotFound):
        tickets.add_note(hidden, "A note", actor=admin_user)
    with pytest.raises(NotFound):
        tickets.update_ticket(hidden.pk, tickets.Changes(priority="high"), actor=admin_user)
    tickets.add_note(shown, "A note", actor=admin_user)
    assert tickets.bulk_update([hidden.pk, shown.pk], tickets.Changes(priority="high"), actor=admin_user) == {
        "updated": [shown.pk],
        "unchanged": [],
        "not_found": [hidden.pk],
    }
    # "Remind me" and the service-standard view.
    with pytest.raises(NotFound):
        sla.create_reminder(hidden.pk, actor=admin_user, in_minutes=60)
    assert list(sla.reminders_of(admin_user)) == []
    with pytest.raises(NotFound):
        sla.cancel_reminder(earlier.pk, actor=admin_user)
    assert api.get(f"/api/v1/tickets/{hidden.pk}/sla").status_code == 404
    assert api.get(f"/api/v1/tickets/{hidden.pk}/reminders").status_code == 404
    assert api.get(f"/api/v1/tickets/{shown.pk}/sla").status_code == 200
    # The inbox, the bulk confirmation, the API list.
    inbox = client.get("/").content.decode()
    assert f'href="/tickets/{shown.pk}/"' in inbox and f'href="/tickets/{hidden.pk}/"' not in inbox
    change = {"status": "pending", "priority": "", "assignee": "", "team": "", "spam": ""}
    confirm = client.post("/tickets/bulk/", {"ids": [hidden.pk, shown.pk], **change})
    assert "1 ticket will change." in confirm.content.decode()
    listed = [item["id"] for item in api.get("/api/v1/tickets").json()["items"]]
    assert listed == [shown.pk]
    # Search, its export, the ticket export.
    assert [t.pk for t in search_tickets(admin_user, "walrus").items] == [shown.pk]
    assert [row[0] for row in export_rows(admin_user, "walrus")] == [shown.pk]
    assert list(export_queryset(admin_user, TicketFilters()).values_list("pk", flat=True)) == [shown.pk]
    # Trying a rule.
    from parlons.automation.services import dry_run

    document = {"trigger": "message_received", "conditions": [], "actions": [{"type": "mark_spam"}]}
    tried = dry_run(actor=admin_user, document=document, limit=50)
    assert [row["ticket_id"] for row in tried["tickets"]] == [shown.pk]
    # The tickets behind a report's figure (the drill-down page, its API and export).
    from django.utils import timezone

    from parlons.reports import metrics
    from parlons.reports.selectors import drilldown, run_report

    metrics.compute([hidden.pk, shown.pk])
    today = timezone.localdate().isoformat()
    period = {"from": today, "to": today, "by": "weekday"}
    rows = [row for row in run_report(admin_user, "volume", period).rows if row["tickets"]]
    drilled = {
        pk
        for row in rows
        for pk in drilldown(admin_user, "volume", period, row["key"]).values_list("pk", flat=True)
    }
    assert drilled == {shown.pk}


def test_nobody_is_told_about_a_ticket_they_may_not_see_req_adm4_ops13(
    hide, pair, admin_user, lead_user, committed_events
):
    hidden, shown = pair
    hide(hidden, admin_user)
    assert notifications.notify([admin_user], Kind.RULE_NOTIFY, ticket=hidden) == 0
    assert notifications.notify([admin_user.pk], Kind.RULE_NOTIFY, ticket=hidden.pk) == 0
    assert notifications.notify([admin_user, lead_user], Kind.RULE_NOTIFY, ticket=shown) == 2
    with committed_events():
        for ticket in (hidden, shown):
            tickets.add_note(ticket, "@admin @lead have a look", actor=SYSTEM)
            tickets.assign_ticket(ticket, admin_user, actor=lead_user)
    told = sorted(
        Notification.objects.filter(kind__in=["note.mention", "ticket.assigned"]).values_list(
            "recipient__username", "kind", "ticket_id"
        )
    )
    assert told == sorted(
        [
            ("admin", "note.mention", shown.pk),
            ("admin", "ticket.assigned", shown.pk),
            ("lead", "note.mention", hidden.pk),
            ("lead", "note.mention", shown.pk),
        ]
    )


def test_notify_about_a_ticket_reaches_only_those_holding_read_req_adm4_ops13(
    ticket, agent_user, no_role_user, roles
):
    bot = factories.UserFactory(username="bot-only", roles=["bot"])
    assert notifications.notify([agent_user, no_role_user, bot], Kind.RULE_NOTIFY, ticket=ticket) == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [agent_user.pk]
    # Without a ticket (a broadcast, a report) nobody is filtered out for it.
    assert notifications.notify([no_role_user], Kind.BROADCAST, context={"message": "Hi"}) == 1


@pytest.mark.django_db(transaction=True)
def test_presence_is_shared_only_on_tickets_one_may_see_req_adm4_ui2(hide, roles):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from parlons.web.consumers import EventsConsumer

    group = factories.ChannelGroupFactory(platform="api", name="Presence", external_id="presence")
    hidden = factories.ingest(group, sender="c-hidden").ticket.pk
    shown = factories.ingest(group, sender="c-shown").ticket.pk
    lea = factories.UserFactory(username="lea", first_name="Léa", roles=["admin"])
    max_ = factories.UserFactory(username="max", first_name="Max", roles=["agent"])
    hide(Ticket.objects.get(pk=hidden), lea)

    async def scenario():
        a = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        a.scope["user"] = lea
        b = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        b.scope["user"] = max_
        assert (await a.connect())[0] and (await b.connect())[0]
        for ticket in (hidden, shown):
            await b.send_json_to({"type": "presence", "ticket": ticket, "state": "viewing"})
        await b.receive_nothing(timeout=0.3)  # Max has joined both tickets' groups
        await a.send_json_to({"type": "presence", "ticket": hidden, "state": "viewing"})
        await a.send_json_to({"type": "presence", "ticket": shown, "state": "viewing"})
        heard_by_max = [await b.receive_json_from(timeout=5)]
        await b.send_json_to({"type": "presence", "ticket": hidden, "state": "typing"})
        await b.send_json_to({"type": "presence", "ticket": shown, "state": "typing"})
        heard_by_lea = [await a.receive_json_from(timeout=5)]
        quiet = await a.receive_nothing(timeout=0.3) and await b.receive_nothing(timeout=0.3)
        await a.disconnect()
        await b.disconnect()
        return heard_by_max, heard_by_lea, quiet

    heard_by_max, heard_by_lea, quiet = async_to_sync(scenario)()
    assert [(m["ticket"], m["user_id"], m["state"]) for m in heard_by_max] == [(shown, lea.pk, "viewing")]
    assert [(m["ticket"], m["user_id"], m["state"]) for m in heard_by_lea] == [(shown, max_.pk, "typing")]
    assert quiet
