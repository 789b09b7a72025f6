"""A ticket's conversation as a document for a file or a letter (ENV-7): rtf, pdf and docx.

One neutral outline (title, header fields, then one heading and text per message or note) is built in the
reader's language and time zone, then written by three small writers. The rtf writer is our own (a few dozen
lines: escape ``\\ { }``, every non-ASCII character as ``\\uN?`` with N a signed 16-bit number, paragraphs),
because no maintained PyPI library writes rtf."""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from parlons.exchange.selectors import Conversation

FORMATS = {
    "rtf": "application/rtf",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class Entry:
    heading: str
    body: str
    is_note: bool = False


@dataclass
class Outline:
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    language: str = "en"


def _when(value: dt.datetime | None, tz) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value, tz), "DATETIME_FORMAT")


def outline_of(conv: Conversation, *, tz, language: str) -> Outline:
    """The document's content in the active language (the caller activates the reader's)."""
    t = conv.ticket
    outline = Outline(
        title=_("Conversation of ticket #%(id)s") % {"id": t.pk},
        language=language,
    )
    contact = conv.contact + (f" (@{conv.handle.lstrip('@')})" if conv.handle else "")
    outline.fields = [
        (_("Ticket"), f"#{t.pk}"),
        (_("Subject"), t.subject or _("(no subject)")),
        (_("Contact"), contact),
        (_("Channel"), f"{conv.channel} – {conv.channel_group}"),
        (_("Status"), str(t.get_status_display())),
        (_("Created"), _when(t.created_at, tz)),
        (_("Last updated"), _when(t.updated_at, tz)),
        (_("Exported"), _when(timezone.now(), tz)),
    ]
    if t.resolved_at:
        outline.fields.insert(7, (_("Resolved"), _when(t.resolved_at, tz)))
    for e in conv.entries:
        when = _when(e.at, tz)
        if e.kind == "note":
            heading = _("Internal note – %(author)s – %(time)s") % {"author": e.author, "time": when}
        elif e.direction == "out":
            heading = _("Reply from %(author)s – %(time)s") % {"author": e.author, "time": when}
        else:
            heading = _("Message from %(author)s – %(time)s") % {"author": e.author, "time": when}
        outline.entries.append(Entry(heading, e.body or "", is_note=e.kind == "note"))
    return outline


# --- rtf -------------------------------------------------------------------------------------------
def rtf_escape(text: str) -> str:
    """Plain text as rtf: ``\\``, ``{`` and ``}`` escaped, tabs and line breaks as control words, every
    character outside printable ASCII as ``\\uN?`` (N signed 16-bit; characters beyond the BMP as a surrogate
    pair), so the file itself is pure ASCII and every reader shows the accents right."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\t":
            out.append("\\tab ")
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\r":
            continue
        elif 32 <= code < 127:
            out.append(ch)
        elif code < 32:
            continue  # other control characters have no meaning in a document
        else:
            units = [code] if code <= 0xFFFF else _surrogates(code)
            for unit in units:
                out.append(f"\\u{unit - 65536 if unit >= 32768 else unit}?")
    return "".join(out)


def _surrogates(code: int) -> list[int]:
    code -= 0x10000
    return [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]


class RtfWriter:
    """A tiny rtf document: paragraphs, a heading style, bold labels. Output is ASCII bytes."""

    def __init__(self, language: str = "en"):
        lang = 3084 if language == "fr" else 4105  # French (Canada) / English (Canada)
        self.parts = [
            "{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1",
            "{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}",
            "{\\colortbl;\\red0\\green0\\blue0;\\red96\\green96\\blue96;}",
            f"\\deflang{lang}\\viewkind4\n",
        ]

    def heading(self, text: str, level: int = 1) -> None:
        size = 32 if level == 1 else 24
        self.parts.append(
            f"\\pard\\plain\\f0\\fs{size}\\b\\sb240\\sa120\\keepn {rtf_escape(text)}\\b0\\par\n"
        )

    def field(self, label: str, value: str) -> None:
        self.parts.append(f"\\pard\\plain\\f0\\fs22 {{\\b {rtf_escape(label)}:}} {rtf_escape(value)}\\par\n")

    def paragraph(self, text: str, *, italic: bool = False) -> None:
        style = "\\i " if italic else ""
        for para in text.split("\n\n"):
            self.parts.append(f"\\pard\\plain\\f0\\fs22\\sa120 {style}{rtf_escape(para)}\\par\n")

    def render(self) -> bytes:
        return ("".join(self.parts) + "}").encode("ascii")


def to_rtf(outline: Outline) -> bytes:
    w = RtfWriter(outline.language)
    w.heading(outline.title)
    for label, value in outline.fields:
        w.field(label, value)
    for e in outline.entries:
        w.heading(e.heading, level=2)
        w.paragraph(e.body, italic=e.is_note)
    return w.render()


# --- pdf -------------------------------------------------------------------------------------------
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


def _pdf_fonts() -> tuple[str, str]:
    """DejaVu Sans when the system has it (every character), else Helvetica (Latin-1: French is complete)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "ParlonsSans" in pdfmetrics.getRegisteredFontNames():
        return "ParlonsSans", "ParlonsSans-Bold"
    for folder in _FONT_DIRS:
        regular, bold = os.path.join(folder, "DejaVuSans.ttf"), os.path.join(folder, "DejaVuSans-Bold.ttf")
        if os.path.exists(regular) and os.path.exists(bold):
            pdfmetrics.registerFont(TTFont("ParlonsSans", regular))
            pdfmetrics.registerFont(TTFont("ParlonsSans-Bold", bold))
            return "ParlonsSans", "ParlonsSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def to_pdf(outline: Outline) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    regular, bold = _pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=6)
    note = ParagraphStyle("note", parent=body, textColor="#444444", leftIndent=12)
    title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=10)
    head = ParagraphStyle("head", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
    page_label = _("Page %(n)s")

    def para(text: str, style) -> Paragraph:
        return Paragraph(xml_escape(text).replace("\n", "<br/>"), style)

    story = [para(outline.title, title)]
    for label, value in outline.fields:
        story.append(Paragraph(f"<font name='{bold}'>{xml_escape(label)}:</font> {xml_escape(value)}", body))
    story.append(Spacer(1, 0.4 * cm))
    for e in outline.entries:
        paragraphs = [para(p, note if e.is_note else body) for p in (e.body or " ").split("\n\n")]
        story.append(KeepTogether([para(e.heading, head), paragraphs[0]]))
        story.extend(paragraphs[1:])

    def number_pages(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(LETTER[0] - 2 * cm, 1.2 * cm, page_label % {"n": doc.page})
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=outline.title,
        author="Parlons",
        lang=outline.language,
    )
    doc.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()


# --- docx ------------------------------------------------------------------------------------------
def to_docx(outline: Outline) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = outline.title
    document.core_properties.author = "Parlons"
    document.core_properties.language = "fr-CA" if outline.language == "fr" else "en-CA"
    document.add_heading(outline.title, level=1)
    for label, value in outline.fields:
        p = document.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)
    for e in outline.entries:
        document.add_heading(e.heading, level=2)
        for para in (e.body or "").split("\n\n"):
            p = document.add_paragraph()
            lines = para.split("\n")
            for i, line in enumerate(lines):
                run = p.add_run(line)
                run.italic = e.is_note
                run.font.size = Pt(11)
                if i < len(lines) - 1:
                    run.add_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


WRITERS = {"rtf": to_rtf, "pdf": to_pdf, "docx": to_docx}
