"""Reading e-mail as it really arrives (Outlook, Gmail, phones, mailer daemons): stdlib ``email`` with
``policy.default`` decodes ``=?utf-8?…?=`` words and charsets; HTML is turned into plain text for the ticket and
kept only as escaped data; auto-replies and bounces are recognised so that Parlons never answers them."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

MAX_HTML = 100_000
_ID_RE = re.compile(r"<([^<>\s]+)>")
TICKET_REF_RE = re.compile(r"\[#(\d{1,10})\]")
FORWARD_REF_RE = re.compile(r"\[#(\d{1,10})-([A-Za-z0-9]{8,40})\]")
OOO_SUBJECT_RE = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|autoreply|out of (the )?office|away from the office|"
    r"réponse automatique|reponse automatique|absence du bureau|absent du bureau|absente du bureau|"
    r"message d'absence|message d’absence|je suis absent|je suis absente|on vacation|en vacances)\b",
    re.IGNORECASE,
)


# --- raw storage -------------------------------------------------------------------------------------
def raw_to_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding) to store a raw message in a text column: as is when it is 7-bit (nearly all mail),
    else base64, so that no byte is ever lost and no database refuses it."""
    if raw.isascii() and b"\x00" not in raw:
        return raw.decode("ascii"), "ascii"
    return base64.b64encode(raw).decode("ascii"), "base64"


def text_to_raw(text: str, encoding: str) -> bytes:
    return base64.b64decode(text) if encoding == "base64" else text.encode("ascii", "surrogateescape")


