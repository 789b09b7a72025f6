"""One rule for every reply (issue 14 item 1, issue 18 defect 5): the API refuses a reply the platform would
refuse before anything is stored or queued, with the same code and message as the web composer, in the
caller's language (ENV-9, ENV-10, ENV-11, ENV-12, OPS-10, UI-6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from parlons.connectors.models import OutboundMessage
from parlons.core.crypto import encrypt_json
from parlons.simulator.graph import GraphSimulator
from parlons.tickets.models import Message, TicketEvent
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services import reply
from tests import factories

pytestmark = pytest.mark.django_db
JSON = "application/json"
TOKEN = "sim-token-123"
TOO_LONG_FOR_X = "é" * 270 + " https://www.canada.ca/fr/services.html"  # 294 as X counts


@pytest.fixture
def graph(settings):
    with GraphSimulator(token=TOKEN) as sim:
        settings.PARLONS_META_GRAPH_URL = sim.graph_url
        settings.PARLONS_META_TIMEOUT_SECONDS = 5
        yield sim


def _ticket(platform: str, *, hours_ago: float = 0, kind: str = "message", **creds):
    group = factories.ChannelGroupFactory(
        platform=platform, external_id=f"{platform}-1", credentials_encrypted=encrypt_json(creds)
    )
    at = timezone.now() - timedelta(hours=hours_ago)
    return factories.ingest(group, kind=kind, created_at=at, external_id=f"{platform}-in-1").ticket


def whatsapp_outside_window(agent):
    ticket = _ticket("whatsapp", hours_ago=26, access_token=TOKEN)
    return ticket, {"body": "Un message libre"}, {"body": "Un message libre"}, "outside_window"


def whatsapp_template_missing_a_value(agent):
    ticket = _ticket("whatsapp", hours_ago=26, access_token=TOKEN, waba_id="waba-77")
    web = {"body": "", "template": "suivi_demande|fr_CA", "template_param": ["Émilie", ""]}
    api = {"template": {"name": "suivi_demande", "language": "fr_CA", "parameters": ["Émilie"]}}
    return ticket, web, api, "template_parameters"


def x_post_too_long(agent):
    ticket = _ticket("x", kind="mention", user_token=TOKEN)
    return ticket, {"body": TOO_LONG_FOR_X}, {"body": TOO_LONG_FOR_X}, "too_long_for_x"


def messenger_after_24_hours_without_tag(agent):
    ticket = _ticket("messenger", hours_ago=30, page_token=TOKEN)
    return ticket, {"body": "Désolée du délai"}, {"body": "Désolée du délai"}, "outside_window"


def second_private_reply(agent):
    ticket = _ticket("facebook", kind="comment", page_token=TOKEN)
    reply(ticket, "Je vous écris en privé.", actor=agent, options=ReplyOptions(private_reply=True))
    web = {"body": "Encore?", "reply_via": "private"}
    return ticket, web, {"body": "Encore?", "private_reply": True}, "private_reply_used"


def _written():
    return (
        Message.objects.filter(direction="out").count(),
        OutboundMessage.objects.count(),
        DBTaskResult.objects.count(),
        TicketEvent.objects.count(),
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "case",
    [
        whatsapp_outside_window,
        whatsapp_template_missing_a_value,
        x_post_too_long,
        messenger_after_24_hours_without_tag,
        second_private_reply,
    ],
)
def test_the_api_refuses_what_the_platform_would_refuse_like_the_web_page_req_env9_env10_env11_env12_ops10(
    graph, make_api_user, agent_user, case, language
):
    ticket, web_fields, api_payload, code = case(agent_user)
    before = _written()
    api = make_api_user("agent")
    r = api.post(
        f"/api/v1/tickets/{ticket.pk}/replies", api_payload, content_type=JSON, HTTP_ACCEPT_LANGUAGE=language
    )
    assert r.status_code == 400, r.content
    error = r.json()
    assert error["code"] == code and error["message"]
    assert _written() == before  # no message, no queue row, no task, no history

    agent_user.language = language
    agent_user.save(update_fields=["language"])
    web = Client()
    web.force_login(agent_user)
    page = web.post(f"/tickets/{ticket.pk}/compose/", {"mode": "reply", **web_fields})
    assert page.status_code == 400
    assert escape(error["message"]) in page.content.decode()  # the same words on the page
    assert _written() == before


def test_the_refusal_is_in_the_callers_language_req_env9_ui6(make_api_user, db):
    ticket = _ticket("whatsapp", hours_ago=26, access_token=TOKEN)
    api = make_api_user("agent")
    url = f"/api/v1/tickets/{ticket.pk}/replies"
    english = api.post(url, {"body": "Bonjour"}, content_type=JSON, HTTP_ACCEPT_LANGUAGE="en").json()
    french = api.post(url, {"body": "Bonjour"}, content_type=JSON, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert english["message"] == (
        "The 24-hour reply window is closed: WhatsApp now only delivers an approved template."
    )
    assert french["message"] == (
        "La fenêtre de réponse de 24 heures est fermée\u00a0: WhatsApp ne livre plus qu'un modèle approuvé."
    )
    assert english["code"] == french["code"] == "outside_window"


def test_messenger_human_agent_tag_accepted_within_7_days_refused_after_req_env10_ops10(make_api_user, db):
    api = make_api_user("agent")
    ticket = _ticket("messenger", hours_ago=30, page_token=TOKEN)
    url = f"/api/v1/tickets/{ticket.pk}/replies"
    r = api.post(url, {"body": "Voici la réponse.", "human_agent": True}, content_type=JSON)
    assert r.status_code == 201, r.content
    sent = Message.objects.get(pk=r.json()["id"])
    assert sent.metadata == {"messaging_tag": "HUMAN_AGENT"}
    assert OutboundMessage.objects.filter(message=sent).exists()

    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(days=8))
    before = _written()
    r = api.post(url, {"body": "Trop tard", "human_agent": True}, content_type=JSON)
    assert r.status_code == 400
    assert r.json() == {
        "code": "human_agent_unavailable",
        "message": "The human-agent tag can only be used within 7 days of the client's last message.",
        "details": {"field": "human_agent"},
    }
    assert _written() == before


def test_whatsapp_template_with_every_value_is_queued_with_its_text_req_env11(graph, make_api_user, db):
    api = make_api_user("agent")
    ticket = _ticket("whatsapp", hours_ago=26, access_token=TOKEN, waba_id="waba-77")
    template = {"name": "suivi_demande", "language": "fr_CA", "parameters": ["Émilie", "A-123"]}
    r = api.post(f"/api/v1/tickets/{ticket.pk}/replies", {"template": template}, content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["body"] == "Bonjour Émilie, nous avons une réponse à votre demande A-123."
    assert Message.objects.get(pk=r.json()["id"]).metadata == {"template": template}
    unknown = {**template, "name": "draft_not_approved", "language": "en_US"}
    r = api.post(f"/api/v1/tickets/{ticket.pk}/replies", {"template": unknown}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (400, "unknown_template")


def test_reply_and_set_status_through_the_api_req_env9_ops19(make_api_user, api_group):
    from tests.api.conftest import open_ticket

    api = make_api_user("agent")
    ticket_id = open_ticket(api, api_group).json()["id"]
    r = api.post(
        f"/api/v1/tickets/{ticket_id}/replies",
        {"body": "Nous attendons votre formulaire.", "status_after": "pending"},
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    detail = api.get(f"/api/v1/tickets/{ticket_id}").json()
    assert detail["status"] == "pending"
    assert [(e["kind"], e["data"]) for e in detail["history"] if e["kind"] == "ticket.status_changed"] == [
        ("ticket.status_changed", {"from": "new", "to": "pending"})
    ]
    r = api.post(
        f"/api/v1/tickets/{ticket_id}/replies", {"body": "Merci", "status_after": "new"}, content_type=JSON
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid")  # not a status a reply may leave


def test_openapi_documents_the_reply_options_req_env9(client):
    schema = client.get("/api/openapi.json").json()
    body = schema["paths"]["/api/v1/tickets/{ticket_id}/replies"]["post"]["requestBody"]["content"][JSON]
    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][ref]["properties"]
    assert {"body", "template", "human_agent", "private_reply", "x_dm", "status_after"} <= set(properties)
    assert "outside_window" in schema["components"]["schemas"][ref]["description"]
