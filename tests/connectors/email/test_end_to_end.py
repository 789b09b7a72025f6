"""End to end against real servers on loopback (a private Dovecot for IMAP, aiosmtpd for SMTP): mail in ->
ticket, agent reply -> mail out with the right threading headers, the client's answer -> same ticket, bounces
and out-of-office replies never answered, and a forward whose answer lands as an internal note
(ENV-5, OPS-10, OPS-20)."""

from __future__ import annotations

import pytest

from parlons.connectors.email.models import Forward
from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import Attachment, Message, Note, Ticket, TicketEvent
from parlons.tickets.services import reply
from tests.connectors.email.conftest import ADDRESS, deliver, fetch_and_process, sample, unseen_count

pytestmark = pytest.mark.django_db


def client_mail(message_id: str, body: str = "Bonjour, où en est mon passeport?", **headers: str) -> bytes:
    subject = headers.pop("Subject", "Demande de passeport")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        "From: =?utf-8?q?Ren=C3=A9e_B=C3=A9langer?= <renee.belanger@example.ca>\r\n"
        f"To: {ADDRESS}\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "Date: Tue, 5 Mar 2024 14:02:11 +0000\r\n"
        f"{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_mail_in_reply_out_answer_threads_into_same_ticket_req_env5_ops10(
    mailbox, dovecot, smtp_server, agent_user
):
    deliver(dovecot, sample("outlook_html_inline_image.eml", TO=ADDRESS, MESSAGE_ID="first.1@example.ca"))
    fetch_and_process()
    (event,) = InboundEvent.objects.filter(platform="email")
    assert (event.external_id, event.state, event.channel_group) == ("first.1@example.ca", "done", mailbox)
    assert unseen_count(dovecot) == 0  # flagged seen only once stored
    (ticket,) = Ticket.objects.all()
    assert ticket.subject == "Demande de passeport – délai dépassé"
    assert ticket.kind == "email" and ticket.channel_group == mailbox
    (incoming,) = ticket.messages.all()
    assert incoming.author_contact.name == "Renée Bélanger"
    assert ticket.contact.identities.get().external_id == "renee.belanger@example.ca"
    assert "je n'ai toujours pas reçu mon passeport" in incoming.body
    assert incoming.attachments.get().content_type == "image/jpeg"  # the inline Outlook image is kept

    reply(ticket, "Bonjour Renée, votre dossier est en traitement.", actor=agent_user)
    run_pending_tasks()
    (out,) = smtp_server.wait_for(1)
    outgoing = ticket.messages.get(direction="out")
    assert outgoing.delivery_status == "sent"
    assert out["Message-ID"] == f"<{outgoing.external_id}>" and outgoing.external_id.endswith(
        "@passeports.example.ca"
    )
    assert out["In-Reply-To"] == "<first.1@example.ca>"
    assert "<first.1@example.ca>" in out["References"]
    assert out["Subject"] == f"Re: Demande de passeport – délai dépassé [#{ticket.pk}]"
    assert out["To"].addresses[0].addr_spec == "renee.belanger@example.ca"
    assert out["Reply-To"] == f"support+{ticket.pk}@passeports.example.ca"
    assert "Auto-Submitted" not in out  # an agent's reply is not automatic
    text = out.get_body(("plain",)).get_content()
    assert "votre dossier est en traitement" in text
    assert "Passport Service" in text and "Service des passeports" in text  # bilingual signature
    assert "<hr>" in out.get_body(("html",)).get_content()
    assert smtp_server.logins == [("support", "PLAIN")] or smtp_server.logins[0][0] == "support"

    answer = client_mail(
        "answer.2@example.ca",
        "Merci!\r\n\r\nLe mar. 5 mars 2024, Service a écrit :\r\n> Bonjour Renée",
        **{
            "In-Reply-To": f"<{outgoing.external_id}>",
            "References": f"<first.1@example.ca> <{outgoing.external_id}>",
        },
    )
    deliver(dovecot, answer)
    fetch_and_process()
    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("-created_at", "-id").first()
    assert last.external_id == "answer.2@example.ca" and last.body == "Merci!"  # the quoted part is cut
    assert last.parent == outgoing


