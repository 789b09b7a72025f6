"""The forward form (OPS-20, tickets.write) and the ``.eml`` download (ENV-5, tickets.read): permissions,
errors shown to people, and the downloaded file re-read as Outlook would."""

from __future__ import annotations

import pytest

from parlons.connectors.email import mime
from parlons.connectors.email.models import Forward
from parlons.core.crypto import encrypt_json
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import TicketEvent
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services import reply
from tests import factories
from tests.connectors.email.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_ticket(db):
    group = factories.ChannelGroupFactory(
        platform="email",
        name="Passeports",
        external_id=ADDRESS,
        credentials_encrypted=encrypt_json({"address": ADDRESS}),
    )
    result = factories.ingest(group, body="Bonjour, voici ma photo.", subject="Photo de passeport")
    message = result.message
    message.external_id = "in.1@example.ca"
    message.save()
    from parlons.tickets.services.ingest import _store_attachments

    _store_attachments(message, [IncomingFile("photo.jpg", factories.JPEG_BYTES)])
    return result.ticket


def test_eml_download_reparses_with_messages_and_attachments_req_env5(client, agent_user, email_ticket):
    reply(
        email_ticket,
        "Merci, c'est reçu.",
        actor=agent_user,
        options=ReplyOptions(attachments=[IncomingFile("guide.pdf", factories.PDF_BYTES)]),
    )
    client.force_login(agent_user)
    response = client.get(f"/tickets/{email_ticket.pk}/ticket.eml")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="ticket-{email_ticket.pk}.eml"'
    msg = mime.parse_bytes(response.content)
    assert msg["Subject"] == f"[#{email_ticket.pk}] {email_ticket.subject}"
    summary = msg.get_body(("plain",)).get_content()
    assert "Bonjour, voici ma photo." in summary and "Merci, c'est reçu." in summary
    inner = [part.get_content() for part in msg.iter_attachments()]
    assert len(inner) == 2 and all(p.get_content_type() == "text/plain" or p.is_multipart() for p in inner)
    assert inner[0]["Message-ID"] == "<in.1@example.ca>"
    files = [(a.get_filename(), a.get_content()) for p in inner for a in p.iter_attachments()]
    assert ("photo.jpg", factories.JPEG_BYTES) in files and ("guide.pdf", factories.PDF_BYTES) in files


def test_eml_download_needs_to_see_the_ticket_req_env5(client, reader_user, no_role_user, email_ticket):
    client.force_login(reader_user)
    assert client.get(f"/tickets/{email_ticket.pk}/ticket.eml").status_code == 200
    client.force_login(no_role_user)
    assert client.get(f"/tickets/{email_ticket.pk}/ticket.eml").status_code == 404


def test_ticket_page_links_to_eml_and_forward_req_env5_ops20(client, agent_user, reader_user, email_ticket):
    client.force_login(agent_user)
    page = client.get(f"/tickets/{email_ticket.pk}/").content.decode()
    assert f"/tickets/{email_ticket.pk}/ticket.eml" in page and f"/tickets/{email_ticket.pk}/forward/" in page
    client.force_login(reader_user)
    page = client.get(f"/tickets/{email_ticket.pk}/").content.decode()
    assert "ticket.eml" in page and "/forward/" not in page


def test_forward_form_sends_and_records_history_req_ops20(client, agent_user, email_ticket):
    client.force_login(agent_user)
    page = client.get(f"/tickets/{email_ticket.pk}/forward/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="email" name="to"' in html and 'for="forward-to"' in html and "photo.jpg" in html
    first = email_ticket.messages.get()
    response = client.post(
        f"/tickets/{email_ticket.pk}/forward/",
        {"to": "partenaire@example.org", "note": "Pour avis", "messages": [first.pk], "attachments": []},
    )
    assert response.status_code == 302 and response["Location"] == f"/tickets/{email_ticket.pk}/"
    forward = Forward.objects.get()
    assert (forward.to_address, forward.note, forward.message_ids, forward.attachment_ids) == (
        "partenaire@example.org",
        "Pour avis",
        [first.pk],
        [],
    )
    event = TicketEvent.objects.get(ticket=email_ticket, kind="email.forwarded")
    assert event.actor == agent_user and event.data["to"] == "partenaire@example.org"


def test_forward_form_shows_errors_in_french_req_ops20(client, agent_user, email_ticket):
    agent_user.language = "fr"
    agent_user.save()
    client.force_login(agent_user)
    response = client.post(
        f"/tickets/{email_ticket.pk}/forward/",
        {"to": "pas une adresse", "note": ""},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert not Forward.objects.exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_forward_needs_write_permission_req_ops20(client, reader_user, email_ticket):
    client.force_login(reader_user)
    assert client.get(f"/tickets/{email_ticket.pk}/forward/").status_code == 403
    response = client.post(f"/tickets/{email_ticket.pk}/forward/", {"to": "x@example.org"})
    assert response.status_code == 403 and not Forward.objects.exists()


def test_forward_service_checks_input_req_ops20(agent_user, reader_user, email_ticket):
    from parlons.connectors.email.services import forward_ticket
    from parlons.core.errors import Forbidden, Invalid

    with pytest.raises(Forbidden):
        forward_ticket(email_ticket, actor=reader_user, to="x@example.org")
    with pytest.raises(Invalid):
        forward_ticket(email_ticket, actor=agent_user, to="x@example.org", message_ids=[], note="")
    other = factories.ingest(email_ticket.channel_group, body="autre", sender="client-2").message
    assert other.ticket_id != email_ticket.pk
    forward = forward_ticket(
        email_ticket, actor=agent_user, to="x@example.org", message_ids=[other.pk], note="n"
    )
    assert forward.message_ids == []  # a message of another ticket is never forwarded


def test_rule_reply_to_an_auto_reply_is_not_sent_req_env5(agent_user, email_ticket):
    from parlons.connectors.services import send_outbound
    from parlons.core.actors import SYSTEM
    from parlons.tickets.models import Message

    incoming = email_ticket.messages.get()
    incoming.metadata = {"auto_reply": "auto_reply", "no_auto_reply": True}
    incoming.save()
    message = reply(email_ticket, "Accusé de réception automatique", actor=SYSTEM, via="rule:1")
    assert send_outbound(message.outbound.pk) == "failed"
    message.refresh_from_db()
    assert (
        message.delivery_status == Message.Delivery.FAILED
        and message.outbound.error_code == "auto_reply_suppressed"
    )


def test_signature_is_set_by_an_administrator_only_req_env5(admin_user, agent_user, email_ticket):
    from parlons.connectors.email.outgoing import signature_for
    from parlons.connectors.email.services import set_signature
    from parlons.core.errors import Forbidden

    group = email_ticket.channel_group
    with pytest.raises(Forbidden):
        set_signature(group, actor=agent_user, signature_en="x", signature_fr="y")
    set_signature(
        group, actor=admin_user, signature_en="Passport Service", signature_fr="Service des passeports"
    )
    assert signature_for(group, "fr") == "Service des passeports"
    assert signature_for(group, "en") == "Passport Service"
    assert signature_for(group, "") == "Passport Service\n\nService des passeports"
