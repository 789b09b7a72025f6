"""Canned responses from an rtf document (ENV-7): one or more responses, each with its header lines."""

from __future__ import annotations

import re

from django.utils.text import slugify
from django.utils.translation import gettext as _

from parlons.core.errors import Invalid
from parlons.exchange.imports.kinds import RTF_KIND
from parlons.exchange.imports.results import Report, RowResult
from parlons.exchange.imports.workbook import check_size

# --- canned responses from rtf ---------------------------------------------------------------------
_HEADER = re.compile(
    r"^\s*(name|nom|shortcut|raccourci|language|langue)\s*:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE
)
_HEADER_FIELDS = {
    "name": "name",
    "nom": "name",
    "shortcut": "shortcut",
    "raccourci": "shortcut",
    "language": "language",
    "langue": "language",
}


def rtf_text(content: bytes) -> str:
    """The plain text of an rtf file (striprtf), or ``Invalid`` when the content is not rtf."""
    check_size(content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:6]
    if not head.startswith(b"{\\rtf"):
        raise Invalid(
            _(
                "This file is not an RTF document. Save it from your word processor as “Rich Text Format (.rtf)”."
            ),
            code="not_rtf",
        )
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(
            content.decode("latin-1"), errors="replace"
        )  # rtf is 7-bit; \'xx and \u carry the rest
    except Exception:
        raise Invalid(_("This RTF document could not be read."), code="bad_rtf")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_rtf(content: bytes, *, name: str = "", language: str = "en") -> Report:
    """Canned responses in an rtf document. Each response starts with a line ``Name: …`` (``Nom : …``),
    optionally followed by ``Shortcut: …`` (``Raccourci : …``) and ``Language: en|fr`` (``Langue : …``) lines;
    the text follows. A document without a ``Name:`` line is one response named ``name`` (the file's name)."""
    text = rtf_text(content)
    report = Report(RTF_KIND)
    blocks: list[dict] = []
    current: dict | None = None
    body: list[str] = []
    for line in text.split("\n"):
        match = _HEADER.match(line)
        if match:
            field_name = _HEADER_FIELDS[match.group(1).lower()]
            if field_name == "name":
                if current is not None:
                    current["body"] = "\n".join(body)
                    blocks.append(current)
                current, body = {"name": match.group(2)}, []
                continue
            if current is not None and not "".join(body).strip() and field_name not in current:
                current[field_name] = match.group(2)
                continue
        body.append(line)
    if current is not None:
        current["body"] = "\n".join(body)
        blocks.append(current)
    elif "".join(body).strip():
        blocks.append({"name": name, "body": "\n".join(body)})
    if not blocks:
        report.file_errors.append(_("The document has no text to import."))
        return report
    seen: dict[str, int] = {}
    for number, block in enumerate(blocks, start=1):
        result = RowResult("canned_responses", number, block.get("name", "").strip(), {})
        result.values["name"] = block.get("name", "").strip()[:120]
        if not result.values["name"]:
            result.error("name", _("This response has no name: start it with a line “Name: …”."))
        shortcut = (block.get("shortcut") or "").strip().lstrip("/")
        if shortcut and slugify(shortcut) != shortcut:
            result.error(
                "shortcut",
                _(
                    "“%(value)s” is not a valid identifier: use lower-case letters, digits and hyphens "
                    "(e.g. “%(slug)s”)."
                )
                % {"value": shortcut, "slug": slugify(shortcut) or "passport-renewal"},
            )
        result.values["shortcut"] = shortcut
        lang = (block.get("language") or language or "en").strip().lower()
        if lang not in ("en", "fr"):
            result.error("language", _("Language must be “en” or “fr”."))
        result.values["language"] = lang
        result.values["body"] = block["body"].strip("\n").strip()
        if not result.values["body"]:
            result.error("body", _("This response has no text."))
        key = f"{shortcut or result.values['name'].lower()}:{lang}"
        if key in seen:
            result.error("name", _("Duplicate: the same as response %(row)s.") % {"row": seen[key]})
        else:
            seen[key] = number
        report.rows.append(result)
    return report