def test_subject_tag_and_plus_address_thread_without_headers_req_env5(mailbox, dovecot):
    deliver(dovecot, client_mail("a.1@example.ca"))
    fetch_and_process()
    (ticket,) = Ticket.objects.all()
    deliver(dovecot, client_mail("a.2@example.ca", "Encore moi", Subject=f"Re: autre chose [#{ticket.pk}]"))
    deliver(
        dovecot,
        client_mail(
            "a.3@example.ca",
            "Et encore",
            Subject="Nouveau sujet",
            Cc=f"support+{ticket.pk}@passeports.example.ca",
        ),
    )
    deliver(dovecot, client_mail("a.4@example.ca", "Une nouvelle question", Subject="Autre demande"))
    fetch_and_process()
    assert Ticket.objects.count() == 2
    assert set(ticket.messages.values_list("external_id", flat=True)) == {
        "a.1@example.ca",
        "a.2@example.ca",
        "a.3@example.ca",
    }


def test_duplicate_mail_is_stored_once_req_env5(mailbox, dovecot):
    deliver(dovecot, client_mail("dup.1@example.ca"))
    deliver(dovecot, client_mail("dup.1@example.ca"))
    fetch_and_process()
    assert InboundEvent.objects.filter(platform="email").count() == 1
    assert Message.objects.count() == 1
    assert unseen_count(dovecot) == 0


def test_bounce_and_out_of_office_are_never_answered_req_env5(
    mailbox, dovecot, smtp_server, agent_user, settings
):
    deliver(dovecot, client_mail("b.1@example.ca"))
    fetch_and_process()
    (ticket,) = Ticket.objects.all()
    reply(ticket, "Voici la réponse.", actor=agent_user)
    run_pending_tasks()
    smtp_server.wait_for(1)
    ours = ticket.messages.get(direction="out")

    deliver(
        dovecot,
        sample(
            "bounce_dsn.eml", TO=ADDRESS, MESSAGE_ID="bounce.9@mx.example.net", IN_REPLY_TO=ours.external_id
        ),
    )
    deliver(
        dovecot,
        sample(
            "out_of_office_fr.eml", TO=ADDRESS, MESSAGE_ID="ooo.9@example.ca", IN_REPLY_TO=ours.external_id
        ),
    )
    fetch_and_process()
    ours.refresh_from_db()
    assert ours.delivery_status == "failed" and "550 5.1.1" in ours.delivery_error  # the bounce, on our mail
    assert TicketEvent.objects.filter(ticket=ticket, kind="message.delivery_changed").exists()
    assert Ticket.objects.count() == 1  # neither opened a ticket
    ooo = ticket.messages.get(external_id="ooo.9@example.ca")
    assert ooo.metadata["auto_reply"] == "auto_reply" and ooo.metadata["no_auto_reply"] is True
    assert OutboundMessage.objects.count() == 1
    run_pending_tasks()
    assert len(smtp_server.envelopes) == 1  # nothing more went out


def test_temporary_smtp_failure_is_retried_req_env5(mailbox, dovecot, smtp_server, agent_user):
    deliver(dovecot, client_mail("t.1@example.ca"))
    fetch_and_process()
    ticket = Ticket.objects.get()
    smtp_server.fail_next = ["451 4.3.0 Try again later"]
    reply(ticket, "Réponse", actor=agent_user)
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert outbound.state == "queued" and outbound.error_code == "smtp_451"
    from parlons.connectors.services import send_outbound

    assert send_outbound(outbound.pk) == "sent"
    assert len(smtp_server.wait_for(1)) == 1


def test_permanent_smtp_failure_fails_at_once_req_env5(mailbox, dovecot, smtp_server, agent_user):
    deliver(dovecot, client_mail("p.1@example.ca"))
    fetch_and_process()
    smtp_server.fail_next = ["550 5.7.1 Relaying denied"]
    reply(Ticket.objects.get(), "Réponse", actor=agent_user)
    run_pending_tasks()
    message = Message.objects.get(direction="out")
    assert message.delivery_status == "failed" and "550" in message.delivery_error


