"""Small template helpers for the web workspace: dates in the reader's language and time zone, the other
official language for the language switch.

Dates follow UI.md: fr-CA ``22 nov. 2026, 14 h 05`` and en-CA ``Nov 22, 2026, 2:05 p.m.``, in the time zone of
the signed-in user (default America/Toronto). Django's own ``fr`` formats and month abbreviations differ from
Canadian usage (``22 novembre 2026 14:05``, ``déc``), so the two patterns are written out here.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()

# Abbreviations of the Office québécois de la langue française and the Canada.ca style guide.
_FR_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juill.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
# The Canadian Press short forms used by en-CA dates ("Nov 22, 2026").
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NBSP = "\u00a0"

# The own name of each official language, shown on the switch in that language (never translated).
_LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def _is_french(language: str | None) -> bool:
    return (language or "").lower().startswith("fr")


def user_time_zone(user) -> dt.tzinfo:
    """The reader's time zone: their profile's, else the install default (America/Toronto)."""
    name = getattr(user, "time_zone", "") if getattr(user, "is_authenticated", False) else ""
    for candidate in (name, settings.PARLONS_DEFAULT_USER_TIME_ZONE):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


def format_datetime(value: dt.datetime, language: str | None = None) -> str:
    """``22 nov. 2026, 14 h 05`` (French) or ``Nov 22, 2026, 2:05 p.m.`` (English); value already local."""
    if _is_french(language or get_language()):
        return (
            f"{value.day} {_FR_MONTHS[value.month - 1]} {value.year}, "
            f"{value.hour}{_NBSP}h{_NBSP}{value.minute:02d}"
        )
    hour = value.hour % 12 or 12
    meridiem = "a.m." if value.hour < 12 else "p.m."
    return (
        f"{_EN_MONTHS[value.month - 1]} {value.day}, {value.year}, {hour}:{value.minute:02d}{_NBSP}{meridiem}"
    )


def _localize(value, user) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(user_time_zone(user))


@register.filter
def local_datetime(value, user=None):
    """The date and time as text in the active language and the user's time zone: ``{{ d|local_datetime:user }}``."""
    local = _localize(value, user)
    return "" if local is None else format_datetime(local)


@register.simple_tag(takes_context=True)
def local_time(context, value):
    """A ``<time datetime="…">`` element with the machine-readable instant and the reader's local wording."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    local = _localize(value, user)
    if local is None:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(timespec="seconds"), format_datetime(local)
    )


@register.simple_tag
def other_language(language_code: str | None = None) -> dict[str, str]:
    """The official language the switch offers: its code and its own name (``Français`` on English pages)."""
    code = "en" if _is_french(language_code or get_language()) else "fr"
    return {"code": code, "name": _LANGUAGE_NAMES[code]}


@register.filter
def minutes(value) -> int:
    """Whole minutes of a timedelta (rounded up, at least 1): for "try again in N minutes"."""
    if not isinstance(value, dt.timedelta):
        return 0
    seconds = max(0, int(value.total_seconds()))
    return max(1, -(-seconds // 60))


def elapsed_text(seconds: int, language: str | None = None) -> str:
    """How long something has been open, compactly: ``2 h 14 min``, ``3 d 2 h`` (``3 j 2 h`` in French).
    static/parlons/js/timers.js writes the same wording as the time passes."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    mins = rest // 60
    day = "j" if _is_french(language or get_language()) else "d"
    if days:
        return f"{days}{_NBSP}{day} {hours}{_NBSP}h"
    if hours:
        return f"{hours}{_NBSP}h {mins}{_NBSP}min"
    return f"{mins}{_NBSP}min"


@register.simple_tag(takes_context=True)
def open_time(context, value):
    """``<time>`` with the exact instant (tooltip, ``datetime``) and the live elapsed time (OPS-8)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    local = _localize(value, user)
    if local is None:
        return ""
    seconds = (timezone.now() - local).total_seconds()
    return format_html(
        '<time class="elapsed" datetime="{}" title="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        format_datetime(local),
        elapsed_text(seconds),
    )


@register.filter
def sla_state(ticket) -> str:
    """``overdue``, ``soon`` (within an hour) or ``ok``; empty when the ticket has no service standard."""
    due = getattr(ticket, "sla_due_at", None)
    if due is None:
        return ""
    left = (due - timezone.now()).total_seconds()
    if left < 0:
        return "overdue"
    return "soon" if left < 3600 else "ok"


@register.simple_tag(takes_context=True)
def local_day(context, value):
    """The day of ``value`` in the reader's time zone and language: ``22 nov. 2026`` / ``Nov 22, 2026``."""
    request = context.get("request")
    local = _localize(value, getattr(request, "user", None) or context.get("user"))
    if local is None:
        return ""
    if _is_french(get_language()):
        return f"{local.day} {_FR_MONTHS[local.month - 1]} {local.year}"
    return f"{_EN_MONTHS[local.month - 1]} {local.day}, {local.year}"
