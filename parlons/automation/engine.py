"""Compile rules once, evaluate them fast (OPS-12).

Active rules are compiled into small closures (sets for "is one of", one folded-keyword regular expression per
text condition, the user's pattern compiled once) and kept per process, keyed by the token of
``RuleSetState``: one indexed read per event tells whether anything changed. The facts about a ticket
(its fields, its tags, whether the client wrote before) are read in one query, with that token (and the text
of the event), only when a rule gets past its text conditions, and read again only after a rule's actions
may have changed the ticket, whatever the number of rules (``read_event``, ``Facts``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.utils import timezone

from parlons.search.text import fold

MAX_TEXT = 20000  # characters of a message looked at by text conditions (bounds the regex work)
_WORD = re.compile(r"\w+")


class TicketGone(Exception):
    """The ticket of the event no longer exists (deleted meanwhile)."""


class TicketRow:
    """The fields of a ticket that conditions look at, read in one raw query (``read_ticket``); ``tag_slugs``
    and ``contact_returning`` are ``None`` when that query did not read them."""

    __slots__ = (
        "pk",
        "channel_group_id",
        "assignee_id",
        "team_id",
        "status",
        "priority",
        "language",
        "tag_slugs",
        "contact_returning",
    )

    def __init__(self, values, tags=None, returning=None):
        (
            self.pk,
            self.channel_group_id,
            self.assignee_id,
            self.team_id,
            self.status,
            self.priority,
            self.language,
        ) = values
        self.tag_slugs = None if tags is None else frozenset(_tag_list(tags))
        self.contact_returning = None if returning is None else bool(returning)

    @property
    def id(self) -> int:
        return self.pk


class Facts:
    """What the conditions look at, for one ticket at one event; each fact read at most once.

    Built on a ticket (the dry run, the idle-ticket job) or on a ticket id: then the ticket's facts are read
    when a condition first needs them (``needs``: also its tags, whether the client is returning; one query),
    or come already read with the event (``row``). ``forget()`` after a change: the next condition that needs
    the ticket reads it again."""

    def __init__(
        self,
        ticket=None,
        *,
        text: str | None = None,
        now: datetime | None = None,
        ticket_id: int | None = None,
        row: TicketRow | None = None,
        needs: frozenset[str] = frozenset(),
    ):
        self._ticket = ticket if ticket is not None else row
        self.ticket_id = ticket.pk if ticket is not None else ticket_id
        self.needs = needs
        self.raw_text = (text or "")[:MAX_TEXT]
        self.now = now or timezone.now()

    @property
    def ticket(self):
        if self._ticket is None:
            self._ticket = read_ticket(self.ticket_id, self.needs)
            if self._ticket is None:
                raise TicketGone(self.ticket_id)
        return self._ticket

    def forget(self) -> None:
        """The ticket may have changed: what was read from it is read again when next needed (the text, the
        time and the business hours stay)."""
        self._ticket = None
        for name in ("tag_slugs", "contact_returning"):
            self.__dict__.pop(name, None)

    def known_tag_slugs(self) -> frozenset[str] | None:
        """The ticket's tags if they are already read (and still true), else ``None``: no query."""
        if "tag_slugs" in self.__dict__:
            return self.__dict__["tag_slugs"]
        if self._ticket is not None and getattr(self._ticket, "tag_slugs", None) is not None:
            return self._ticket.tag_slugs
        return None

    @cached_property
    def text(self) -> str:
        return fold(self.raw_text)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(_WORD.findall(self.text))

    @cached_property
    def tag_slugs(self) -> frozenset[str]:
        ticket = self.ticket
        if getattr(ticket, "tag_slugs", None) is not None:
            return ticket.tag_slugs
        from parlons.tickets.models import TicketTag

        return frozenset(TicketTag.objects.filter(ticket_id=ticket.pk).values_list("tag__slug", flat=True))

    @property
    def platform(self) -> str:
        return platform_of(self.ticket.channel_group_id)

    @cached_property
    def contact_returning(self) -> bool:
        t = self.ticket
        if isinstance(t, TicketRow):
            if t.contact_returning is None:  # the rule set changed during the event: not read with the rest
                t = self._ticket = read_ticket(t.pk, self.needs | {"contact"}) or t
            return bool(t.contact_returning)
        from parlons.tickets.models import Ticket

        return (
            Ticket.objects.filter(contact_id=t.contact_id, created_at__lte=t.created_at)
            .exclude(pk=t.pk)
            .exists()
        )

    @cached_property
    def in_business_hours(self) -> bool:
        return is_business_hours(self.now)