def parse_bytes(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


# --- headers -----------------------------------------------------------------------------------------
def header(msg: EmailMessage, name: str) -> str:
    """A header, decoded; a malformed one falls back to its raw text and never makes the whole mail fail."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001  (the email package raises many kinds on broken headers)
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return str(value or "").strip()


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets, in order."""
    found = _ID_RE.findall(value or "")
    if not found and value and "@" in value and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return list(dict.fromkeys(found))


def message_id_of(msg: EmailMessage, raw: bytes) -> str:
    """The mail's own id; a stable digest of the raw bytes when it has none (or one too long to store)."""
    ids = message_ids(header(msg, "Message-ID"))
    if ids and len(ids[0]) <= 240:
        return ids[0]
    return "sha256-" + hashlib.sha256(raw).hexdigest() + "@parlons.invalid"


def addresses(msg: EmailMessage, *names: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs of the given headers."""
    values = []
    for name in names:
        values += [str(v) for v in (msg.get_all(name) or [])]
    return [(n, a.strip().lower()) for n, a in getaddresses(values) if a and "@" in a]


def sender_of(msg: EmailMessage) -> tuple[str, str]:
    found = addresses(msg, "From") or addresses(msg, "Sender") or addresses(msg, "Return-Path")
    if found:
        return found[0]
    name, addr = parseaddr(header(msg, "From"))
    return name, addr.lower()


def clean_subject(subject: str) -> str:
    """The subject without our ticket tag and without piles of Re:/TR:/Fwd: prefixes."""
    subject = FORWARD_REF_RE.sub("", TICKET_REF_RE.sub("", subject or ""))
    subject = re.sub(r"^\s*((re|tr|fw|fwd|réf|ref)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return " ".join(subject.split())


# --- auto-replies and bounces ------------------------------------------------------------------------
def auto_reply_kind(msg: EmailMessage) -> str:
    """ "bounce", "auto_reply", "bulk" or "" — what must never be answered (RFC 3834, RFC 3464, Outlook)."""
    content_type = msg.get_content_type()
    sender = sender_of(msg)[1]
    local = sender.split("@")[0]
    if content_type == "multipart/report" or local in ("mailer-daemon", "postmaster"):
        return "bounce"
    if (
        header(msg, "Return-Path") in ("<>",)
        and (msg.get_param("report-type") or "").lower() == "delivery-status"
    ):
        return "bounce"
    auto = header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return "auto_reply"
    if header(msg, "X-Autoreply") or header(msg, "X-Autorespond") or header(msg, "X-Auto-Response-Suppress"):
        # Outlook/Exchange set X-Auto-Response-Suppress on its automatic replies (and on a few notifications)
        suppress = header(msg, "X-Auto-Response-Suppress").lower()
        if (
            header(msg, "X-Autoreply")
            or header(msg, "X-Autorespond")
            or suppress in ("all", "oof", "autoreply")
        ):
            return "auto_reply"
        if "oof" in suppress or "autoreply" in suppress or suppress == "all":
            return "auto_reply"
    precedence = header(msg, "Precedence").lower()
    if precedence in ("auto_reply", "junk"):
        return "auto_reply"
    if precedence in ("bulk", "list"):
        return "bulk"
    if OOO_SUBJECT_RE.search(header(msg, "Subject")):
        return "auto_reply"
    if local in ("noreply", "no-reply", "donotreply", "do-not-reply", "nepasrepondre", "ne-pas-repondre"):
        return "auto_reply"
    return ""


def bounced_ids(msg: EmailMessage) -> list[str]:
    """Message-IDs of the mail a bounce is about: from its returned message or headers, then its own
    threading headers."""
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                ids += message_ids(header(inner, "Message-ID"))
        elif ctype == "text/rfc822-headers":
            text = part.get_content() if hasattr(part, "get_content") else ""
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            inner = BytesParser(policy=policy.default).parsebytes(str(text).encode("utf-8", "replace"))
            ids += message_ids(header(inner, "Message-ID"))
    ids += message_ids(header(msg, "In-Reply-To")) + message_ids(header(msg, "References"))
    return list(dict.fromkeys(ids))


def bounce_reason(msg: EmailMessage) -> str:
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            text = part.as_string() if hasattr(part, "as_string") else ""
            found = re.search(r"Diagnostic-Code:\s*(.+)", text)
            if found:
                return found.group(1).strip()[:500]
            status = re.search(r"Status:\s*(\S+)", text)
            if status:
                return f"Status {status.group(1)}"
    return "bounced"


# --- bodies ------------------------------------------------------------------------------------------
class _TextFromHTML(HTMLParser):
    """HTML to readable text: drops script/style/head, breaks lines at blocks, keeps link targets."""

    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}
    SKIP = {"script", "style", "head", "title", "xml"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("• ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)

    def text(self) -> str:
        lines = [" ".join(line.replace("\xa0", " ").split()) for line in "".join(self.out).splitlines()]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(markup: str) -> str:
    parser = _TextFromHTML()
    try:
        parser.feed(markup or "")
        parser.close()
    except Exception:  # noqa: BLE001  (broken HTML: fall back to stripping tags)
        return html.unescape(re.sub(r"<[^>]+>", " ", markup or "")).strip()
    return parser.text()


_QUOTE_HEADS = [
    re.compile(r"^\s*On .{4,200} wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{4,200} a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Message d'origine|Message d’origine|Forwarded message)\s*-{2,}"
    ),
    re.compile(r"^\s*(From|De)\s*:\s*.+$"),
    re.compile(r"^_{10,}\s*$"),
]


def strip_quoted(text: str) -> str:
    """The new part of a reply: up to the first "On … wrote:" / "Le … a écrit :" / Outlook header block, and
    without trailing "> " lines. Keeps everything when that would leave nothing."""
    lines = (text or "").splitlines()
    for i, line in enumerate(lines):
        if i and any(p.match(line) for p in _QUOTE_HEADS):
            head = "\n".join(lines[:i]).rstrip()
            if head.strip():
                return head
            break
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip() or (text or "").strip()


@dataclass
class Part:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class Body:
    text: str = ""
    html: str = ""
    parts: list[Part] = field(default_factory=list)


def _decoded_text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)


def body_of(msg: EmailMessage) -> Body:
    """The text and HTML of a mail and its files (attachments and inline images)."""
    result = Body()
    texts: list[str] = []
    htmls: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            continue
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            (texts if ctype == "text/plain" else htmls).append(_decoded_text(part))
            continue
        data = part.get_payload(decode=True) or b""
        if not data:
            continue
        content_id = message_ids(str(part.get("Content-ID", "")))
        result.parts.append(
            Part(
                filename=filename or (content_id[0].split("@")[0] if content_id else "file"),
                content_type=ctype,
                data=data,
                content_id=content_id[0] if content_id else "",
                inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
            )
        )
    result.text = "\n\n".join(t.strip() for t in texts if t.strip())
    result.html = "\n".join(htmls)[:MAX_HTML]
    if not result.text and htmls:
        result.text = html_to_text("\n".join(htmls))
    return result
