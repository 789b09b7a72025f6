"""Compile rules once, evaluate them fast (OPS-12).

Active rules are compiled into small closures (sets for "is one of", one folded-keyword regular expression per
text condition, the user's pattern compiled once) and kept per process, keyed by the token of
``RuleSetState``: one indexed read per event tells whether anything changed. The facts about a ticket
(its tags, whether the client wrote before, the text) are read lazily and at most once per event, whatever
the number of rules.
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


class Facts:
    """What the conditions look at, for one ticket at one event; each fact read at most once."""

    def __init__(self, ticket, *, text: str | None = None, now: datetime | None = None):
        self.ticket = ticket
        self.raw_text = (text or "")[:MAX_TEXT]
        self.now = now or timezone.now()

    @cached_property
    def text(self) -> str:
        return fold(self.raw_text)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(_WORD.findall(self.text))

    @cached_property
    def tag_slugs(self) -> frozenset[str]:
        return frozenset(self.ticket.tags.values_list("slug", flat=True))

    @cached_property
    def platform(self) -> str:
        return platform_of(self.ticket.channel_group_id)

    @cached_property
    def contact_returning(self) -> bool:
        from parlons.tickets.models import Ticket

        t = self.ticket
        return (
            Ticket.objects.filter(contact_id=t.contact_id, created_at__lte=t.created_at)
            .exclude(pk=t.pk)
            .exists()
        )

    @cached_property
    def in_business_hours(self) -> bool:
        return is_business_hours(self.now)


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


def fetch_ticket(ticket_id: int):
    """The ticket row alone (no joins, no ordering): the cheapest read the conditions need."""
    from parlons.tickets.models import Ticket

    # A raw query: the ORM's query building costs more than the query itself here, on every event.
    found = list(Ticket.objects.raw("SELECT * FROM tickets_ticket WHERE id = %s", [int(ticket_id)]))
    return found[0] if found else None


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
        # Cheap conditions first (ticket fields, text), those that read the database last: with "all" a
        # failing cheap condition spares the query, with "any" a passing one does.
        costly = {"tags", "contact"}
        self._ordered = [check for c, check in self.conditions if c.get("field") not in costly] + [
            check for c, check in self.conditions if c.get("field") in costly
        ]
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


def current() -> RuleSet:
    """The compiled rule set, reloaded only when the token says something changed (one read per call)."""
    token = _current_token()
    rule_set = _cache["set"]
    if rule_set is None or rule_set.token != token:
        rule_set = _load(token)
        with _lock:
            _cache["set"] = rule_set
    return rule_set


def active_rules(trigger: str) -> list[CompiledRule]:
    """The enabled rules of a trigger, in order, compiled."""
    return list(current().by_trigger.get(trigger, []))


def forget_compiled_rules() -> None:
    with _lock:
        _cache["set"] = None
