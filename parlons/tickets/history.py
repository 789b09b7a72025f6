"""The kinds of history row and their sentences (OPS-19, UI-6).

Every ``TicketEvent.kind`` the code writes is declared here once, with the renderer that turns the row's typed
data into a sentence in the active language when the row is read; nothing translated is stored (STYLE.md rule 6).
``record``/``history_row`` refuse a kind that is not declared, so a new kind cannot be written without its
sentence; a row of a kind this version does not know (written by an older one) still reads as its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from parlons.tickets.models import Message, Platform, Ticket, TicketEvent

Renderer = Callable[[dict[str, Any]], str]
"""The row's data -> its sentence, in the active language."""

KINDS: dict[str, Renderer] = {}


def declare(name: str) -> Callable[[Renderer], Renderer]:
    """Declare the history kind ``name`` with the function below as its renderer (once per kind)."""

    def register(render: Renderer) -> Renderer:
        if name in KINDS:
            raise ValueError(f"history kind {name!r} is declared twice")
        KINDS[name] = render
        return render

    return register


def declare_fixed(name: str, sentence: Promise) -> None:
    """Declare a kind whose sentence does not depend on its data."""
    declare(name)(lambda data: str(sentence))


def check_kind(kind: str) -> str:
    """``kind`` when it is declared here; else ``ValueError`` (a programming error, not a user's)."""
    if kind not in KINDS:
        raise ValueError(
            f"history kind {kind!r} is not declared: declare it and its sentence in parlons/tickets/history.py"
        )
    return kind


# --- reading ----------------------------------------------------------------------------------------
def describe(event: TicketEvent, language: str | None = None) -> str:
    """A sentence for one history row, in ``language`` (default: the active language)."""
    return describe_many([event], language)[0]


def describe_many(events: Iterable[TicketEvent], language: str | None = None) -> list[str]:
    """The sentences of history rows, in their order, in ``language`` (default: the active language).

    The names of the rules that made rows are read in one query for all of them, so a page of history costs
    the same whatever number of rows rules made."""
    events = list(events)
    lang = language or get_language() or "en"
    rule_ids = {_rule_id(e.via) for e in events if (e.via or "").startswith("rule:")} - {None}
    names: dict[int, str] = {}
    if rule_ids:
        from parlons.automation.selectors import rule_names

        names = rule_names(rule_ids)
    with override(lang):
        return [_by_automation(_sentence(e), e.via or "", names) for e in events]


def _sentence(event: TicketEvent) -> str:
    render = KINDS.get(event.kind)
    return event.kind if render is None else render(event.data or {})


def _rule_id(via: str | None) -> int | None:
    try:
        return int((via or "")[5:])
    except ValueError:
        return None


def _by_automation(sentence: str, via: str, rule_names: dict[int, str]) -> str:
    """Name the rule (or the automatic tagging / assignment) that made a change (OPS-12)."""
    if via.startswith("rule:"):
        name = rule_names.get(_rule_id(via))
        if name is None:
            return _("%(sentence)s — by rule #%(id)s (since deleted)") % {"sentence": sentence, "id": via[5:]}
        return _("%(sentence)s — by rule “%(name)s”") % {"sentence": sentence, "name": name}
    if via == "autotag":
        return _("%(sentence)s — automatic tagging") % {"sentence": sentence}
    if via == "assignment":
        return _("%(sentence)s — automatic assignment") % {"sentence": sentence}
    return sentence


# --- pieces of sentences ----------------------------------------------------------------------------
def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def _platform(code) -> str:
    return str(dict(Platform.choices).get(code, code or ""))


def _name(ref) -> str:
    return ref["name"] if ref else _("nobody")


def _tags(refs) -> str:
    key = "fr" if (get_language() or "en").startswith("fr") else "en"
    return ", ".join(ref.get(key) or ref.get("slug", "") for ref in refs)


def _from_to(d: dict, render: Callable[[Any], str]) -> dict[str, str]:
    return {"old": render(d.get("from")), "new": render(d.get("to"))}


def _before_after(change: dict) -> dict[str, str]:
    return {"old": change.get("from", ""), "new": change.get("to", "")}


# --- the kinds --------------------------------------------------------------------------------------
# The conversation.
declare_fixed("ticket.created", gettext_lazy("Ticket created"))
declare_fixed("message.received", gettext_lazy("Message received from the client"))
declare_fixed("reply.sent", gettext_lazy("Reply sent to the client"))
declare_fixed("note.added", gettext_lazy("Internal note added"))
declare_fixed("reply.retried", gettext_lazy("A failed reply was sent again"))


# Properties (update_ticket and the services around it).
@declare("ticket.status_changed")
def _status_changed(d):
    return _("Status changed from %(old)s to %(new)s") % _from_to(d, lambda c: _label(Ticket.Status, c))


@declare("ticket.priority_changed")
def _priority_changed(d):
    return _("Priority changed from %(old)s to %(new)s") % _from_to(d, lambda c: _label(Ticket.Priority, c))


