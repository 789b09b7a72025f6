"""The French catalogue is complete and compiled (REQ UI-6: every screen in the user's official language).

Parsed with the standard library only: a small reader of the .po format and ``gettext.GNUTranslations`` for
the compiled .mo.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import parlons

LOCALE = Path(parlons.__file__).resolve().parent / "locale" / "fr" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def flush():
        nonlocal entry, target
        if entry.line:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            entry.line = entry.line or number
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        text = ast.literal_eval(rest) if rest else ""
        if keyword:
            entry.line = entry.line or number
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
                entry.msgstr[target[1]] = text
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstr[0] = text
            elif keyword in {"msgid", "msgid_plural", "msgctxt"}:
                target = (keyword, None)
                setattr(entry, keyword, text)
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
        else:
            assert target is not None, f"{path}:{number}: continuation without a keyword"
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
    flush()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO.exists(), f"missing {PO}"
    return [e for e in read_po(PO) if not e.obsolete]


def _messages(entries):
    return [e for e in entries if e.msgid != ""]


def test_catalogue_has_messages(entries):
    """UI-6: the catalogue is the project's (templates, services, history, models), not an empty shell."""
    ids = {e.msgid for e in _messages(entries)}
    assert len(ids) > 100
    for expected in ("Skip to main content", "Ticket created", "Internal note added", "Marked as spam"):
        assert expected in ids


def test_header_says_french_with_french_plurals(entries):
    """UI-6: plural forms of French (1 minute, 2 minutes; 0 minute)."""
    header = next(e for e in entries if e.msgid == "")
    assert "fuzzy" not in header.flags
    assert "Language: fr\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header.msgstr[0]


def test_no_empty_translation(entries):
    """UI-6: every message is translated, every plural form too."""
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in _messages(entries)
        if not e.msgstr
        or any(not text.strip() for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    assert untranslated == []


def test_no_fuzzy_translation(entries):
    """UI-6: fuzzy entries are ignored by gettext, so they would show English."""
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert fuzzy == []


def test_placeholders_are_kept(entries):
    """UI-6: a translation uses exactly the placeholders of its source, or the sentence breaks at runtime."""
    wrong = []
    for e in _messages(entries):
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural is not None else [])
        expected = set().union(*(set(PLACEHOLDER.findall(s)) for s in sources))
        for text in e.msgstr.values():
            if not text:
                continue  # reported by test_no_empty_translation
            if set(PLACEHOLDER.findall(text)) - expected or (
                e.msgid_plural is None and set(PLACEHOLDER.findall(text)) != expected
            ):
                wrong.append(f"line {e.line}: {e.msgid!r}")
    assert wrong == []


def test_compiled_catalogue_matches_the_po(entries):
    """UI-6: the shipped .mo is compiled from the current .po (not older, nothing missing or stale).

    File times do not survive a git clone, so the check compares contents: every translation of the .po is
    in the .mo, with the same text."""
    assert MO.exists(), f"missing {MO}: run compilemessages"
    assert MO.stat().st_size > 0
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = []
    for e in _messages(entries):
        if not all(e.msgstr.values()):
            continue  # msgfmt leaves untranslated entries out; reported by test_no_empty_translation
        if e.msgid_plural is not None:
            for index, text in e.msgstr.items():
                if catalog.get((e.key, index)) != text:
                    stale.append(f"line {e.line}: {e.msgid!r}[{index}]")
        elif catalog.get(e.key) != e.msgstr[0]:
            stale.append(f"line {e.line}: {e.msgid!r}")
    assert stale == [], "the .mo is older than the .po: run compilemessages"
    po_keys = {e.key for e in _messages(entries)}
    mo_keys = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    assert mo_keys <= po_keys, (
        f"the .mo holds messages the .po no longer has: {sorted(mo_keys - po_keys)[:5]}"
    )


def test_french_is_used_at_runtime():
    """UI-6: Django finds the project catalogue (LOCALE_PATHS) and it wins for our own words."""
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("Ticket created") == "Billet créé"
        assert translation.gettext("Marked as spam") == "Marqué comme pourriel"
        assert (
            translation.ngettext(
                "You can try again in %(wait)s minute.", "You can try again in %(wait)s minutes.", 2
            )
            == "Vous pourrez réessayer dans %(wait)s minutes."
        )
