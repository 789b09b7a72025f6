"""A ticket's conversation as rtf, pdf and docx (ENV-7), read back by striprtf, pypdf and python-docx with the
French accents right; the rtf writer's escaping; canned responses imported from rtf (preview, then confirm)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from pypdf import PdfReader
from striprtf.striprtf import rtf_to_text

from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.exchange import services
from parlons.exchange.documents import RtfWriter, rtf_escape
from parlons.tickets.models import CannedResponse, Message
from tests import factories

pytestmark = pytest.mark.django_db

IN = "Bonjour, où en est ma demande de passeport ? Ça fait déjà trois semaines… Merci! {urgent} \\ fin"
OUT = "Nous vérifions votre dossier dès aujourd’hui.\n\nCordialement, l’équipe"
NOTE = "Note interne : déjà appelé le bureau régional"


@pytest.fixture
def conversation(agent_user):
    contact = factories.ContactFactory(name="Hélène Côté")
    factories.ContactIdentityFactory(contact=contact, handle="helene_c")
    at = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
    t = factories.TicketFactory(subject="Délai de passeport", contact=contact, created_at=at)
    factories.MessageFactory(ticket=t, body=IN, created_at=at, author_contact=contact)
    factories.MessageFactory(
        ticket=t,
        direction=Message.Direction.OUT,
        author_user=agent_user,
        author_contact=None,
        body=OUT,
        created_at=at + dt.timedelta(hours=2),
    )
    factories.NoteFactory(ticket=t, author=agent_user, body=NOTE, created_at=at + dt.timedelta(hours=1))
    return t


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_rtf_escape_req_env7():
    assert rtf_escape("a{b}c\\d") == "a\\{b\\}c\\\\d"
    assert rtf_escape("é") == "\\u233?"
    assert rtf_escape("’") == "\\u8217?"
    assert rtf_escape("\uffe9") == "\\u-23?"  # above 32767: a negative signed 16-bit number
    assert rtf_escape("😀") == "\\u-10179?\\u-8704?"  # beyond the BMP: a surrogate pair
    w = RtfWriter()
    w.paragraph("Ça va {bien} \\ oui\nligne")
    content = w.render()
    content.decode("ascii")  # pure ASCII
    assert rtf_to_text(content.decode()).strip() == "Ça va {bien} \\ oui\nligne"


def test_conversation_rtf_req_env7(agent_user, conversation):
    content, content_type, name = services.conversation_document(
        agent_user, conversation.pk, "rtf", notes=True
    )
    assert content_type == "application/rtf" and name == f"ticket-{conversation.pk}.rtf"
    text = rtf_to_text(content.decode("ascii"))
    assert f"#{conversation.pk}" in text and "Délai de passeport" in text
    assert "Hélène Côté (@helene_c)" in text
    assert _flat(IN) in _flat(text)
    assert "Nous vérifions votre dossier dès aujourd’hui." in text and "l’équipe" in text
    assert NOTE in text
    assert "Message from Hélène Côté" in text and "Reply from Gabriel Agent" in text
    assert text.index(IN[:20]) < text.index(NOTE) < text.index("Nous vérifions")  # time order


def test_conversation_without_notes_req_env7(agent_user, conversation):
    content, *_ = services.conversation_document(agent_user, conversation.pk, "rtf")
    assert NOTE not in rtf_to_text(content.decode("ascii"))


def test_conversation_pdf_req_env7(agent_user, conversation):
    content, content_type, _name = services.conversation_document(
        agent_user, conversation.pk, "pdf", notes=True
    )
    assert content_type == "application/pdf" and content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    assert "Délai de passeport" in text and "Hélène Côté" in text
    assert "où en est ma demande de passeport ? Ça fait déjà trois semaines" in text
    assert "dès aujourd’hui" in text and NOTE in text
    assert "Page 1" in text
    assert reader.metadata.title == f"Conversation of ticket #{conversation.pk}"


def test_conversation_docx_req_env7(agent_user, conversation):
    content, content_type, _name = services.conversation_document(
        agent_user, conversation.pk, "docx", notes=True
    )
    assert content_type.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Délai de passeport" in text and "Hélène Côté" in text
    assert IN in text and "Nous vérifions votre dossier dès aujourd’hui." in text and NOTE in text
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == f"Conversation of ticket #{conversation.pk}"
    assert any(h.startswith("Internal note – Gabriel Agent") for h in headings)


def test_conversation_in_french_req_env7(agent_user, conversation):
    from django.utils import translation

    with translation.override("fr"):
        content, *_ = services.conversation_document(agent_user, conversation.pk, "docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert f"Conversation du billet #{conversation.pk}" in text


def test_conversation_permissions_req_env7_adm4(no_role_user, reader_user, conversation):
    with pytest.raises(Forbidden):
        services.conversation_document(no_role_user, conversation.pk, "pdf")
    assert services.conversation_document(reader_user, conversation.pk, "pdf")[0]  # tickets.read is enough
    with pytest.raises(NotFound):
        services.conversation_document(reader_user, 999999, "pdf")
    with pytest.raises(Invalid):
        services.conversation_document(reader_user, conversation.pk, "exe")


# --- canned responses from rtf ---------------------------------------------------------------------
def _rtf(text: str) -> bytes:
    w = RtfWriter("fr")
    w.paragraph(text)
    return w.render()


def test_rtf_one_file_one_response_req_env7(lead_user):
    content = _rtf("Bonjour {contact_name},\nVotre demande est reçue. Délai : 10 jours.")
    batch = services.stage_import(
        lead_user, "canned_rtf", content, filename="Accusé de réception.rtf", language="fr"
    )
    assert batch.summary["ok"] and batch.summary["rows"][0]["values"]["name"] == "Accusé de réception"
    assert not CannedResponse.objects.exists()
    assert services.confirm_import(lead_user, batch.pk).ok
    response = CannedResponse.objects.get()
    assert response.name == "Accusé de réception"
    assert response.body_fr == "Bonjour {contact_name},\nVotre demande est reçue. Délai : 10 jours."
    assert response.body_en == ""


def test_rtf_several_responses_req_env7(lead_user):
    content = _rtf(
        "Name: Delay\nShortcut: delay\nLanguage: en\nIt takes ten days.\n"
        "Nom : Délai\nRaccourci : delay\nLangue : fr\nÇa prend dix jours.\n"
        "Name: Thanks\nThank you!"
    )
    report = services.import_now(lead_user, "canned_rtf", content, language="en")
    assert report.ok, report.as_dict()
    assert report.counts() == {"create": 2, "update": 1}
    delay = CannedResponse.objects.get(shortcut="delay")
    assert delay.body_en == "It takes ten days." and delay.body_fr == "Ça prend dix jours."
    assert delay.name == "Delay"
    assert CannedResponse.objects.get(name="Thanks").body_en == "Thank you!"


def test_rtf_bad_files_req_env7(lead_user, agent_user):
    with pytest.raises(Invalid) as exc:
        services.stage_import(lead_user, "canned_rtf", b"just text", filename="x.rtf")
    assert exc.value.code == "not_rtf"
    report = services.preview_import(
        lead_user, "canned_rtf", _rtf("Name: Empty\n\nName: Bad\nShortcut: Not A Slug\nText")
    )
    errors = {(r.row, e["column"]) for r in report.rows for e in r.errors}
    assert errors == {(1, "body"), (2, "shortcut")}
    assert not CannedResponse.objects.exists()
    with pytest.raises(Forbidden):
        services.stage_import(agent_user, "canned_rtf", _rtf("Hello"), filename="a.rtf")