# --- reading an event's facts in one query -----------------------------------------------------------
_ALL_NEEDS = frozenset({"tags", "contact", "text"})
_TICKET_COLUMNS = "t.id, t.channel_group_id, t.assignee_id, t.team_id, t.status, t.priority, t.language"
_TOKEN = "(SELECT token FROM automation_rulesetstate WHERE id = 1)"
_RETURNING = (
    "EXISTS (SELECT 1 FROM tickets_ticket o WHERE o.contact_id = t.contact_id AND o.created_at <= t.created_at"
    " AND o.id <> t.id)"
)
_FIRST_MESSAGE = (
    "(SELECT m.body FROM tickets_message m WHERE m.ticket_id = t.id AND m.direction = 'in'"
    " ORDER BY m.created_at, m.id LIMIT 1)"
)


def _tags_sql(vendor: str) -> str:
    agg = "ARRAY(SELECT {col} " if vendor == "postgresql" else "(SELECT json_group_array({col}) "
    return (
        agg.format(col="g.slug")
        + "FROM tickets_tickettag tt JOIN tickets_tag g ON g.id = tt.tag_id WHERE tt.ticket_id = t.id)"
    )


def _tag_list(value) -> list[str]:
    if isinstance(value, str):  # SQLite: a JSON array
        import json

        return json.loads(value)
    return list(value)


def _facts_columns(needs: frozenset[str], vendor: str) -> str:
    tags = _tags_sql(vendor) if "tags" in needs else "NULL"
    returning = _RETURNING if "contact" in needs else "NULL"
    return f"{_TICKET_COLUMNS}, {tags}, {returning}"


def _row(values) -> TicketRow:
    return TicketRow(values[:7], tags=values[7], returning=values[8])


def read_ticket(ticket_id: int, needs: frozenset[str] = frozenset()) -> TicketRow | None:
    """The ticket's facts in one query (raw SQL: this runs for every event); ``needs`` may add "tags" and
    "contact" (whether the client wrote before this ticket)."""
    from django.db import connection

    with connection.cursor() as cursor:
        columns = _facts_columns(needs, connection.vendor)  # constant fragments of this module
        cursor.execute(f"SELECT {columns} FROM tickets_ticket t WHERE t.id = %s", [int(ticket_id)])  # noqa: S608
        values = cursor.fetchone()
    return _row(values) if values else None


@dataclass
class EventRead:
    """What one query read for an event: the compiled rule set (checked against the token), the ticket id,
    the text (``None``: not read) and where it comes from ("in", "out", "note"), and the ticket's facts
    (``None``: read them when a condition needs them)."""

    rule_set: RuleSet
    ticket_id: int | None
    text: str | None = None
    source: str = ""
    row: TicketRow | None = None


def read_event(
    *,
    triggers: tuple[str, ...],
    ticket_id: int | None = None,
    message_id: int | None = None,
    note_id: int | None = None,
    first_message: bool = False,
) -> EventRead:
    """One round trip for what an event needs before its rules run: the rule-set token and, as the rules of
    ``triggers`` in this process's compiled set need them, the message or note (its ticket, text and
    direction), the ticket's facts, and for a new ticket (``first_message``) the text of its first message.

    The columns are chosen from the compiled set this process holds; when the token shows that the rules
    changed, the set is reloaded and whatever that query did not read is read when needed."""
    from django.db import connection

    cached = _cache["set"]
    needs = cached.needs(triggers) if cached is not None else _ALL_NEEDS
    acting = cached is None or cached.acts_on(triggers)
    facts = f", {_facts_columns(needs, connection.vendor)}" if acting else ""
    # Only constant fragments of this module go into the statement; the values are parameters.
    if message_id is not None or note_id is not None:
        table, pk = ("tickets_note", note_id) if note_id is not None else ("tickets_message", message_id)
        direction = "'note'" if note_id is not None else "x.direction"
        sql = (
            f"SELECT {_TOKEN}, x.ticket_id, x.body, {direction}{facts} "  # noqa: S608
            f"FROM {table} x JOIN tickets_ticket t ON t.id = x.ticket_id WHERE x.id = %s"
        )
        params = [int(pk)]
    elif acting:
        text = _FIRST_MESSAGE if first_message and "text" in needs else "NULL"
        sql = f"SELECT {_TOKEN}, t.id, {text}, NULL{facts} FROM tickets_ticket t WHERE t.id = %s"  # noqa: S608
        params = [int(ticket_id)]
    else:  # no rule for these triggers: only whether the rules changed
        sql, params = f"SELECT {_TOKEN}, NULL, NULL, NULL", []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
    if values is None:  # the message, note or ticket is gone
        return EventRead(rule_set=current(), ticket_id=None)
    token = values[0] or ""
    rule_set = cached if cached is not None and cached.token == token else _reload(token)
    source = ""
    if values[3] is not None:
        source = values[3] if values[3] in ("in", "note") else "out"
    return EventRead(
        rule_set=rule_set,
        ticket_id=values[1] if values[1] is not None else ticket_id,
        text=values[2],
        source=source,
        row=_row(values[4:]) if facts else None,
    )


