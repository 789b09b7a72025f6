"""Who wants what: each person's own preferences (channels per kind, mute, "do not disturb") and the e-mails
the system sends at all, chosen by administrators."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.core.event_types import NotificationSettingsChanged
from parlons.core.events import publish
from parlons.notifications.models import Kind, Notification, Preference, SystemEmailSettings

KINDS = tuple(Kind.values)
# What a person gets when they have not chosen: desktop for everything, e-mail except for each client reply.
DEFAULT_CHANNELS = {kind: {"email": kind != Kind.TICKET_REPLIED, "desktop": True} for kind in KINDS}
# Kinds a person may tune on the preferences screen (broadcasts always reach everyone).
TUNABLE_KINDS = tuple(k for k in KINDS if k != Kind.BROADCAST)


def preference_for(user) -> Preference:
    pref, _created = Preference.objects.get_or_create(user=user)
    return pref


def system_settings() -> SystemEmailSettings:
    obj, _created = SystemEmailSettings.objects.get_or_create(pk=1)
    return obj


def channels_for(pref: Preference, kind: str) -> dict[str, bool]:
    chosen = (pref.channels or {}).get(kind) or {}
    default = DEFAULT_CHANNELS.get(kind, {"email": True, "desktop": True})
    return {key: bool(chosen.get(key, default[key])) for key in ("email", "desktop")}


def is_quiet(pref: Preference, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return pref.muted or bool(pref.dnd_until and pref.dnd_until > now)


def update_preferences(
    user,
    *,
    actor,
    channels: dict[str, dict[str, bool]] | None = None,
    muted: bool | None = None,
    dnd_until: datetime | None | str = "keep",
) -> Preference:
    """A person changes their own preferences (nobody else may)."""
    if getattr(actor, "pk", None) != user.pk:
        from parlons.core.errors import Forbidden

        raise Forbidden(_("You can only change your own notification preferences."))
    with atomic():
        pref = Preference.objects.select_for_update().get(pk=preference_for(user).pk)
        if channels is not None:
            unknown = sorted(set(channels) - set(TUNABLE_KINDS))
            if unknown:
                raise Invalid(_("Unknown notification kind “%(kind)s”.") % {"kind": unknown[0]})
            pref.channels = {
                kind: {"email": bool(v.get("email")), "desktop": bool(v.get("desktop"))}
                for kind, v in channels.items()
            }
        if muted is not None:
            pref.muted = bool(muted)
        if dnd_until != "keep":
            if dnd_until is not None and timezone.is_naive(dnd_until):
                raise Invalid(_("The “do not disturb” time needs a time zone."))
            pref.dnd_until = dnd_until
        pref.save()
    return pref


def update_system_settings(
    *,
    actor,
    via: str = "web",
    sla_reminders: bool | None = None,
    auto_assigned: bool | None = None,
    bot_triaged: bool | None = None,
    digest_minutes: int | None = None,
) -> SystemEmailSettings:
    """Administrators choose which e-mails the system sends (OPS-7). Needs system.admin."""
    require(actor, ADMIN)
    if digest_minutes is not None and not 1 <= int(digest_minutes) <= 24 * 60:
        raise Invalid(_("The digest interval must be between 1 and 1440 minutes."))
    with atomic():
        obj = system_settings()
        for name, value in (
            ("sla_reminders", sla_reminders),
            ("auto_assigned", auto_assigned),
            ("bot_triaged", bot_triaged),
        ):
            if value is not None:
                setattr(obj, name, bool(value))
        if digest_minutes is not None:
            obj.digest_minutes = int(digest_minutes)
        obj.updated_by = actor_user(actor)
        obj.save()
        publish(NotificationSettingsChanged(actor_id=getattr(actor, "pk", None), via=via))
    return obj


def _system_allows_email(kind: str, n: Notification, sysset: SystemEmailSettings) -> bool:
    if kind in (Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.REMINDER_DUE):
        return sysset.sla_reminders
    if kind == Kind.HANDOFF_TRIAGED:
        return sysset.bot_triaged
    if kind == Kind.TICKET_ASSIGNED and (n.actor_id is None or n.context.get("automatic")):
        return sysset.auto_assigned
    return True
