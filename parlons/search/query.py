"""The search query language (SRCH-1..8): one line that power users type, parsed into a ``SearchQuery``.

    "permis d'études" tag:visa -tag:spam channel:facebook group:"IRCC FR" status:open
    created:2026-01-01..2026-03-31 from:@jdoe closed_by:alice replied_by:bob lob:immigration perm*

Free words, ``"exact phrases"``, ``word*`` (partial word), ``-word`` / ``-"phrase"`` (excluded) and
``field:value`` / ``-field:value`` terms. Several values of one field are OR-ed (``status:open status:new``);
different fields are AND-ed. Bad syntax raises ``Invalid`` with a translated message saying what was not
understood and where (the character position), never anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.errors import Invalid

MAX_LENGTH = 1000

KINDS = ("comment", "message", "dm", "mention", "email", "chat", "call")
STATUSES = ("new", "open", "pending", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
DATE_FIELDS = ("created", "updated", "resolved")
# Fields whose values are free identifiers (usernames, slugs, names, handles).
VALUE_FIELDS = (
    "tag",
    "channel",
    "group",
    "from",
    "contact",
    "assignee",
    "closed_by",
    "replied_by",
    "team",
    "lang",
    "lob",
    "taggroup",
)
CHOICE_FIELDS = {"status": STATUSES, "priority": PRIORITIES, "type": KINDS, "spam": ("yes", "no")}
KNOWN_FIELDS = tuple(sorted((*VALUE_FIELDS, *CHOICE_FIELDS, *DATE_FIELDS)))
# Fields that may be negated with a leading minus.
NEGATABLE = {"tag", "channel", "group", "status", "priority", "type", "lang", "lob", "taggroup", "team"}

TOKEN_WORD_CHARS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """A free-text term: a word (``prefix`` when typed ``word*``) or an exact phrase."""

    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class DateRange:
    start: datetime | None  # inclusive
    end: datetime | None  # exclusive


@dataclass
class SearchQuery:
    """The structured query: free text for the back-end, everything else for ORM filters."""

    terms: list[Term] = field(default_factory=list)
    excluded_terms: list[Term] = field(default_factory=list)
    include: dict[str, list[str]] = field(default_factory=dict)  # field -> values (OR within a field)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, DateRange] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.excluded_terms)

    def values(self, name: str) -> list[str]:
        return self.include.get(name, [])


def _error(message: str, position: int, **extra) -> Invalid:
    return Invalid(message, code="bad_query", details={"field": "q", "position": position, **extra})


def _parse_day(text: str, position: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _error(
            _("“%(value)s” at position %(position)s is not a date; write it as YYYY-MM-DD.")
            % {"value": text, "position": position},
            position,
        )


def _as_datetime(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def parse_date_range(text: str, position: int) -> DateRange:
    """``2026-01-01..2026-03-31`` (both days included), ``..2026-03-31``, ``2026-01-01..``, ``2026-01-01``."""
    if ".." in text:
        left, _sep, right = text.partition("..")
        if not left and not right:
            raise _error(
                _("The date range at position %(position)s has no dates.") % {"position": position}, position
            )
    else:
        left = right = text
    start = _as_datetime(_parse_day(left, position)) if left else None
    end = _as_datetime(_parse_day(right, position) + timedelta(days=1)) if right else None
    if start and end and start >= end:
        raise _error(
            _("The date range at position %(position)s ends before it starts.") % {"position": position},
            position,
        )
    return DateRange(start, end)


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def quoted(self) -> str:
        """Read a "quoted string" starting at the current quote."""
        start = self.pos
        end = self.text.find('"', start + 1)
        if end < 0:
            raise _error(
                _("The quote opened at position %(position)s is never closed.") % {"position": start + 1},
                start + 1,
            )
        self.pos = end + 1
        return self.text[start + 1 : end]

    def bare(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace() and self.text[self.pos] != '"':
            self.pos += 1
        return self.text[start : self.pos]


def _word_term(raw: str, position: int) -> Term | None:
    prefix = raw.endswith("*")
    core = raw.rstrip("*")
    if "*" in core:
        raise _error(
            _("“%(value)s” at position %(position)s: a star may only end a word (perm*).")
            % {"value": raw, "position": position},
            position,
        )
    if not TOKEN_WORD_CHARS.search(core):
        if core or prefix:
            raise _error(
                _("“%(value)s” at position %(position)s is not a word.")
                % {"value": raw, "position": position},
                position,
            )
        return None
    return Term(core, prefix=prefix)


def _add_field(q: SearchQuery, name: str, value: str, negated: bool, position: int) -> None:
    if name not in KNOWN_FIELDS:
        raise _error(
            _("Unknown field “%(field)s” at position %(position)s. Known fields: %(known)s.")
            % {"field": name, "position": position, "known": ", ".join(KNOWN_FIELDS)},
            position,
            known=list(KNOWN_FIELDS),
        )
    if not value:
        raise _error(
            _("The field “%(field)s” at position %(position)s has no value.")
            % {"field": name, "position": position},
            position,
        )
    if negated and name not in NEGATABLE:
        raise _error(
            _("The field “%(field)s” at position %(position)s cannot be excluded with a minus.")
            % {"field": name, "position": position},
            position,
        )
    if name in DATE_FIELDS:
        if name in q.dates:
            raise _error(
                _("The date field “%(field)s” is given twice (position %(position)s).")
                % {"field": name, "position": position},
                position,
            )
        q.dates[name] = parse_date_range(value, position)
        return
    if name in CHOICE_FIELDS:
        value = value.lower()
        if value not in CHOICE_FIELDS[name]:
            raise _error(
                _("“%(value)s” at position %(position)s is not a valid %(field)s; use one of: %(choices)s.")
                % {
                    "value": value,
                    "position": position,
                    "field": name,
                    "choices": ", ".join(CHOICE_FIELDS[name]),
                },
                position,
            )
    if name == "spam" and q.include.get("spam"):
        raise _error(
            _("The field “%(field)s” is given twice (position %(position)s).")
            % {"field": name, "position": position},
            position,
        )
    target = q.exclude if negated else q.include
    target.setdefault(name, [])
    if value not in target[name]:
        target[name].append(value)


def parse_query(text: str) -> SearchQuery:
    """Parse a query string; raises ``Invalid`` (code ``bad_query``) with a translated message on bad syntax."""
    text = text or ""
    if len(text) > MAX_LENGTH:
        raise _error(
            _("The query is too long (at most %(max)s characters).") % {"max": MAX_LENGTH}, MAX_LENGTH
        )
    if "\x00" in text:
        raise _error(_("The query holds a character that is not allowed."), text.index("\x00") + 1)
    q = SearchQuery()
    s = _Scanner(text)
    while True:
        s.skip_space()
        if s.at_end():
            break
        position = s.pos + 1  # 1-based, as people count characters
        negated = False
        if s.text[s.pos] == "-":
            negated = True
            s.pos += 1
            if s.at_end() or s.text[s.pos].isspace():
                raise _error(
                    _("The minus at position %(position)s excludes nothing.") % {"position": position},
                    position,
                )
        if s.text[s.pos] == '"':
            phrase = " ".join(s.quoted().split())
            if TOKEN_WORD_CHARS.search(phrase):
                (q.excluded_terms if negated else q.terms).append(Term(phrase, phrase=True))
            continue
        raw = s.bare()
        name, colon, value = raw.partition(":")
        if colon and name and re.fullmatch(r"[A-Za-z_]+", name):
            name = name.lower()
            if not value and not s.at_end() and s.text[s.pos] == '"':
                value = " ".join(s.quoted().split())
            _add_field(q, name, value.strip(), negated, position)
            continue
        term = _word_term(raw, position)
        if term is not None:
            (q.excluded_terms if negated else q.terms).append(term)
    return q


def words_of(text: str) -> list[str]:
    """The words of a text as the index sees them (letters and digits; apostrophes and hyphens split)."""
    return TOKEN_WORD_CHARS.findall(text)


def quote_value(value: str) -> str:
    """A field value as the query language reads it back: quoted when it holds spaces (quotes cannot be
    escaped, so a double quote inside is dropped)."""
    value = " ".join(str(value).replace('"', " ").split())
    return f'"{value}"' if any(c.isspace() for c in value) or ":" in value else value


def build_query(
    *,
    words: str = "",
    phrase: str = "",
    without: str = "",
    fields: dict[str, list[str]] | None = None,
    excluded: dict[str, list[str]] | None = None,
    dates: dict[str, tuple[date | None, date | None]] | None = None,
) -> str:
    """The one-line query the advanced-search form stands for: people who do not type the language
    see what their choices mean, and the same parser reads it. Raises nothing; the result is parsed as usual."""
    parts: list[str] = []
    for raw in words.split():
        # Free words keep their star; a word starting with a minus or holding a colon would read as an operator.
        word = raw.lstrip("-").replace('"', "")
        if word:
            parts.append(f'"{word}"' if ":" in word else word)
    phrase = " ".join(phrase.replace('"', " ").split())
    if phrase:
        parts.append(f'"{phrase}"')
    for raw in without.split():
        word = raw.lstrip("-").replace('"', "").rstrip("*")
        if word:
            parts.append(f'-"{word}"' if ":" in word else f"-{word}")
    for name, values in (fields or {}).items():
        parts.extend(f"{name}:{quote_value(v)}" for v in values if str(v).strip())
    for name, values in (excluded or {}).items():
        parts.extend(f"-{name}:{quote_value(v)}" for v in values if str(v).strip())
    for name, (start, end) in (dates or {}).items():
        if start or end:
            first = start.isoformat() if start else ""
            last = end.isoformat() if end else ""
            parts.append(f"{name}:{first}" if first and first == last else f"{name}:{first}..{last}")
    return " ".join(parts)
