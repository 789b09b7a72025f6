"""Canned responses (BEY-4): the services that keep them, who sees which, the placeholders filled when one is
inserted into a reply, and the API around them."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.core.errors import Conflict, Forbidden, Invalid
from parlons.tickets import services
from parlons.tickets.models import CannedResponse
from tests import factories

pytestmark = pytest.mark.django_db


def _make(actor, **extra):
    data = {
        "name": "Passport status",
        "body_en": "Hello {contact_name}, your ticket {ticket_id} is in progress. – {agent_name}",
        "body_fr": "Bonjour {contact_name}, votre billet {ticket_id} est en cours. – {agent_name}",
        "shortcut": "passport",
    }
    data.update(extra)
    return services.create_canned_response(actor=actor, **data)


def test_canned_response_crud_needs_manage_req_bey4(lead_user, agent_user, committed_events):
    with committed_events() as events:
        response = _make(lead_user, shortcut="/Passport Status")
    assert response.shortcut == "passport-status"
    assert response.created_by == lead_user
    assert [e.type for e in events] == ["canned_response.created"]
    with pytest.raises(Forbidden):
        _make(agent_user, shortcut="other")
    services.update_canned_response(response, actor=lead_user, body_fr="Texte modifié")
    response.refresh_from_db()
    assert response.body_fr == "Texte modifié"
    services.archive_canned_response(response, actor=lead_user)
    response.refresh_from_db()
    assert response.is_archived
    assert not services.canned_responses_for(lead_user).filter(pk=response.pk).exists()
    assert services.canned_responses_for(lead_user, include_archived=True).filter(pk=response.pk).exists()
    with pytest.raises(Forbidden):
        services.delete_canned_response(response, actor=agent_user)
    services.delete_canned_response(response, actor=lead_user)
    assert not CannedResponse.objects.exists()


def test_canned_response_validation_req_bey4(lead_user):
    with pytest.raises(Invalid) as exc:
        _make(lead_user, name="  ")
    assert exc.value.details["field"] == "name"
    with pytest.raises(Invalid) as exc:
        _make(lead_user, body_en="", body_fr=" ")
    assert exc.value.code == "body_required"
    with pytest.raises(Invalid):
        _make(lead_user, shortcut="!!!")
    _make(lead_user)
    with pytest.raises(Conflict):
        _make(lead_user, name="Another")
    with pytest.raises(Invalid):
        services.update_canned_response(CannedResponse.objects.get(), actor=lead_user, created_by=None)


def test_team_responses_only_for_the_team_req_bey4(lead_user, agent_user, other_agent):
    team = factories.TeamFactory(name="Passeports")
    agent_user.teams.add(team)
    shared = _make(lead_user, name="Everyone", shortcut="all")
    own = _make(lead_user, name="Team only", shortcut="team", team=team)
    assert set(services.canned_responses_for(agent_user)) == {shared, own}
    assert set(services.canned_responses_for(other_agent)) == {shared}
    assert list(services.canned_responses_for(agent_user, query="/tea")) == [own]


def test_render_fills_placeholders_in_the_language_req_bey4(lead_user, agent_user, ticket):
    response = _make(lead_user)
    ticket.contact.name = "Marie Tremblay"
    text = services.render_canned(response, ticket, "fr", agent=agent_user)
    assert text == f"Bonjour Marie Tremblay, votre billet {ticket.pk} est en cours. – Gabriel Agent"
    assert services.render_canned(response, ticket, "en", agent=agent_user).startswith("Hello Marie")


def test_render_is_safe_and_falls_back_req_bey4(lead_user, ticket):
    response = _make(lead_user, body_fr="", body_en="{contact_name.__class__} {0} {ticket_id!r} {ticket_id}")
    text = services.render_canned(response, ticket, "fr")
    # Only the known placeholders are replaced; nothing else is interpreted.
    assert text == f"{{contact_name.__class__}} {{0}} {{ticket_id!r}} {ticket.pk}"
    ticket.contact.name = ""
    only_name = _make(lead_user, shortcut="n", name="n", body_en="Hi {contact_name}")
    assert services.render_canned(only_name, ticket, "en") == "Hi Marie Tremblay"  # the identity's name


def test_canned_api_req_bey4(lead_user, agent_user, reader_user, ticket):
    lead, agent, reader = Client(), Client(), Client()
    lead.force_login(lead_user)
    agent.force_login(agent_user)
    reader.force_login(reader_user)
    payload = {"name": "Hello", "body_en": "Hi {contact_name}", "body_fr": "Bonjour {contact_name}"}
    created = lead.post("/api/v1/canned-responses", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    denied = agent.post("/api/v1/canned-responses", payload, content_type="application/json")
    assert denied.status_code == 403
    listed = agent.get("/api/v1/canned-responses?q=hel")
    assert [r["id"] for r in listed.json()] == [pk]
    bad = lead.post(
        "/api/v1/canned-responses", {**payload, "team_id": 999999}, content_type="application/json"
    )
    assert bad.status_code == 400
    patched = lead.patch(
        f"/api/v1/canned-responses/{pk}", {"body_fr": "Allô {contact_name}"}, content_type="application/json"
    )
    assert patched.json()["body_fr"] == "Allô {contact_name}"
    rendered = agent.get(f"/api/v1/tickets/{ticket.pk}/canned-responses/{pk}?language=fr")
    assert rendered.json() == {"id": pk, "language": "fr", "text": "Allô Marie Tremblay"}
    assert agent.get(f"/api/v1/tickets/{ticket.pk}/canned-responses/{pk}").json()["language"] in ("en", "fr")
    assert agent.delete(f"/api/v1/canned-responses/{pk}").status_code == 403
    assert lead.delete(f"/api/v1/canned-responses/{pk}").status_code == 200
    assert lead.get(f"/api/v1/canned-responses/{pk}").status_code == 404
