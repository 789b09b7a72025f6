"""The catalogue of domain events (STYLE.md rule 10): every event a service may publish, declared once, with its
payload and who caused it.

A service publishes an instance (``publish(TicketUpdated(via=via, actor_id=..., id=..., ...))``); the bus checks
it against its declaration and dispatches it after the commit as a ``DomainEvent`` (``type``, ``actor_id``,
``via``, ``data``: the payload's fields). ``via`` is required: it says which path caused the change (``web``,
``api``, ``rule:12``, ``ingest``, ``system``…), so automation can ignore the changes it made itself and history
can name the rule. Subscribers name the types they follow (``@subscribe(TicketUpdated, ...)``); a subscription to
an event that is not declared here fails when the app starts. ``docs/architecture.md`` lists each event with its
payload and its subscribers (a test keeps the two in step).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields
from typing import Any, ClassVar

CATALOGUE: dict[str, type[Event]] = {}


class EventError(TypeError):
    """An event built against its declaration: a programming error, raised where it is published."""


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = ""
    about: ClassVar[str] = ""  # one line for the catalogue in docs/architecture.md
    via: str
    actor_id: int | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.type:
            return  # a shared payload shape, not an event of its own
        if cls.type in CATALOGUE and CATALOGUE[cls.type].__qualname__ != cls.__qualname__:
            raise EventError(f"event type {cls.type!r} is declared twice")
        CATALOGUE[cls.type] = cls

    def __post_init__(self):
        if not isinstance(self.via, str) or not self.via:
            raise EventError(f"{self.type}: 'via' must name the path that caused the change")
        for f in fields(self):
            value = getattr(self, f.name)
            if not _conforms(value, _hints(type(self))[f.name]):
                raise EventError(f"{self.type}: {f.name}={value!r} is not {_hints(type(self))[f.name]}")

    @property
    def data(self) -> dict[str, Any]:
        """The payload: every field but ``via`` and ``actor_id``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("via", "actor_id")}

    @classmethod
    def payload_fields(cls) -> list[tuple[str, str]]:
        """(name, type) of the payload, for the catalogue's documentation."""
        hints = _hints(cls)
        return [(f.name, _type_name(hints[f.name])) for f in fields(cls) if f.name not in ("via", "actor_id")]


_hint_cache: dict[type, dict[str, Any]] = {}


def _hints(cls) -> dict[str, Any]:
    hints = _hint_cache.get(cls)
    if hints is None:
        hints = _hint_cache[cls] = typing.get_type_hints(cls)
    return hints


def _conforms(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(_conforms(v, item) for v in value)
    if hint is Any:
        return True
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in typing.get_args(hint))
    if origin is list:
        return f"list[{_type_name(typing.get_args(hint)[0])}]"
    return "None" if hint is type(None) else getattr(hint, "__name__", str(hint))


def declared(event_type: str) -> type[Event]:
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise EventError(
            f"{event_type!r} is not in the event catalogue (parlons/core/event_types.py)"
        ) from None


# --- shared payload shapes ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _ById(Event):
    id: int


@dataclass(frozen=True, kw_only=True)
class _OfTicket(Event):
    id: int
    ticket_id: int


# --- tickets and their conversation ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TicketCreated(Event):
    type = "ticket.created"
    about = "a ticket was opened (a first message, a split, a hand-off, an import)"
    id: int
    team_id: int | None
    channel_group_id: int | None


@dataclass(frozen=True, kw_only=True)
class TicketUpdated(Event):
    type = "ticket.updated"
    about = "a ticket changed; ``changes`` names what (status, assignee, tags, messages, notes…)"
    id: int
    version: int
    changes: list[str]
    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True, kw_only=True)
class MessageCreated(_OfTicket):
    type = "message.created"
    about = "a message was received, or a reply written, on a ticket"


@dataclass(frozen=True, kw_only=True)
class MessageUpdated(_OfTicket):
    type = "message.updated"
    about = "a message was edited, deleted, reacted to, hidden or unhidden on its platform"
    change: str


@dataclass(frozen=True, kw_only=True)
class MessageDeliveryChanged(_OfTicket):
    type = "message.delivery_changed"
    about = "a reply's delivery status changed (queued, sent, delivered, read, failed)"
    status: str


@dataclass(frozen=True, kw_only=True)
class NoteCreated(_OfTicket):
    type = "note.created"
    about = "an internal note was added to a ticket"


@dataclass(frozen=True, kw_only=True)
class HandoffCreated(_OfTicket):
    type = "handoff.created"
    about = "a chatbot handed a conversation over to the team"
    intent: str
    confidence: float | None


# --- service standards and reminders -----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _SlaLevel(_ById):
    target: str
    due_at: str


@dataclass(frozen=True, kw_only=True)
class SlaWarning(_SlaLevel):
    type = "sla.warning"
    about = "a ticket's service-standard target is close"


@dataclass(frozen=True, kw_only=True)
class SlaBreached(_SlaLevel):
    type = "sla.breached"
    about = "a ticket's service-standard target has passed"


@dataclass(frozen=True, kw_only=True)
class SlaPolicyCreated(_ById):
    type = "sla_policy.created"
    about = "a service standard was created"


@dataclass(frozen=True, kw_only=True)
class SlaPolicyUpdated(_ById):
    type = "sla_policy.updated"
    about = "a service standard was changed"


@dataclass(frozen=True, kw_only=True)
class SlaPolicyDeleted(_ById):
    type = "sla_policy.deleted"
    about = "a service standard was deleted"


