"""A small bilingual corpus for search tests, written with factories and then indexed with ``rebuild_index``."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from parlons.search.services import rebuild_index
from parlons.tickets.models import Message, MessageKind
from tests import factories
from tests.api.conftest import agent_api, make_api_user  # noqa: F401  (API clients with a token)


def at(day: str):
    return timezone.make_aware(datetime.fromisoformat(day + "T12:00:00"))


@pytest.fixture
def corpus(db, agent_user, other_agent):
    team = factories.TeamFactory(name="Passeports")
    lob = factories.LineOfBusinessFactory(slug="immigration")
    parent = factories.TagGroupFactory(slug="documents", line_of_business=lob)
    sub = factories.TagGroupFactory(slug="etudiants", parent=parent)
    visa = factories.TagFactory(slug="visa", name_en="Visa", name_fr="Visa", group=sub)
    spam = factories.TagFactory(slug="spam", name_en="Spam", name_fr="Pourriel")
    other = factories.TagFactory(slug="other")
    fb = factories.ChannelGroupFactory(
        platform="facebook", name="IRCC FR", external_id="ircc-fr", language="fr"
    )
    x = factories.ChannelGroupFactory(platform="x", name="IRCC EN", external_id="ircc-en", language="en")

    def ticket(subject, body, *, group, handle, tags=(), day="2026-02-10", **extra):
        ident = factories.ContactIdentityFactory(handle=handle, contact__name=handle.title())
        t = factories.TicketFactory(
            subject=subject,
            channel_group=group,
            contact=ident.contact,
            created_at=at(day),
            updated_at=at(day),
            tags=list(tags),
            **extra,
        )
        factories.MessageFactory(ticket=t, body=body, created_at=at(day))
        return t

    fr = ticket(
        "Permis d'études",
        "Bonjour, où en est ma demande de permis d'études? L'immigration ne répond pas.",
        group=fb,
        handle="jdoe",
        tags=[visa],
        language="fr",
        status="open",
        kind=MessageKind.COMMENT,
        team=team,
    )
    factories.MessageFactory(
        ticket=fr,
        direction=Message.Direction.OUT,
        author_contact=None,
        author_user=other_agent,
        body="Merci, nous vérifions votre dossier.",
        created_at=at("2026-02-11"),
    )
    en = ticket(
        "Work permits",
        "I applied for two work permits last year and the study permit is still pending.",
        group=x,
        handle="bsmith",
        tags=[other],
        language="en",
        status="resolved",
        kind=MessageKind.MENTION,
        day="2026-04-02",
        assignee=agent_user,
        closed_by=agent_user,
        resolved_at=at("2026-04-03"),
        priority="high",
    )
    junk = ticket(
        "Gagnez un prix",
        "Cliquez ici pour gagner des bureaux et des journaux gratuits",
        group=fb,
        handle="spammer",
        tags=[spam],
        is_spam=True,
        status="closed",
        day="2025-12-30",
    )
    factories.NoteFactory(ticket=junk, body="Pourriel évident, signalé à Meta.", created_at=at("2025-12-30"))
    rebuild_index()
    return SimpleNamespace(fr=fr, en=en, junk=junk, fb=fb, x=x, team=team)
