"""Turn typed history rows into sentences in the reader's language, at display time (STYLE.md rule 6)."""

from __future__ import annotations

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from parlons.tickets.models import Platform, Ticket, TicketEvent


def _status(code):
    try:
        return str(Ticket.Status(code).label)
    except ValueError:
        return str(code)


def _priority(code):
    try:
        return str(Ticket.Priority(code).label)
    except ValueError:
        return str(code)


def _platform(code):
    return str(dict(Platform.choices).get(code, code or ""))


def _name(ref):
    return ref["name"] if ref else _("nobody")


def _tags(refs, language):
    key = "fr" if language.startswith("fr") else "en"
    return ", ".join(ref.get(key) or ref.get("slug", "") for ref in refs)


def describe(event: TicketEvent, language: str | None = None) -> str:
    """A sentence for one history row, in ``language`` (default: the active language)."""
    lang = language or get_language() or "en"
    with override(lang):
        return _by_automation(_sentence(event, lang), event.via or "")


def _by_automation(sentence: str, via: str) -> str:
    """Name the rule (or the automatic tagging / assignment) that made a change (OPS-12)."""
    if via.startswith("rule:"):
        from parlons.automation.selectors import rule_name

        name = rule_name(via[5:])
        if name is None:
            return _("%(sentence)s — by rule #%(id)s (since deleted)") % {"sentence": sentence, "id": via[5:]}
        return _("%(sentence)s — by rule “%(name)s”") % {"sentence": sentence, "name": name}
    if via == "autotag":
        return _("%(sentence)s — automatic tagging") % {"sentence": sentence}
    if via == "assignment":
        return _("%(sentence)s — automatic assignment") % {"sentence": sentence}
    return sentence


def _sentence(event: TicketEvent, lang: str) -> str:
    d = event.data or {}
    kind = event.kind
    if kind == "ticket.created":
        return _("Ticket created")
    if kind == "message.received":
        return _("Message received from the client")
    if kind == "reply.sent":
        return _("Reply sent to the client")
    if kind == "note.added":
        return _("Internal note added")
    if kind == "ticket.status_changed":
        return _("Status changed from %(old)s to %(new)s") % {
            "old": _status(d.get("from")),
            "new": _status(d.get("to")),
        }
    if kind == "ticket.priority_changed":
        return _("Priority changed from %(old)s to %(new)s") % {
            "old": _priority(d.get("from")),
            "new": _priority(d.get("to")),
        }
    if kind == "ticket.subject_changed":
        return _("Subject changed to “%(new)s”") % {"new": d.get("to", "")}
    if kind == "ticket.spam_changed":
        return _("Marked as spam") if d.get("to") else _("No longer marked as spam")
    if kind == "ticket.assigned":
        return _("Assigned to %(new)s (was %(old)s)") % {
            "new": _name(d.get("to")),
            "old": _name(d.get("from")),
        }
    if kind == "ticket.team_changed":
        return _("Team changed to %(new)s (was %(old)s)") % {
            "new": _name(d.get("to")),
            "old": _name(d.get("from")),
        }
    if kind == "ticket.channel_group_changed":
        return _("Moved to channel group %(new)s (was %(old)s)") % {
            "new": _name(d.get("to")),
            "old": _name(d.get("from")),
        }
    if kind == "tags.added":
        return _("Tags added: %(tags)s") % {"tags": _tags(d.get("tags", []), lang)}
    if kind == "tags.removed":
        if d.get("reason") == "tag_deleted":
            return _("Tag removed because it was deleted: %(tags)s") % {
                "tags": _tags(d.get("tags", []), lang)
            }
        return _("Tags removed: %(tags)s") % {"tags": _tags(d.get("tags", []), lang)}
    if kind == "tracker.added":
        return _("Added to tracker “%(name)s”") % {"name": d.get("tracker", {}).get("name", "")}
    if kind == "tracker.removed":
        return _("Removed from tracker “%(name)s”") % {"name": d.get("tracker", {}).get("name", "")}
    if kind == "ticket.split":
        return _("A message was split out into ticket #%(id)s") % {"id": d.get("ticket")}
    if kind == "ticket.split_from":
        return _("Split out of ticket #%(id)s") % {"id": d.get("ticket")}
    if kind == "reply.retried":
        return _("A failed reply was sent again")
    if kind == "handoff.received":
        return _("Handed over by the chatbot %(bot)s (intent: %(intent)s)") % {
            "bot": _name(d.get("bot")),
            "intent": d.get("intent") or "—",
        }
    if kind in ("sla.warning", "sla.breached"):  # service standards (parlons.sla)
        target = _("first response") if d.get("target") == "first_response" else _("resolution")
        if kind == "sla.warning":
            return _("Service standard at risk: %(target)s due soon") % {"target": target}
        return _("Service standard missed: %(target)s is overdue") % {"target": target}
    if kind == "reminder.set":
        return _("Reminder set")
    if kind == "reminder.cancelled":
        return _("Reminder cancelled")
    if kind == "reminder.due":
        return _("Reminder sent")
    if kind == "contact.profile_changed":  # the platform now gives another name or handle (OPS-1)
        changes = d.get("changes") or {}
        parts = []
        if "display_name" in changes:
            parts.append(
                _("name “%(old)s” → “%(new)s”")
                % {
                    "old": changes["display_name"].get("from", ""),
                    "new": changes["display_name"].get("to", ""),
                }
            )
        if "handle" in changes:
            parts.append(
                _("handle “%(old)s” → “%(new)s”")
                % {"old": changes["handle"].get("from", ""), "new": changes["handle"].get("to", "")}
            )
        return _("The client's profile changed on %(platform)s: %(changes)s") % {
            "platform": _platform(d.get("platform")),
            "changes": "; ".join(parts),
        }
    if kind == "email.forwarded":  # forward to an outside person (parlons.connectors.email)
        return _("Forwarded by e-mail to %(address)s") % {"address": d.get("to", "")}
    if kind == "email.forward_failed":
        return _("The forward to %(address)s could not be sent: %(error)s") % {
            "address": d.get("to", ""),
            "error": d.get("error", ""),
        }
    if kind == "email.forward_answered":
        return _("%(address)s answered the forward (added as an internal note)") % {
            "address": d.get("from", "")
        }
    return kind