def test_forward_to_outside_person_answer_lands_as_note_req_ops20(mailbox, dovecot, smtp_server, agent_user):
    deliver(dovecot, sample("thunderbird_attachments.eml", TO=ADDRESS, MESSAGE_ID="f.1@example.org"))
    fetch_and_process()
    ticket = Ticket.objects.get()
    from parlons.connectors.email.services import forward_ticket

    pdf = Attachment.objects.get(content_type="application/pdf")
    forward = forward_ticket(
        ticket,
        actor=agent_user,
        to="Expert@Ministere.example.ca",
        note="Pouvez-vous confirmer le délai?",
        attachment_ids=[pdf.pk],
    )
    assert TicketEvent.objects.filter(ticket=ticket, kind="email.forwarded", actor=agent_user).exists()
    run_pending_tasks()
    (out,) = smtp_server.wait_for(1)
    forward.refresh_from_db()
    assert forward.state == "sent"
    assert out["To"] == "expert@ministere.example.ca"
    assert out["Reply-To"] == f"support+fwd-{forward.token}@passeports.example.ca"
    assert f"[#{ticket.pk}-{forward.token}]" in out["Subject"]
    text = out.get_body(("plain",)).get_content()
    assert "Pouvez-vous confirmer le délai?" in text and "Voici le formulaire signé" in text
    assert [p.get_filename() for p in out.iter_attachments()] == [pdf.filename]

    answer = (
        "From: Expert <expert@ministere.example.ca>\r\n"
        f"To: support+fwd-{forward.token}@passeports.example.ca\r\n"
        f"Subject: RE: {out['Subject']}\r\nMessage-ID: <x.1@ministere.example.ca>\r\n"
        f"In-Reply-To: {out['Message-ID']}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Oui, comptez dix jours ouvrables.\r\n"
    ).encode()
    deliver(dovecot, answer)
    fetch_and_process()
    note = Note.objects.get(ticket=ticket)
    assert "Oui, comptez dix jours ouvrables." in note.body and "expert@ministere.example.ca" in note.body
    assert TicketEvent.objects.filter(ticket=ticket, kind="email.forward_answered").exists()
    assert not ticket.messages.filter(body__contains="dix jours").exists()  # never a message to the client
    assert OutboundMessage.objects.count() == 0 and len(smtp_server.envelopes) == 1
    assert Forward.objects.get().answers == 1


def test_idle_picks_up_mail_arriving_while_waiting_req_env5(mailbox, dovecot):
    import threading

    from parlons.connectors.email.imap import fetch_mailbox

    timer = threading.Timer(0.5, deliver, args=(dovecot, client_mail("idle.1@example.ca")))
    timer.start()
    try:
        assert fetch_mailbox(mailbox, idle_seconds=4) == 1
    finally:
        timer.join()
    assert InboundEvent.objects.get().external_id == "idle.1@example.ca"


@pytest.mark.django_db(transaction=True)
def test_job_polls_then_idles_in_the_background_req_env5(mailbox, dovecot, settings):
    """The job returns at once after polling; its IDLE thread picks up a mail that arrives afterwards."""
    import threading
    import time

    from django.utils import timezone

    from parlons.connectors.email import jobs

    settings.PARLONS_EMAIL_IDLE_SECONDS = 4
    deliver(dovecot, client_mail("poll.1@example.ca"))
    started = time.monotonic()
    assert jobs.fetch_all(timezone.now()) == 1
    assert time.monotonic() - started < 3  # the scheduler is not held up by IDLE
    watcher = jobs._watchers[mailbox.pk]
    assert watcher.is_alive() and not jobs.start_watcher(mailbox, 4)  # one watcher per mailbox
    threading.Timer(0.5, deliver, args=(dovecot, client_mail("idle.2@example.ca"))).start()
    watcher.join(10)
    assert set(InboundEvent.objects.values_list("external_id", flat=True)) == {
        "poll.1@example.ca",
        "idle.2@example.ca",
    }
