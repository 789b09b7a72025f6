"""A small hand-computed data set for the report tests (March 2026, Toronto time).

Six tickets written directly with exact timestamps and the history rows the services would write, then their
figures computed by ``parlons.reports.metrics.compute`` (what the listeners and the rebuild command run):

====  ===================  =====  ====  ====  ============  =======================  ==========================
 id   created (UTC)        group  team  lang  tags          assignments              status changes
====  ===================  =====  ====  ====  ============  =======================  ==========================
 t1   Mon 03-02 14:00      fb     T1    fr    visa          A at 14:00               resolved 17:00 (reply 15:00)
 t2   Mon 03-02 20:00      fb     T1    fr    visa, fees    B at 20:00               resolved Tue 03-03 15:00
 t3   Wed 03-04 14:00      mail   T2    en    passport      A 14:00, B 16:00         resolved 18:00
 t4   Thu 03-05 14:00      mail   T2    en    -             -                        open
 t5   Tue 02-10 14:00      fb     T1    fr    passport      A at 14:00               resolved Fri 03-06 14:00
 t6   Tue 03-10 14:00      fb     T1    fr    visa          A at 14:00               resolved 15:00, reopened
                                                                                     16:00, resolved 17:00
====  ===================  =====  ====  ====  ============  =======================  ==========================

Tags visa and passport are in group "Immigration"; visa is in line of business "Citizenship"; fees has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests import factories


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


@dataclass
class DataSet:
    t: dict
    a: object
    b: object
    t1_team: object
    t2_team: object
    fb: object
    mail: object
    visa: object
    passport: object
    fees: object
    group: object
    lob: object


@pytest.fixture
def dataset(agent_user, other_agent, admin_user):
    from parlons.reports import metrics
    from parlons.tickets.models import Message, Ticket, TicketEvent

    a, b = agent_user, other_agent
    team1 = factories.TeamFactory(name="Passeports")
    team2 = factories.TeamFactory(name="Visas")
    fb = factories.ChannelGroupFactory(platform="facebook", name="Page Facebook")
    mail = factories.ChannelGroupFactory(platform="email", name="Boîte courriel")
    lob = factories.LineOfBusinessFactory(slug="citizenship", name_en="Citizenship", name_fr="Citoyenneté")
    group = factories.TagGroupFactory(slug="immigration", name_en="Immigration", name_fr="Immigration")
    visa = factories.TagFactory(
        slug="visa", name_en="Visa", name_fr="Visa", group=group, line_of_business=lob
    )
    passport = factories.TagFactory(slug="passport", name_en="Passport", name_fr="Passeport", group=group)
    fees = factories.TagFactory(slug="fees", name_en="Fees", name_fr="Frais")

    def ticket(name, created, cg, team, lang, tags, body, *, status="open", resolved=None, assignee=None):
        t = factories.TicketFactory(
            subject=name,
            created_at=created,
            updated_at=created,
            channel_group=cg,
            team=team,
            language=lang,
            tags=tags,
            status=status,
            resolved_at=resolved,
            assignee=assignee,
        )
        factories.MessageFactory(ticket=t, body=body, created_at=created)
        TicketEvent.objects.create(ticket=t, kind="ticket.created", data={}, created_at=created)
        return t

    def assign(t, when, frm, to):
        ref = lambda u: None if u is None else {"id": u.pk, "name": u.display_name}  # noqa: E731
        TicketEvent.objects.create(
            ticket=t,
            kind="ticket.assigned",
            data={"from": ref(frm), "to": ref(to)},
            created_at=when,
            actor=admin_user,
        )

    def status(t, when, frm, to):
        TicketEvent.objects.create(
            ticket=t,
            kind="ticket.status_changed",
            data={"from": frm, "to": to},
            created_at=when,
            actor=admin_user,
        )

    t1 = ticket(
        "t1",
        at(3, 2, 14),
        fb,
        team1,
        "fr",
        [visa],
        "Mon permis de travail est expiré",
        status="resolved",
        resolved=at(3, 2, 17),
        assignee=a,
    )
    assign(t1, at(3, 2, 14), None, a)
    status(t1, at(3, 2, 15), "new", "open")
    status(t1, at(3, 2, 17), "open", "resolved")
    Message.objects.create(
        ticket=t1,
        direction="out",
        platform="facebook",
        author_user=a,
        body="Bonjour",
        created_at=at(3, 2, 15),
    )
    Ticket.objects.filter(pk=t1.pk).update(first_response_at=at(3, 2, 15))

    t2 = ticket(
        "t2",
        at(3, 2, 20),
        fb,
        team1,
        "fr",
        [visa, fees],
        "Question sur les frais du permis",
        status="resolved",
        resolved=at(3, 3, 15),
        assignee=b,
    )
    assign(t2, at(3, 2, 20), None, b)
    status(t2, at(3, 3, 15), "new", "resolved")

    t3 = ticket(
        "t3",
        at(3, 4, 14),
        mail,
        team2,
        "en",
        [passport],
        "My passport renewal is late",
        status="closed",
        resolved=at(3, 4, 18),
        assignee=b,
    )
    assign(t3, at(3, 4, 14), None, a)
    assign(t3, at(3, 4, 16), a, b)
    status(t3, at(3, 4, 18), "new", "closed")

    t4 = ticket("t4", at(3, 5, 14), mail, team2, "en", [], "Passport photo question")

    t5 = ticket(
        "t5",
        at(2, 10, 14),
        fb,
        team1,
        "fr",
        [passport],
        "Renouvellement",
        status="resolved",
        resolved=at(3, 6, 14),
        assignee=a,
    )
    assign(t5, at(2, 10, 14), None, a)
    status(t5, at(3, 6, 14), "new", "resolved")

    t6 = ticket(
        "t6",
        at(3, 10, 14),
        fb,
        team1,
        "fr",
        [visa],
        "Permis d'études refusé",
        status="resolved",
        resolved=at(3, 10, 17),
        assignee=a,
    )
    assign(t6, at(3, 10, 14), None, a)
    status(t6, at(3, 10, 15), "new", "resolved")
    status(t6, at(3, 10, 16), "resolved", "open")
    status(t6, at(3, 10, 17), "open", "resolved")

    tickets = {t.subject: t for t in (t1, t2, t3, t4, t5, t6)}
    metrics.compute([t.pk for t in tickets.values()], now=at(3, 31, 12))
    return DataSet(tickets, a, b, team1, team2, fb, mail, visa, passport, fees, group, lob)


def rows_by_label(result) -> dict:
    return {row["label"]: row for row in result.rows}
