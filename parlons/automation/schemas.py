"""The rule document (OPS-12): its shape (pydantic) and its meaning (operators, values, references).

A rule is stored as JSON::

    {"trigger": "message_received", "hours": null, "match": "all",
     "conditions": [{"field": "text", "op": "contains_any", "value": ["passeport", "passport"]}],
     "actions": [{"type": "add_tags", "value": ["passports"]}, {"type": "set_priority", "value": "high"}]}

``validate_document`` checks the shape with pydantic, then each condition's operator and value and each
action's value (including that the tags, users, teams… it names exist), and returns the normalised document.
Any problem is an ``Invalid`` (400) whose details list every error with the place it was found
(``conditions.0.value``), so a screen or an API client can point at the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from parlons.core.errors import Invalid

MAX_CONDITIONS = 50
MAX_ACTIONS = 20
MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100
MAX_REGEX_LENGTH = 200
MAX_HOURS = 24 * 365
# A group that repeats something that itself repeats (``(a+)+``, ``(\w*)*``): the classic catastrophic
# backtracking shapes, refused so that a pattern cannot stall the event handlers.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

TRIGGERS: dict[str, Any] = {
    "ticket_created": gettext_lazy("Ticket created"),
    "message_received": gettext_lazy("Message received from the client"),
    "reply_sent": gettext_lazy("Reply sent to the client"),
    "note_added": gettext_lazy("Internal note added"),
    "ticket_updated": gettext_lazy("Ticket updated"),
    "sla_warning": gettext_lazy("Service standard about to be breached"),
    "sla_breached": gettext_lazy("Service standard breached"),
    "time_since_update": gettext_lazy("Time since the last update"),
}

# Triggers that carry a text (the message, reply or note) for the "text" condition.
TEXT_TRIGGERS = {"ticket_created", "message_received", "reply_sent", "note_added"}

OPS: dict[str, Any] = {
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is_set": gettext_lazy("is set"),
    "is_empty": gettext_lazy("is empty"),
    "any": gettext_lazy("has any of"),
    "all": gettext_lazy("has all of"),
    "none": gettext_lazy("has none of"),
    "contains_any": gettext_lazy("contains any of the words"),
    "contains_all": gettext_lazy("contains all of the words"),
    "not_contains": gettext_lazy("contains none of the words"),
    "matches": gettext_lazy("matches the pattern"),
    "is": gettext_lazy("is"),
}


@dataclass(frozen=True)
class FieldSpec:
    label: Any
    ops: tuple[str, ...]
    kind: str  # what the value is: see _clean_value


CONDITION_FIELDS: dict[str, FieldSpec] = {
    "channel": FieldSpec(gettext_lazy("Channel"), ("in", "not_in"), "platforms"),
    "channel_group": FieldSpec(gettext_lazy("Channel group"), ("in", "not_in"), "channel_groups"),
    "language": FieldSpec(gettext_lazy("Language"), ("in", "not_in"), "languages"),
    "status": FieldSpec(gettext_lazy("Status"), ("in", "not_in"), "statuses"),
    "priority": FieldSpec(gettext_lazy("Priority"), ("in", "not_in"), "priorities"),
    "tags": FieldSpec(gettext_lazy("Tags"), ("any", "all", "none"), "tags"),
    "text": FieldSpec(
        gettext_lazy("Text of the message, reply or note"),
        ("contains_any", "contains_all", "not_contains", "matches"),
        "text",
    ),
    "contact": FieldSpec(gettext_lazy("Client"), ("is",), "contact"),
    "team": FieldSpec(gettext_lazy("Team"), ("in", "not_in", "is_set", "is_empty"), "teams"),
    "assignee": FieldSpec(gettext_lazy("Assignee"), ("in", "not_in", "is_set", "is_empty"), "users"),
    "business_hours": FieldSpec(gettext_lazy("Business hours"), ("is",), "business_hours"),
}

CONTACT_VALUES: dict[str, Any] = {
    "new": gettext_lazy("new (first ticket)"),
    "returning": gettext_lazy("returning (has written before)"),
}
BUSINESS_HOURS_VALUES: dict[str, Any] = {
    "inside": gettext_lazy("inside business hours"),
    "outside": gettext_lazy("outside business hours"),
}
LANGUAGES: dict[str, Any] = {"en": gettext_lazy("English"), "fr": gettext_lazy("French")}


@dataclass(frozen=True)
class ActionSpec:
    label: Any
    kind: str
    contract: str = ""  # a module another area provides; the action is offered only once it exists


ACTIONS: dict[str, ActionSpec] = {
    "add_tags": ActionSpec(gettext_lazy("Add tags"), "tags"),
    "remove_tags": ActionSpec(gettext_lazy("Remove tags"), "tags"),
    "assign_agent": ActionSpec(gettext_lazy("Assign to an agent"), "user"),
    "assign_team": ActionSpec(gettext_lazy("Assign to a team"), "team"),
    "set_priority": ActionSpec(gettext_lazy("Set the priority"), "priority"),
    "set_status": ActionSpec(gettext_lazy("Set the status"), "status"),
    "mark_spam": ActionSpec(gettext_lazy("Mark as spam"), "none"),
    "add_note": ActionSpec(gettext_lazy("Add an internal note"), "body"),
    "add_to_tracker": ActionSpec(gettext_lazy("Add to a tracker"), "tracker"),
    "send_canned_reply": ActionSpec(
        gettext_lazy("Send a canned reply"), "canned", "parlons.tickets.models.CannedResponse"
    ),
    "notify": ActionSpec(
        gettext_lazy("Notify people by e-mail"), "users", "parlons.notifications.services.notify"
    ),
    "webhook": ActionSpec(
        gettext_lazy("Call an outgoing webhook"), "endpoint", "parlons.integrations.services.queue_delivery"
    ),
}


def contract_available(path: str) -> bool:
    """Whether ``module.attribute`` (another area's contract) exists in this build."""
    if not path:
        return True
    import importlib

    module_name, _dot, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    return hasattr(module, attr)


def available_actions() -> dict[str, ActionSpec]:
    return {key: spec for key, spec in ACTIONS.items() if contract_available(spec.contract)}


# --- shape ----------------------------------------------------------------------------------------
class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(..., max_length=40)
    op: str = Field(..., max_length=40)
    value: Any = None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(..., max_length=40)
    value: Any = None


class RuleDocument(BaseModel):
    """A rule as JSON (what the API takes and returns, what the database stores)."""

    model_config = ConfigDict(extra="forbid")
    trigger: str = Field(..., max_length=40)
    hours: int | None = Field(None, description="For trigger time_since_update: hours without any update")
    match: Literal["all", "any"] = "all"
    conditions: list[ConditionIn] = Field(default_factory=list)
    actions: list[ActionIn] = Field(default_factory=list)


# --- meaning --------------------------------------------------------------------------------------
class _Errors:
    def __init__(self):
        self.items: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.items.append({"field": where, "message": str(message)})


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    return [value]


def _ints(value, where: str, errors: _Errors) -> list[int]:
    out = []
    for item in _as_list(value):
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            errors.add(where, _("“%(value)s” is not a number.") % {"value": item})
    return list(dict.fromkeys(out))


def _choices(value, allowed, where: str, errors: _Errors) -> list[str]:
    out = [str(v).strip() for v in _as_list(value)]
    bad = [v for v in out if v not in allowed]
    if bad:
        errors.add(
            where,
            _("Unknown values: %(values)s. Allowed: %(allowed)s")
            % {"values": ", ".join(bad), "allowed": ", ".join(allowed)},
        )
    return list(dict.fromkeys(v for v in out if v in allowed))


def _existing(model, ids: list[int], where: str, errors: _Errors, message: str, **filters) -> None:
    if not ids:
        return
    found = set(model.objects.filter(pk__in=ids, **filters).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        errors.add(where, message % {"ids": ", ".join(missing)})


def _tag_slugs(value, where: str, errors: _Errors, *, for_adding: bool = False) -> list[str]:
    from parlons.tickets.models import Tag

    slugs = list(dict.fromkeys(str(v).strip() for v in _as_list(value) if str(v).strip()))
    found = {t.slug: t for t in Tag.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        errors.add(where, _("Unknown tags: %(tags)s") % {"tags": ", ".join(missing)})
    if for_adding:
        archived = [s for s, t in found.items() if t.is_archived]
        if archived:
            errors.add(where, _("Archived tags cannot be added: %(tags)s") % {"tags": ", ".join(archived)})
    return slugs


def check_pattern(pattern: str) -> str | None:
    """Why a regular expression is refused, or None: too long, unsafe shape, or not valid."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return _("The pattern is longer than %(max)s characters.") % {"max": MAX_REGEX_LENGTH}
    if _NESTED_QUANTIFIER.search(pattern):
        return _("The pattern repeats a group that itself repeats (such as (a+)+); write it more simply.")
    try:
        re.compile(pattern)
    except re.error as exc:
        return _("The pattern is not a valid regular expression: %(error)s") % {"error": exc}
    return None


def _keywords(value, where: str, errors: _Errors) -> list[str]:
    words = [str(v).strip() for v in _as_list(value)]
    words = list(dict.fromkeys(w for w in words if w))
    if not words:
        errors.add(where, _("Give at least one word."))
    if len(words) > MAX_KEYWORDS:
        errors.add(where, _("At most %(max)s words.") % {"max": MAX_KEYWORDS})
    long_ones = [w for w in words if len(w) > MAX_KEYWORD_LENGTH]
    if long_ones:
        errors.add(where, _("A word is longer than %(max)s characters.") % {"max": MAX_KEYWORD_LENGTH})
    return words


def _clean_condition(cond: ConditionIn, where: str, errors: _Errors) -> dict:
    from parlons.accounts.models import Team, User
    from parlons.tickets.models import ChannelGroup, Platform, Ticket

    spec = CONDITION_FIELDS.get(cond.field)
    if spec is None:
        errors.add(
            f"{where}.field",
            _("Unknown condition “%(value)s”. Allowed: %(allowed)s")
            % {"value": cond.field, "allowed": ", ".join(CONDITION_FIELDS)},
        )
        return cond.model_dump()
    if cond.op not in spec.ops:
        errors.add(
            f"{where}.op",
            _("The condition “%(field)s” takes the operators %(allowed)s, not “%(value)s”.")
            % {"field": cond.field, "allowed": ", ".join(spec.ops), "value": cond.op},
        )
        return cond.model_dump()
    vwhere = f"{where}.value"
    value: Any = None
    if cond.op in ("is_set", "is_empty"):
        value = None
    elif spec.kind == "platforms":
        value = _choices(cond.value, Platform.values, vwhere, errors)
    elif spec.kind == "languages":
        value = _choices(cond.value, list(LANGUAGES), vwhere, errors)
    elif spec.kind == "statuses":
        value = _choices(cond.value, Ticket.Status.values, vwhere, errors)
    elif spec.kind == "priorities":
        value = _choices(cond.value, Ticket.Priority.values, vwhere, errors)
    elif spec.kind == "channel_groups":
        value = _ints(cond.value, vwhere, errors)
        _existing(ChannelGroup, value, vwhere, errors, _("No such channel group: %(ids)s"))
    elif spec.kind == "teams":
        value = _ints(cond.value, vwhere, errors)
        _existing(Team, value, vwhere, errors, _("No such team: %(ids)s"))
    elif spec.kind == "users":
        value = _ints(cond.value, vwhere, errors)
        _existing(User, value, vwhere, errors, _("No such user: %(ids)s"))
    elif spec.kind == "tags":
        value = _tag_slugs(cond.value, vwhere, errors)
    elif spec.kind == "text":
        if cond.op == "matches":
            value = str(cond.value or "").strip() if not isinstance(cond.value, list) else ""
            problem = _("Give a pattern.") if not value else check_pattern(value)
            if problem:
                errors.add(vwhere, problem)
        else:
            value = _keywords(cond.value, vwhere, errors)
    elif spec.kind == "contact":
        value = str(cond.value or "")
        if value not in CONTACT_VALUES:
            errors.add(vwhere, _("Choose “new” or “returning”."))
    elif spec.kind == "business_hours":
        value = str(cond.value or "")
        if value not in BUSINESS_HOURS_VALUES:
            errors.add(vwhere, _("Choose “inside” or “outside”."))
    already = any(e["field"] == vwhere for e in errors.items)
    if isinstance(value, list) and not value and cond.op not in ("is_set", "is_empty") and not already:
        errors.add(vwhere, _("Choose at least one value."))
    return {"field": cond.field, "op": cond.op, "value": value}


def _clean_action(action: ActionIn, where: str, errors: _Errors) -> dict:
    from parlons.accounts.models import Team, User
    from parlons.tickets.models import Ticket, Tracker

    spec = ACTIONS.get(action.type)
    if spec is None:
        errors.add(
            f"{where}.type",
            _("Unknown action “%(value)s”. Allowed: %(allowed)s")
            % {"value": action.type, "allowed": ", ".join(available_actions())},
        )
        return action.model_dump()
    if not contract_available(spec.contract):
        errors.add(
            f"{where}.type",
            _("The action “%(value)s” is not available in this installation.") % {"value": action.type},
        )
        return action.model_dump()
    vwhere = f"{where}.value"
    value: Any = None

    def one_id(model, message):
        ids = _ints(action.value, vwhere, errors)
        if len(ids) != 1:
            if not any(e["field"] == vwhere for e in errors.items):
                errors.add(vwhere, _("Choose exactly one."))
            return None
        _existing(model, ids, vwhere, errors, message)
        return ids[0]

    if spec.kind == "tags":
        value = _tag_slugs(action.value, vwhere, errors, for_adding=action.type == "add_tags")
        if not value and not any(e["field"] == vwhere for e in errors.items):
            errors.add(vwhere, _("Choose at least one tag."))
    elif spec.kind == "user":
        value = one_id(User, _("No such user: %(ids)s"))
        if value is not None and not User.objects.filter(pk=value, is_active=True).exists():
            errors.add(vwhere, _("This user is not active."))
    elif spec.kind == "team":
        value = one_id(Team, _("No such team: %(ids)s"))
    elif spec.kind == "priority":
        value = str(action.value or "")
        if value not in Ticket.Priority.values:
            errors.add(vwhere, _("Unknown priority “%(value)s”.") % {"value": value})
    elif spec.kind == "status":
        value = str(action.value or "")
        if value not in Ticket.Status.values:
            errors.add(vwhere, _("Unknown status “%(value)s”.") % {"value": value})
    elif spec.kind == "none":
        value = None
    elif spec.kind == "body":
        value = str(action.value or "").strip()
        if not value:
            errors.add(vwhere, _("Write the text of the note."))
        elif len(value) > 5000:
            errors.add(vwhere, _("The note is longer than %(max)s characters.") % {"max": 5000})
    elif spec.kind == "tracker":
        value = one_id(Tracker, _("No such tracker: %(ids)s"))
    elif spec.kind == "canned":
        from parlons.tickets.models import CannedResponse

        value = one_id(CannedResponse, _("No such canned response: %(ids)s"))
    elif spec.kind == "users":
        value = _ints(action.value, vwhere, errors)
        _existing(User, value, vwhere, errors, _("No such user: %(ids)s"))
        if not value and not any(e["field"] == vwhere for e in errors.items):
            errors.add(vwhere, _("Choose at least one person."))
    elif spec.kind == "endpoint":
        from parlons.integrations.models import WebhookEndpoint

        value = one_id(WebhookEndpoint, _("No such webhook endpoint: %(ids)s"))
    return {"type": action.type, "value": value}


def validate_document(data: Any) -> dict:
    """The normalised rule document, or ``Invalid`` listing every problem (REQ OPS-12)."""
    if not isinstance(data, dict):
        raise Invalid(_("A rule is a JSON object."), code="invalid_rule")
    try:
        doc = RuleDocument.model_validate(data)
    except PydanticError as exc:
        items = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = items[0]
        raise Invalid(
            _("Invalid rule: %(field)s: %(message)s") % first, code="invalid_rule", details={"errors": items}
        )
    errors = _Errors()
    if doc.trigger not in TRIGGERS:
        errors.add(
            "trigger",
            _("Unknown trigger “%(value)s”. Allowed: %(allowed)s")
            % {"value": doc.trigger, "allowed": ", ".join(TRIGGERS)},
        )
    hours = doc.hours
    if doc.trigger == "time_since_update":
        if hours is None or not 1 <= hours <= MAX_HOURS:
            errors.add("hours", _("Give a number of hours between 1 and %(max)s.") % {"max": MAX_HOURS})
    else:
        hours = None
    if len(doc.conditions) > MAX_CONDITIONS:
        errors.add("conditions", _("At most %(max)s conditions.") % {"max": MAX_CONDITIONS})
    if not doc.actions:
        errors.add("actions", _("Add at least one action."))
    if len(doc.actions) > MAX_ACTIONS:
        errors.add("actions", _("At most %(max)s actions.") % {"max": MAX_ACTIONS})
    conditions = [
        _clean_condition(c, f"conditions.{i}", errors) for i, c in enumerate(doc.conditions[:MAX_CONDITIONS])
    ]
    if doc.trigger not in TEXT_TRIGGERS and any(c.get("field") == "text" for c in conditions):
        errors.add(
            "conditions",
            _("The text condition needs a trigger with a text: a message, a reply, a note or a new ticket."),
        )
    actions = [_clean_action(a, f"actions.{i}", errors) for i, a in enumerate(doc.actions[:MAX_ACTIONS])]
    if errors.items:
        first = errors.items[0]
        raise Invalid(
            _("Invalid rule: %(field)s: %(message)s") % first,
            code="invalid_rule",
            details={"errors": errors.items},
        )
    return {
        "trigger": doc.trigger,
        "hours": hours,
        "match": doc.match,
        "conditions": conditions,
        "actions": actions,
    }