@declare("ticket.subject_changed")
def _subject_changed(d):
    return _("Subject changed to “%(new)s”") % {"new": d.get("to", "")}


@declare("ticket.spam_changed")
def _spam_changed(d):
    return _("Marked as spam") if d.get("to") else _("No longer marked as spam")


@declare("ticket.assigned")
def _assigned(d):
    return _("Assigned to %(new)s (was %(old)s)") % _from_to(d, _name)


@declare("ticket.team_changed")
def _team_changed(d):
    return _("Team changed to %(new)s (was %(old)s)") % _from_to(d, _name)


@declare("ticket.channel_group_changed")
def _channel_group_changed(d):
    return _("Moved to channel group %(new)s (was %(old)s)") % _from_to(d, _name)


@declare("tags.added")
def _tags_added(d):
    return _("Tags added: %(tags)s") % {"tags": _tags(d.get("tags", []))}


@declare("tags.removed")
def _tags_removed(d):
    if d.get("reason") == "tag_deleted":
        return _("Tag removed because it was deleted: %(tags)s") % {"tags": _tags(d.get("tags", []))}
    return _("Tags removed: %(tags)s") % {"tags": _tags(d.get("tags", []))}


@declare("tracker.added")
def _tracker_added(d):
    return _("Added to tracker “%(name)s”") % {"name": d.get("tracker", {}).get("name", "")}


@declare("tracker.removed")
def _tracker_removed(d):
    return _("Removed from tracker “%(name)s”") % {"name": d.get("tracker", {}).get("name", "")}


@declare("ticket.split")
def _split(d):
    return _("A message was split out into ticket #%(id)s") % {"id": d.get("ticket")}


@declare("ticket.split_from")
def _split_from(d):
    return _("Split out of ticket #%(id)s") % {"id": d.get("ticket")}


# What the platform says happened to a message (tickets.services.platform_events).
@declare("message.delivery_changed")
def _delivery_changed(d):
    return _("Delivery of a sent message changed from %(old)s to %(new)s") % _from_to(
        d, lambda c: _label(Message.Delivery, c)
    )


declare_fixed("message.edited", gettext_lazy("A message was edited on the platform"))
declare_fixed("message.deleted", gettext_lazy("A message was deleted on the platform"))
declare_fixed("message.hidden", gettext_lazy("A comment was hidden on the platform"))
declare_fixed("message.unhidden", gettext_lazy("A hidden comment was made visible again on the platform"))
declare_fixed("message.echo", gettext_lazy("A message was sent to the client from another app"))


@declare("message.reaction")
def _reaction(d):
    if d.get("action") == "unreact":
        return _("A reaction was removed from a message")
    return _("Reaction %(emoji)s added to a message") % {"emoji": d.get("emoji", "")}


# The client's identity on the platform (OPS-1).
@declare("contact.profile_changed")
def _profile_changed(d):
    changes = d.get("changes") or {}
    parts = []
    if "display_name" in changes:
        parts.append(_("name “%(old)s” → “%(new)s”") % _before_after(changes["display_name"]))
    if "handle" in changes:
        parts.append(_("handle “%(old)s” → “%(new)s”") % _before_after(changes["handle"]))
    return _("The client's profile changed on %(platform)s: %(changes)s") % {
        "platform": _platform(d.get("platform")),
        "changes": "; ".join(parts),
    }


# The chatbot hand-over (parlons.integrations).
@declare("handoff.received")
def _handoff(d):
    return _("Handed over by the chatbot %(bot)s (intent: %(intent)s)") % {
        "bot": _name(d.get("bot")),
        "intent": d.get("intent") or "—",
    }


# Service standards and reminders (parlons.sla).
def _sla_target(d) -> str:
    return _("first response") if d.get("target") == "first_response" else _("resolution")


@declare("sla.warning")
def _sla_warning(d):
    return _("Service standard at risk: %(target)s due soon") % {"target": _sla_target(d)}


@declare("sla.breached")
def _sla_breached(d):
    return _("Service standard missed: %(target)s is overdue") % {"target": _sla_target(d)}


declare_fixed("reminder.set", gettext_lazy("Reminder set"))
declare_fixed("reminder.cancelled", gettext_lazy("Reminder cancelled"))
declare_fixed("reminder.due", gettext_lazy("Reminder sent"))


# Forwards to an outside person (parlons.connectors.email).
@declare("email.forwarded")
def _forwarded(d):
    return _("Forwarded by e-mail to %(address)s") % {"address": d.get("to", "")}


@declare("email.forward_failed")
def _forward_failed(d):
    return _("The forward to %(address)s could not be sent: %(error)s") % {
        "address": d.get("to", ""),
        "error": d.get("error", ""),
    }


@declare("email.forward_answered")
def _forward_answered(d):
    return _("%(address)s answered the forward (added as an internal note)") % {"address": d.get("from", "")}
