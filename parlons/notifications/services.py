"""Notifications (OPS-7, OPS-13, DOC-3): the one way the rest of Parlons tells a person something.

``notify(recipients, kind, context=..., ticket=..., actor=...)`` stores one ``Notification`` per recipient in the
caller's transaction; after the commit each one is delivered per the recipient's preferences: pushed to their
open browsers (websocket group ``user.<id>``) and/or e-mailed in their language. E-mails are batched: the first
goes at once, the rest wait for one digest per user per ``digest_minutes`` (``jobs.py``), so nobody gets 100
mails in a minute. Mute silences desktop and e-mail; "do not disturb until" silences the desktop and holds the
e-mails until it ends.

The e-mail helpers (``render_email``, ``send_templated_email``) are shared by every area that sends mail: each
message is rendered from ``<base>_subject.txt``, ``<base>.txt`` and ``<base>.html`` in the recipient's language.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import BroadcastCreated, BroadcastEnded, NotificationSettingsChanged
from parlons.core.events import publish
from parlons.notifications.models import Broadcast, Kind, Notification, Preference, SystemEmailSettings

logger = logging.getLogger(__name__)

KINDS = tuple(Kind.values)
# What a person gets when they have not chosen: desktop for everything, e-mail except for each client reply.
DEFAULT_CHANNELS = {kind: {"email": kind != Kind.TICKET_REPLIED, "desktop": True} for kind in KINDS}
# Kinds a person may tune on the preferences screen (broadcasts always reach everyone).
TUNABLE_KINDS = tuple(k for k in KINDS if k != Kind.BROADCAST)
MAX_DIGEST_ITEMS = 100
DELIVER_INLINE_MAX = 50  # more recipients than this: delivered by background tasks in batches


# --- e-mail rendering (shared by every area) ------------------------------------------------------
def render_email(template_base: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Render ``<base>_subject.txt``, ``<base>.txt`` and ``<base>.html`` in ``language``.
    Returns (subject on one line, plain text, HTML)."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    ctx = {"site_url": site_url(), "language": language, **context}
    with translation.override(language):
        subject = render_to_string(f"{template_base}_subject.txt", ctx)
        text = render_to_string(f"{template_base}.txt", ctx)
        html = render_to_string(f"{template_base}.html", ctx)
    subject = " ".join(subject.split())
    return subject, text, html


def send_templated_email(
    to: str | Iterable[str],
    template_base: str,
    context: dict[str, Any],
    language: str,
    *,
    headers: dict[str, str] | None = None,
    attachments: Iterable[tuple[str, bytes, str]] | None = None,
    from_email: str | None = None,
) -> int:
    """Render a bilingual template in ``language`` and send it through Django's e-mail backend.
    ``attachments`` are (filename, content, mimetype). Returns how many messages were sent (0 or 1)."""
    recipients = [to] if isinstance(to, str) else [addr for addr in to if addr]
    if not recipients:
        return 0
    subject, text, html = render_email(template_base, context, language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    return message.send()


def site_url() -> str:
    """The address people open Parlons at, for links in e-mails."""
    return (getattr(settings, "PARLONS_BASE_URL", "") or os.environ.get("PARLONS_BASE_URL", "")).rstrip(
        "/"
    ) or "http://localhost:8000"


# --- notify ---------------------------------------------------------------------------------------
def _reachable(users) -> list:
    """Only people who can read their notifications: active, not locked, not bots; each once."""
    seen: dict[int, Any] = {}
    for user in users:
        if user is None or getattr(user, "pk", None) is None or user.pk in seen:
            continue
        if not user.is_active or getattr(user, "is_bot", False) or getattr(user, "locked_at", None):
            continue
        seen[user.pk] = user
    return list(seen.values())


def _plain(context: dict | None) -> dict:
    return json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))


def notify(recipients, kind: str, *, context: dict | None = None, ticket=None, actor=None) -> int:
    """Tell each recipient about ``kind`` (see ``Kind``). Stores one row per reachable recipient in the caller's
    transaction and delivers after the commit (desktop push, e-mail or digest per preferences).
    ``recipients``: users or user ids. ``context``: JSON-able data (ticket id/subject/link, due_at, rule name,
    message text…). ``actor``: the user who caused it (``SYSTEM``/None for the platform). Returns rows made."""
    if kind not in KINDS:
        raise Invalid(_("Unknown notification kind “%(kind)s”.") % {"kind": kind})
    from parlons.accounts.models import User

    recipients = list(recipients or [])
    ids = [r for r in recipients if isinstance(r, int)]
    users = [r for r in recipients if not isinstance(r, int)]
    if ids:
        users += list(User.objects.filter(pk__in=ids))
    users = _reachable(users)
    if ticket is not None:  # nobody is told about a ticket they may not see (the visibility root)
        from parlons.tickets.selectors import users_who_may_see

        users = users_who_may_see(ticket, users)
    if not users:
        return 0
    data = _plain(context)
    ticket_obj = None
    if ticket is not None:
        from parlons.tickets.models import Ticket

        ticket_obj = ticket if isinstance(ticket, Ticket) else Ticket.objects.filter(pk=ticket).first()
        if ticket_obj is not None:
            data.setdefault("ticket_id", ticket_obj.pk)
            data.setdefault("subject", ticket_obj.subject)
    author = actor_user(actor) if actor is not None else None
    author = author if getattr(author, "pk", None) else None
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind=kind, context=data, ticket=ticket_obj, actor=author)
            for user in users
        ]
    )
    row_ids = [row.pk for row in rows]
    if None in row_ids:  # backends that do not return ids from bulk_create
        row_ids = list(
            Notification.objects.filter(recipient__in=users, kind=kind)
            .order_by("-id")
            .values_list("pk", flat=True)[: len(users)]
        )
    if len(row_ids) > DELIVER_INLINE_MAX:  # e.g. a broadcast: do not hold the request for every recipient
        transaction.on_commit(lambda: _enqueue_delivery(row_ids), robust=True)
    else:
        transaction.on_commit(lambda: deliver(row_ids), robust=True)
    return len(rows)


def _enqueue_delivery(row_ids: list[int]) -> None:
    from parlons.notifications.tasks import deliver_notifications

    for start in range(0, len(row_ids), DELIVER_INLINE_MAX):
        deliver_notifications.enqueue(row_ids[start : start + DELIVER_INLINE_MAX])


# --- preferences ----------------------------------------------------------------------------------
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


# --- describing a notification (in the current language) ------------------------------------------
def describe(n: Notification) -> dict[str, str]:
    """Title, body and link of a notification, in the active language."""
    c = n.context or {}
    tid = c.get("ticket_id") or n.ticket_id
    actor = c.get("actor_name") or (n.actor.display_name if n.actor_id and n.actor else "")
    params = {"id": tid, "actor": actor, "rule": c.get("rule", ""), "report": c.get("report", "")}
    title = ""
    if n.kind == Kind.TICKET_ASSIGNED:
        title = _("Ticket #%(id)s was assigned to you") % params
    elif n.kind == Kind.TICKET_REPLIED:
        title = _("The client wrote again on ticket #%(id)s") % params
    elif n.kind == Kind.NOTE_MENTION:
        title = (
            _("%(actor)s mentioned you in a note on ticket #%(id)s") % params
            if actor
            else _("You were mentioned in a note on ticket #%(id)s") % params
        )
    elif n.kind == Kind.SLA_WARNING:
        title = _("Ticket #%(id)s is about to miss its service standard") % params
    elif n.kind == Kind.SLA_BREACHED:
        title = _("Ticket #%(id)s missed its service standard") % params
    elif n.kind == Kind.REMINDER_DUE:
        title = _("Reminder about ticket #%(id)s") % params if tid else _("Reminder")
    elif n.kind == Kind.RULE_NOTIFY:
        title = _("Rule “%(rule)s” on ticket #%(id)s") % params if tid else _("Rule “%(rule)s”") % params
    elif n.kind == Kind.HANDOFF_TRIAGED:
        title = _("The chatbot handed over ticket #%(id)s") % params
    elif n.kind == Kind.REPORT_SCHEDULED:
        title = _("Your scheduled report “%(report)s” is ready") % params
    elif n.kind == Kind.BROADCAST:
        bkind = c.get("broadcast_kind")
        title = str(Broadcast.Kind(bkind).label) if bkind in Broadcast.Kind.values else _("Announcement")
    if not title or (tid is None and "#None" in title):
        title = str(Kind(n.kind).label)
    parts = [str(c.get(key)) for key in ("message", "excerpt", "note", "subject") if c.get(key)]
    due = _when(c.get("due_at"), n.recipient)
    if due and n.kind in (Kind.SLA_WARNING, Kind.SLA_BREACHED):
        if c.get("target") == "first_response":
            parts.append(_("First response due %(time)s") % {"time": due})
        elif c.get("target") == "resolution":
            parts.append(_("Resolution due %(time)s") % {"time": due})
        else:
            parts.append(_("Due %(time)s") % {"time": due})
    body = " — ".join(dict.fromkeys(parts))
    link = c.get("link") or ""
    if not link and tid:
        link = reverse("ticket", args=[tid])
    return {"title": title, "body": body, "link": link}


def _when(value, user) -> str:
    """A time from the context, in the recipient's time zone and the active language's format."""
    from zoneinfo import ZoneInfo

    from django.utils.formats import date_format

    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except Exception:
        zone = ZoneInfo(settings.TIME_ZONE)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")


# --- delivery (after the commit) ------------------------------------------------------------------
def deliver(notification_ids: list[int]) -> None:
    """Push and/or e-mail each notification per its recipient's preferences. Runs after the commit."""
    now = timezone.now()
    sysset = system_settings()
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("recipient", "actor")
    for n in notes:
        try:
            _deliver_one(n, sysset, now)
        except Exception:  # one person's delivery must not stop the others
            logger.exception("notification %s could not be delivered", n.pk)