@dataclass(frozen=True, kw_only=True)
class HolidayCreated(_ById):
    type = "holiday.created"
    about = "a holiday was added to the business calendar"


@dataclass(frozen=True, kw_only=True)
class HolidayDeleted(_ById):
    type = "holiday.deleted"
    about = "a holiday was removed from the business calendar"


@dataclass(frozen=True, kw_only=True)
class BusinessHoursUpdated(_ById):
    type = "business_hours.updated"
    about = "the business hours changed"


@dataclass(frozen=True, kw_only=True)
class ReminderCreated(_OfTicket):
    type = "reminder.created"
    about = "someone asked to be reminded of a ticket"


@dataclass(frozen=True, kw_only=True)
class ReminderCancelled(_OfTicket):
    type = "reminder.cancelled"
    about = "a reminder was cancelled"


@dataclass(frozen=True, kw_only=True)
class ReminderDue(_OfTicket):
    type = "reminder.due"
    about = "a reminder fell due"
    user_id: int


# --- catalogue: tags, trackers, channel groups, canned responses --------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TagCreated(_ById):
    type = "tag.created"
    about = "a tag was created"


@dataclass(frozen=True, kw_only=True)
class TagUpdated(_ById):
    type = "tag.updated"
    about = "a tag was renamed, moved to another group or line of business, or archived"


@dataclass(frozen=True, kw_only=True)
class TagDeleted(_ById):
    type = "tag.deleted"
    about = "a tag was deleted (``tickets``: how many tickets had it)"
    tickets: int


@dataclass(frozen=True, kw_only=True)
class TrackerCreated(_ById):
    type = "tracker.created"
    about = "a tracker was created"


@dataclass(frozen=True, kw_only=True)
class GroupSetCreated(_ById):
    type = "group_set.created"
    about = "a set of channel groups was created"


@dataclass(frozen=True, kw_only=True)
class ChannelGroupCreated(_ById):
    type = "channel_group.created"
    about = "a channel group (page, account, number, mailbox) was added"


@dataclass(frozen=True, kw_only=True)
class CannedResponseCreated(_ById):
    type = "canned_response.created"
    about = "a canned response was created"


@dataclass(frozen=True, kw_only=True)
class CannedResponseUpdated(_ById):
    type = "canned_response.updated"
    about = "a canned response was changed or archived"


@dataclass(frozen=True, kw_only=True)
class CannedResponseDeleted(_ById):
    type = "canned_response.deleted"
    about = "a canned response was deleted"


# --- automation ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RuleCreated(_ById):
    type = "rule.created"
    about = "an automation rule was created"


@dataclass(frozen=True, kw_only=True)
class RuleUpdated(_ById):
    type = "rule.updated"
    about = "an automation rule was changed, enabled or disabled"


@dataclass(frozen=True, kw_only=True)
class RuleDeleted(_ById):
    type = "rule.deleted"
    about = "an automation rule was deleted"


@dataclass(frozen=True, kw_only=True)
class RulesReordered(Event):
    type = "rule.reordered"
    about = "the automation rules were put in a new order"
    ids: list[int]


@dataclass(frozen=True, kw_only=True)
class AutoTagCreated(_ById):
    type = "auto_tag.created"
    about = "an automatic tagging rule was created"


@dataclass(frozen=True, kw_only=True)
class AutoTagUpdated(_ById):
    type = "auto_tag.updated"
    about = "an automatic tagging rule was changed"


@dataclass(frozen=True, kw_only=True)
class AutoTagDeleted(_ById):
    type = "auto_tag.deleted"
    about = "an automatic tagging rule was deleted"


@dataclass(frozen=True, kw_only=True)
class AssignmentPolicyChanged(Event):
    type = "assignment.policy_changed"
    about = "a team's (or the default) automatic assignment policy changed"
    team_id: int | None


# --- people, teams, security ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class UserCreated(_ById):
    type = "user.created"
    about = "a user account was created"


@dataclass(frozen=True, kw_only=True)
class UserUpdated(_ById):
    type = "user.updated"
    about = "a user's profile, teams or availability changed"


@dataclass(frozen=True, kw_only=True)
class UserLocked(_ById):
    type = "user.locked"
    about = "a user account was locked (sessions ended, tokens revoked)"


@dataclass(frozen=True, kw_only=True)
class TeamCreated(_ById):
    type = "team.created"
    about = "a team was created"


@dataclass(frozen=True, kw_only=True)
class TeamUpdated(_ById):
    type = "team.updated"
    about = "a team's name, lead, members or state changed"


@dataclass(frozen=True, kw_only=True)
class TeamDeleted(_ById):
    type = "team.deleted"
    about = "a team was deleted"


@dataclass(frozen=True, kw_only=True)
class SecurityEventRecorded(_ById):
    type = "security.event"
    about = "an entry was added to the security audit trail"
    kind: str
    severity: str


# --- notifications and reports -------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class NotificationSettingsChanged(Event):
    type = "notifications.settings_changed"
    about = "the system-wide notification settings changed"


@dataclass(frozen=True, kw_only=True)
class BroadcastCreated(_ById):
    type = "broadcast.created"
    about = "a broadcast (banner to every agent) was announced"


@dataclass(frozen=True, kw_only=True)
class BroadcastEnded(_ById):
    type = "broadcast.ended"
    about = "a broadcast was ended early"


@dataclass(frozen=True, kw_only=True)
class ReportSaved(_ById):
    type = "report.saved"
    about = "a custom report was saved"


@dataclass(frozen=True, kw_only=True)
class ReportDeleted(_ById):
    type = "report.deleted"
    about = "a saved report was deleted"
