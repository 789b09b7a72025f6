"""What the generator plans and the writer writes: plain data classes (no database), and the staff tables the
stories draw their agents from."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parlons.demo import corpus

HISTORY_DAYS = 200  # tickets are spread over the last 200 days
MAX_MESSAGES = 6  # messages per ticket, at most

DEMO_USERNAMES = tuple(spec[0] for spec in corpus.DEMO_USERS)
# username -> (username, first name, last name, language, team key, is lead)
STAFF = {spec[0]: spec for spec in (*corpus.DEMO_USERS, *corpus.AGENTS)}
TEAM_POOLS = {
    team: sorted(u for u, *_rest, t, _lead in (*corpus.DEMO_USERS, *corpus.AGENTS) if t == team)
    for team in corpus.TEAMS
}
TEAM_LEADS = {t: u for u, *_rest, t, lead in (*corpus.DEMO_USERS, *corpus.AGENTS) if lead and t}


def weighted(rng: random.Random, items, weights):
    """One item drawn with the given weights (one call of ``rng.choices``: part of the seeded sequence)."""
    return rng.choices(items, weights=weights, k=1)[0]


class Ref:
    """A reference in planned history data, resolved to an id or a snapshot when written."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any = None):
        self.kind, self.value = kind, value


@dataclass
class Person:
    k: int
    language: str
    first: str
    last: str
    city: int
    country: int
    born: datetime
    x_handle: str
    x_id: str
    email: str
    wa_id: str
    fb_id: str
    ms_id: str
    bio: int

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class MessagePlan:
    direction: str
    at: datetime
    body: str
    author: str | None
    external_id: str = ""
    permalink: str = ""
    metadata: dict = field(default_factory=dict)
    delivery: str = "received"
    error: str = ""
    error_code: str = ""
    parent: int | None = None
    idempotency_key: str = ""


@dataclass
class TicketPlan:
    index: int
    group: corpus.GroupSpec
    kind: str
    language: str
    person: Person
    identity: dict
    subject: str
    created_at: datetime
    conversation_key: str
    priority: str = "normal"
    is_spam: bool = False
    status: str = "new"
    assignee: str | None = None
    updated_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    version: int = 1
    messages: list[MessagePlan] = field(default_factory=list)
    notes: list[tuple[datetime, str, str]] = field(default_factory=list)
    tags: list[tuple[str, str, datetime]] = field(default_factory=list)
    trackers: list[tuple[str, str, datetime]] = field(default_factory=list)
    events: list[tuple[str, datetime, str | None, str, dict]] = field(default_factory=list)