def _deliver_one(n: Notification, sysset: SystemEmailSettings, now: datetime) -> None:
    user = n.recipient
    pref = preference_for(user)
    wants = channels_for(pref, n.kind)
    quiet = is_quiet(pref, now)
    if n.kind == Kind.BROADCAST:
        # An announcement to all users: always e-mailed once, on its own, whatever the preferences.
        if not quiet:
            push(n)
        if user.email:
            Notification.objects.filter(pk=n.pk).update(email_state=Notification.Email.SENT, emailed_at=now)
            _enqueue_email(n.pk)
        return
    if wants["desktop"] and not quiet:
        push(n)
    if not wants["email"] or pref.muted or not user.email or not _system_allows_email(n.kind, n, sysset):
        return
    window = timedelta(minutes=sysset.digest_minutes)
    with atomic():
        pref = Preference.objects.select_for_update().get(pk=pref.pk)
        in_dnd = bool(pref.dnd_until and pref.dnd_until > now)
        if not in_dnd and (pref.last_email_at is None or now - pref.last_email_at >= window):
            pref.last_email_at = now
            pref.save(update_fields=["last_email_at"])
            Notification.objects.filter(pk=n.pk).update(email_state=Notification.Email.SENT, emailed_at=now)
            send_now = True
        else:
            Notification.objects.filter(pk=n.pk).update(email_state=Notification.Email.QUEUED)
            send_now = False
    if send_now:
        _enqueue_email(n.pk)


