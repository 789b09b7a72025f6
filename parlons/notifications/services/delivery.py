"""Describing and delivering notifications after the commit: each one pushed to the recipient's open browsers
and/or e-mailed in their language, per their preferences; the e-mails that wait are gathered into digests."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parlons.core.db import atomic
from parlons.notifications.models import Broadcast, Kind, Notification, Preference, SystemEmailSettings
from parlons.notifications.services.mail import send_templated_email, site_url
from parlons.notifications.services.preferences import (
    _system_allows_email,
    channels_for,
    is_quiet,
    preference_for,
    system_settings,
)

logger = logging.getLogger(__name__)

MAX_DIGEST_ITEMS = 100


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