_platforms: dict[int, str] = {}


def platform_of(channel_group_id: int) -> str:
    """The platform of a channel group (a group never changes channel; remembered per process)."""
    platform = _platforms.get(channel_group_id)
    if platform is None:
        from parlons.tickets.models import ChannelGroup

        platform = (
            ChannelGroup.objects.filter(pk=channel_group_id)
            .values_list("channel__platform", flat=True)
            .first()
            or ""
        )
        if len(_platforms) < 10000:
            _platforms[channel_group_id] = platform
    return platform


def is_business_hours(now: datetime) -> bool:
    """Open hours of the service calendar (``parlons.core.business_hours``, Monday–Friday 9:00–17:00 Eastern
    time minus holidays by default)."""
    try:
        from parlons.core.business_hours import BusinessCalendar

        return bool(BusinessCalendar.current().is_open(now))
    except Exception:  # calendar not configured or not available: the documented default
        from zoneinfo import ZoneInfo

        local = now.astimezone(ZoneInfo("America/Toronto"))
        return local.weekday() < 5 and 9 <= local.hour < 17


def keyword_regex(words: list[str]) -> re.Pattern:
    """One pattern matching any of the words (folded: case and accents optional), whole words only."""
    folded = sorted({fold(w).strip() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in folded) or r"(?!x)x"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


Check = Callable[[Facts], bool]


def _compile_condition(cond: dict) -> Check:
    field_name, op, value = cond["field"], cond["op"], cond.get("value")
    if op == "is_set":
        attr = "assignee_id" if field_name == "assignee" else "team_id"
        return lambda f: getattr(f.ticket, attr) is not None
    if op == "is_empty":
        attr = "assignee_id" if field_name == "assignee" else "team_id"
        return lambda f: getattr(f.ticket, attr) is None
    if field_name == "text":
        if op == "matches":
            pattern = re.compile(value, re.IGNORECASE)
            return lambda f: bool(pattern.search(f.raw_text)) or bool(pattern.search(f.text))
        words = {fold(w).strip() for w in value}
        regex = keyword_regex(value)
        if op == "contains_any":
            return lambda f: regex.search(f.text) is not None
        if op == "not_contains":
            return lambda f: regex.search(f.text) is None
        return lambda f: words <= set(regex.findall(f.text))
    if field_name == "tags":
        wanted = frozenset(value)
        if op == "any":
            return lambda f: bool(wanted & f.tag_slugs)
        if op == "all":
            return lambda f: wanted <= f.tag_slugs
        return lambda f: not (wanted & f.tag_slugs)
    if field_name == "contact":
        returning = value == "returning"
        return lambda f: f.contact_returning == returning
    if field_name == "business_hours":
        inside = value == "inside"
        return lambda f: f.in_business_hours == inside
    getters: dict[str, Callable[[Facts], object]] = {
        "channel": lambda f: f.platform,
        "channel_group": lambda f: f.ticket.channel_group_id,
        "language": lambda f: f.ticket.language,
        "status": lambda f: f.ticket.status,
        "priority": lambda f: f.ticket.priority,
        "team": lambda f: f.ticket.team_id,
        "assignee": lambda f: f.ticket.assignee_id,
    }
    get = getters[field_name]
    values = frozenset(value or ())
    if op == "in":
        return lambda f: get(f) in values
    return lambda f: get(f) not in values


@dataclass
class CompiledRule:
    id: int
    name: str
    position: int
    trigger: str
    hours: int | None
    match_all: bool
    conditions: list[tuple[dict, Check]]
    actions: list[dict]
    document: dict = field(default_factory=dict)

    def __post_init__(self):
        # Cheapest conditions first: the text (no query), then the ticket's fields, tags and returning client
        # (one query for all of them, shared by the rules of the event), the business hours last (the
        # calendar is read). With "all" a failing cheap condition spares the reads, with "any" a passing one.
        cost = {"text": 0, "business_hours": 2}
        ranked = sorted(
            enumerate(self.conditions), key=lambda item: (cost.get(item[1][0].get("field"), 1), item[0])
        )
        self._ordered = [check for _i, (_c, check) in ranked]
        # A gate: with "all", a "contains" condition of single words can only hold if one of its words is
        # among the words of the text; one set intersection skips most rules without running their checks.
        self.gate: frozenset[str] | None = None
        if self.match_all:
            for c, _check in self.conditions:
                if c.get("field") == "text" and c.get("op") in ("contains_any", "contains_all"):
                    words = {fold(w).strip() for w in c.get("value") or ()}
                    if words and all(_WORD.fullmatch(w) for w in words):
                        self.gate = frozenset(words)
                        break

    def matches(self, facts: Facts) -> bool:
        if self.gate is not None and self.gate.isdisjoint(facts.words):
            return False
        if not self._ordered:
            return True
        if self.match_all:
            return all(check(facts) for check in self._ordered)
        return any(check(facts) for check in self._ordered)

    def explain(self, facts: Facts) -> tuple[bool, list[dict]]:
        """Every condition with whether it held (for the dry run); and the overall outcome."""
        results = [{"condition": cond, "matched": bool(check(facts))} for cond, check in self.conditions]
        if not results:
            return True, results
        flags = [r["matched"] for r in results]
        return (all(flags) if self.match_all else any(flags)), results


def compile_rule(rule) -> CompiledRule:
    doc = rule.document or {}
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        position=rule.position,
        trigger=doc.get("trigger", rule.trigger),
        hours=doc.get("hours"),
        match_all=doc.get("match", "all") != "any",
        conditions=[(c, _compile_condition(c)) for c in doc.get("conditions", [])],
        actions=list(doc.get("actions", [])),
        document=doc,
    )