def _enqueue_email(notification_id: int) -> None:
    from parlons.notifications.tasks import send_notification_email

    send_notification_email.enqueue(notification_id)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def push(n: Notification) -> None:
    """Send a small payload to the recipient's own websocket group (never to anyone else)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from parlons.core.realtime import user_group

    layer = get_channel_layer()
    if layer is None:
        return
    with translation.override(n.recipient.language or settings.LANGUAGE_CODE):
        text = describe(n)
    payload = {
        "type": "notification",
        "notification": n.pk,
        "kind": n.kind,
        "title": text["title"],
        "body": text["body"][:300],
        "link": text["link"],
        "unread": unread_count(n.recipient),
    }
    try:
        async_to_sync(layer.group_send)(
            user_group(n.recipient_id), {"type": "domain.event", "payload": payload}
        )
        Notification.objects.filter(pk=n.pk).update(pushed=True)
    except Exception:
        logger.warning("desktop push of notification %s failed", n.pk, exc_info=True)


def send_email_for(notification_id: int) -> int:
    """Render and send the e-mail of one notification in its recipient's language (the task's work)."""
    n = Notification.objects.select_related("recipient", "actor").filter(pk=notification_id).first()
    if n is None or not n.recipient.email:
        return 0
    language = n.recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = describe(n)
    base = "notifications/email/broadcast" if n.kind == Kind.BROADCAST else "notifications/email/notification"
    context = {
        "user": n.recipient,
        "notification": n,
        "title": text["title"],
        "body": text["body"],
        "link": site_url() + text["link"] if text["link"].startswith("/") else text["link"],
        "context": n.context,
        "preferences_link": site_url() + reverse("notification_preferences"),
    }
    if n.kind == Kind.BROADCAST:
        context["starts_at"] = parse_datetime(n.context.get("starts_at") or "")
        context["ends_at"] = parse_datetime(n.context.get("ends_at") or "")
    headers = {"X-Parlons-Notification": n.kind}
    return send_templated_email(n.recipient.email, base, context, language, headers=headers)


def send_digest_for(user_id: int, notification_ids: list[int]) -> int:
    """One e-mail gathering the notifications that waited (the digest task's work)."""
    from parlons.accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return 0
    items = list(
        Notification.objects.filter(pk__in=notification_ids, recipient=user)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    if not items:
        return 0
    language = user.language or settings.LANGUAGE_CODE
    rows = []
    with translation.override(language):
        for n in items:
            text = describe(n)
            link = site_url() + text["link"] if text["link"].startswith("/") else text["link"]
            rows.append({**text, "link": link, "created_at": n.created_at})
    context = {
        "user": user,
        "items": rows,
        "count": len(rows),
        "preferences_link": site_url() + reverse("notification_preferences"),
    }
    return send_templated_email(
        user.email,
        "notifications/email/digest",
        context,
        language,
        headers={"X-Parlons-Notification": "digest"},
    )


def run_digests(now: datetime | None = None) -> int:
    """Gather each person's waiting e-mails into one digest when their window has passed (and DND is over).
    Returns how many digests were enqueued. Called by the periodic job."""
    from parlons.notifications.tasks import send_digest

    now = now or timezone.now()
    window = timedelta(minutes=system_settings().digest_minutes)
    user_ids = list(
        Notification.objects.filter(email_state=Notification.Email.QUEUED)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in user_ids:
        with atomic():
            pref = Preference.objects.select_for_update().filter(user_id=user_id).first()
            if pref is None:
                continue
            queued = Notification.objects.filter(recipient_id=user_id, email_state=Notification.Email.QUEUED)
            if pref.muted:
                queued.update(email_state=Notification.Email.NONE)
                continue
            if pref.dnd_until and pref.dnd_until > now:
                continue
            if pref.last_email_at and now - pref.last_email_at < window:
                continue
            ids = list(queued.order_by("created_at", "id").values_list("pk", flat=True)[:MAX_DIGEST_ITEMS])
            Notification.objects.filter(pk__in=ids).update(
                email_state=Notification.Email.DIGESTED, emailed_at=now
            )
            pref.last_email_at = now
            pref.save(update_fields=["last_email_at"])
            transaction.on_commit(lambda u=user_id, i=ids: send_digest.enqueue(u, i))
            sent += 1
    return sent


# --- the in-page list -----------------------------------------------------------------------------
def mark_read(user, *, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications as read (all of them when ``ids`` is None)."""
    if getattr(actor, "pk", None) != getattr(user, "pk", None):
        raise NotFound()
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        clean = []
        for value in ids:
            try:
                clean.append(int(value))
            except (TypeError, ValueError):
                raise Invalid(_("Unknown notification."))
        qs = qs.filter(pk__in=clean)
    return qs.update(read_at=timezone.now())


# --- broadcasts (DOC-3) ---------------------------------------------------------------------------
PLANNED_NOTICE = timedelta(hours=48)


def create_broadcast(
    *,
    actor,
    via: str = "web",
    kind: str,
    message: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Broadcast:
    """An administrator announces a problem or an outage to all users: one e-mail each, in their language, and
    a banner on every page until it ends. Planned outages must be announced at least 48 hours ahead."""
    require(actor, ADMIN)
    from parlons.accounts.models import User

    now = timezone.now()
    message = (message or "").strip()
    if kind not in Broadcast.Kind.values:
        raise Invalid(_("Choose the kind of announcement."), details={"field": "kind"})
    if not message:
        raise Invalid(_("Write the message to send."), details={"field": "message"})
    if len(message) > 5000:
        raise Invalid(_("The message is too long (5,000 characters at most)."), details={"field": "message"})
    starts_at = starts_at or now
    if ends_at is None:
        raise Invalid(_("Say when it ends."), details={"field": "ends_at"})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise Invalid(_("Times need a time zone."))
    if ends_at <= starts_at:
        raise Invalid(_("The end must come after the start."), details={"field": "ends_at"})
    if ends_at <= now:
        raise Invalid(_("The end must be in the future."), details={"field": "ends_at"})
    if kind == Broadcast.Kind.PLANNED and starts_at < now + PLANNED_NOTICE:
        raise Invalid(
            _("A planned outage must be announced at least 48 hours before it starts."),
            details={"field": "starts_at"},
        )
    with atomic():
        broadcast = Broadcast.objects.create(
            kind=kind, message=message, starts_at=starts_at, ends_at=ends_at, created_by=actor_user(actor)
        )
        users = User.objects.filter(is_active=True, is_bot=False, locked_at__isnull=True)
        broadcast.recipients = notify(
            users,
            Kind.BROADCAST,
            actor=actor,
            context={
                "broadcast_id": broadcast.pk,
                "broadcast_kind": kind,
                "message": message,
                "starts_at": starts_at,
                "ends_at": ends_at,
            },
        )
        broadcast.save(update_fields=["recipients"])
        publish(BroadcastCreated(actor_id=getattr(actor, "pk", None), via=via, id=broadcast.pk))
    return broadcast


def end_broadcast(broadcast_id: int, *, actor, via: str = "web") -> Broadcast:
    """End a broadcast now: its banner disappears from every page."""
    require(actor, ADMIN)
    with atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None:
            raise NotFound()
        if broadcast.ended_at is None:
            now = timezone.now()
            broadcast.ended_at = now
            broadcast.ended_by = actor_user(actor)
            if broadcast.ends_at > now:
                broadcast.ends_at = now
            broadcast.save(update_fields=["ended_at", "ended_by", "ends_at"])
            publish(BroadcastEnded(actor_id=getattr(actor, "pk", None), via=via, id=broadcast.pk))
    return broadcast


def active_broadcasts(now: datetime | None = None):
    """Broadcasts whose banner shows now: announced, not ended. A planned outage shows from the announcement."""
    now = now or timezone.now()
    return Broadcast.objects.filter(ended_at__isnull=True, ends_at__gt=now).order_by("starts_at", "id")


KEEP_READ = timedelta(days=90)
KEEP_UNREAD = timedelta(days=365)


def clean_up(now: datetime | None = None) -> int:
    """Forget old notifications (read after 90 days, unread after a year) so the bell stays fast.
    Notifications still waiting for a digest are kept."""
    now = now or timezone.now()
    old = Notification.objects.exclude(email_state=Notification.Email.QUEUED)
    read = old.filter(read_at__isnull=False, created_at__lt=now - KEEP_READ)
    unread = old.filter(read_at__isnull=True, created_at__lt=now - KEEP_UNREAD)
    return read.delete()[0] + unread.delete()[0]
