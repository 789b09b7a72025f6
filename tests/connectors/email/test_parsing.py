"""Real-world mails read correctly without any server: Outlook HTML with an inline image, Thunderbird with
8-bit accents and attachments, ``=?utf-8?…?=`` and ISO-8859-1 encoded headers, auto-replies and bounces
recognised (ENV-5, ENV-6)."""

from __future__ import annotations

import pytest

from parlons.connectors.email import mime
from parlons.connectors.email.connector import EmailConnector
from parlons.connectors.models import InboundEvent
from parlons.tickets.services import PlatformEvent
from tests.connectors.email.conftest import ADDRESS, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(db):
    from parlons.core.crypto import encrypt_json
    from tests.factories import ChannelGroupFactory

    return ChannelGroupFactory(
        platform="email", external_id=ADDRESS, credentials_encrypted=encrypt_json({"address": ADDRESS})
    )


def parse(group, raw: bytes):
    text, encoding = mime.raw_to_text(raw)
    event = InboundEvent(platform="email", external_id="x", body=text, headers={"encoding": encoding})
    event.channel_group = group
    return EmailConnector().parse(event)


def test_outlook_html_mail_with_inline_image_req_env5_env6(group):
    raw = sample("outlook_html_inline_image.eml", TO=ADDRESS, MESSAGE_ID="o.1@example.ca")
    (item,) = parse(group, raw)
    assert item.subject == "Demande de passeport – délai dépassé"  # =?utf-8?B?…?=
    assert item.sender.name == "Renée Bélanger"  # =?iso-8859-1?Q?…?=
    assert item.sender.external_id == "renee.belanger@example.ca"  # addresses compared in lower case
    assert "Pouvez-vous vérifier où en est le dossier" in item.body
    (image,) = item.attachments
    assert image.filename == "image001.jpg" and image.checked()[1] == "image/jpeg"
    email = item.metadata["email"]
    assert "<script>" in email["html"]  # kept only as data …
    assert "alert" not in item.body  # … never in the text shown to agents
    assert email["inline"] == ["image001.jpg"]
    assert item.conversation_key == "email:o.1@example.ca"


def test_eight_bit_mail_with_attachments_and_a_refused_file_req_env5_env6(group):
    raw = sample("thunderbird_attachments.eml", TO=ADDRESS, MESSAGE_ID="t.1@example.org")
    assert mime.raw_to_text(raw)[1] == "base64"  # 8-bit mail is stored without losing a byte
    (item,) = parse(group, raw)
    assert item.subject == "Pièces jointes – formulaire signé"
    assert "Ça devrait être complet." in item.body
    assert sorted(f.checked()[1] for f in item.attachments) == ["application/pdf", "image/gif"]
    assert [f.filename for f in item.attachments if f.filename.endswith(".pdf")] == ["formulaire signé.pdf"]
    assert item.metadata["email"]["refused_files"][0]["filename"] == "setup.exe"


def test_html_only_mail_becomes_readable_text_req_env5():
    msg = mime.parse_bytes(
        b"From: a@example.org\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Premi&egrave;re ligne</p>"
        b"<ul><li>un</li><li>deux</li></ul><script>evil()</script></body></html>"
    )
    text = mime.body_of(msg).text
    assert text.splitlines()[0] == "Première ligne" and "• un" in text
    assert "evil" not in text and "color" not in text


@pytest.mark.parametrize(
    "headers, kind",
    [
        ("Auto-Submitted: auto-replied\r\n", "auto_reply"),
        ("Auto-Submitted: no\r\n", ""),
        ("X-Autoreply: yes\r\n", "auto_reply"),
        ("X-Auto-Response-Suppress: OOF, AutoReply\r\n", "auto_reply"),
        ("Precedence: bulk\r\n", "bulk"),
        ("Precedence: auto_reply\r\n", "auto_reply"),
        ("Subject: Automatic reply: Passport\r\n", "auto_reply"),
        ("Subject: Out of Office: back Monday\r\n", "auto_reply"),
        ("Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Passeport?=\r\n", "auto_reply"),
        ("Subject: Absence du bureau\r\n", "auto_reply"),
        ("Subject: Re: Passeport\r\n", ""),
    ],
)
def test_auto_replies_are_recognised_req_env5(headers, kind):
    raw = f"From: client@example.org\r\n{headers}\r\nBody\r\n".encode()
    assert mime.auto_reply_kind(mime.parse_bytes(raw)) == kind


def test_bounce_becomes_a_failed_status_of_our_mail_req_env5(group):
    raw = sample("bounce_dsn.eml", TO=ADDRESS, MESSAGE_ID="b.1@mx", IN_REPLY_TO="parlons.9.abc@example.ca")
    assert mime.auto_reply_kind(mime.parse_bytes(raw)) == "bounce"
    (event,) = parse(group, raw)
    assert isinstance(event, PlatformEvent)
    assert (event.kind, event.status, event.external_ids) == (
        "status",
        "failed",
        ["parlons.9.abc@example.ca"],
    )
    assert "550 5.1.1 User unknown" in event.error


def test_out_of_office_is_marked_so_rules_skip_it_req_env5(group):
    raw = sample("out_of_office_fr.eml", TO=ADDRESS, MESSAGE_ID="ooo.1@example.ca", IN_REPLY_TO="p.1@x")
    (item,) = parse(group, raw)
    assert item.metadata["auto_reply"] == "auto_reply" and item.metadata["no_auto_reply"] is True


def test_quoted_history_is_cut_from_replies_req_env5():
    assert mime.strip_quoted("Merci!\n\nOn Tue, Mar 5, 2024 at 9:00 AM Service wrote:\n> old") == "Merci!"
    assert mime.strip_quoted("Oui.\n\nDe : Service\nEnvoyé : mardi\nObjet : Re") == "Oui."
    assert mime.strip_quoted("D'accord\n> cité\n> encore") == "D'accord"
    assert mime.clean_subject("RE: TR: Re: Passeport [#12]") == "Passeport"


def test_broken_mail_is_read_as_well_as_possible_req_env5(group):
    raw = (
        b"From: Client <client@example.org>\r\nSubject: =?x-unknown?q?caf=E9?= ok\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"caf\xe9 au lait\r\n"
    )
    (item,) = parse(group, raw)
    assert item.external_id.startswith("sha256-")  # no Message-ID: a stable id from the bytes
    assert "ok" in item.subject and "au lait" in item.body


def test_mail_without_sender_fails_clearly_req_env5(group):
    from parlons.core.errors import Invalid

    with pytest.raises(Invalid):
        parse(group, b"Subject: hi\r\n\r\nbody\r\n")