# --- the per-process cache ------------------------------------------------------------------------
@dataclass
class RuleSet:
    """Everything automation decides with, compiled: rules by trigger (in order), auto-tag keyword
    patterns, and whether any assignment policy exists."""

    token: str
    by_trigger: dict[str, list[CompiledRule]]
    auto_tags: list[tuple[int, str, frozenset[str], re.Pattern]]
    has_policy: bool
    # per trigger: which costly facts its rules look at ("text", "tags", "contact")
    needs_by_trigger: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self):
        for trigger, rules in self.by_trigger.items():
            fields = {c.get("field") for rule in rules for c, _check in rule.conditions}
            self.needs_by_trigger[trigger] = frozenset(fields & {"text", "tags", "contact"})

    def needs(self, triggers: tuple[str, ...]) -> frozenset[str]:
        return frozenset().union(*(self.needs_by_trigger.get(t, frozenset()) for t in triggers))

    def acts_on(self, triggers: tuple[str, ...]) -> bool:
        return any(self.by_trigger.get(t) for t in triggers)


_lock = threading.Lock()
_cache: dict[str, RuleSet | None] = {"set": None}


def _current_token() -> str:
    from django.db import connection

    with connection.cursor() as cursor:  # raw SQL (a constant): this runs for every event
        cursor.execute("SELECT token FROM automation_rulesetstate WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else ""


def _load(token: str) -> RuleSet:
    import logging

    from parlons.automation.models import AssignmentPolicy, AutoTag, Rule

    by_trigger: dict[str, list[CompiledRule]] = {}
    for rule in Rule.objects.filter(is_enabled=True).order_by("position", "id"):
        try:
            compiled = compile_rule(rule)
        except Exception:  # a stored rule that no longer compiles is skipped, never fatal
            logging.getLogger(__name__).exception("rule %s does not compile", rule.pk)
            continue
        by_trigger.setdefault(compiled.trigger, []).append(compiled)
    auto_tags = []
    for auto in AutoTag.objects.select_related("tag").filter(is_enabled=True, tag__is_archived=False):
        sources = frozenset(
            s for s, on in (("in", auto.on_messages), ("note", auto.on_notes), ("out", auto.on_replies)) if on
        )
        auto_tags.append(
            (auto.tag_id, auto.tag.slug, sources, keyword_regex([*auto.keywords_en, *auto.keywords_fr]))
        )
    return RuleSet(
        token=token, by_trigger=by_trigger, auto_tags=auto_tags, has_policy=AssignmentPolicy.objects.exists()
    )


def _reload(token: str) -> RuleSet:
    rule_set = _load(token)
    with _lock:
        _cache["set"] = rule_set
    return rule_set


def current() -> RuleSet:
    """The compiled rule set, reloaded only when the token says something changed (one read per call)."""
    token = _current_token()
    rule_set = _cache["set"]
    if rule_set is None or rule_set.token != token:
        rule_set = _reload(token)
    return rule_set


def active_rules(trigger: str) -> list[CompiledRule]:
    """The enabled rules of a trigger, in order, compiled."""
    return list(current().by_trigger.get(trigger, []))


def forget_compiled_rules() -> None:
    with _lock:
        _cache["set"] = None
