"""Notification screens (OPS-7, OPS-13, DOC-3): my notifications (the bell's list), my preferences, the
administrators' e-mail settings, and broadcasts to all users. Thin: parse, call the services, render."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import ADMIN, require
from parlons.core.errors import Invalid
from parlons.notifications import services
from parlons.notifications.models import Broadcast, Kind, Notification
from parlons.web.views._common import friendly_errors, safe_next

PAGE_SIZE = 50


# --- my notifications -----------------------------------------------------------------------------
@login_required
@friendly_errors
def notification_list(request):
    """The in-page list: newest first, unread marked; JSON for the bell (``?format=json``)."""
    items = list(Notification.objects.filter(recipient=request.user).select_related("actor")[:PAGE_SIZE])
    rows = [{"n": n, **services.describe(n)} for n in items]
    unread = services.unread_count(request.user)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "unread": unread,
                "items": [
                    {
                        "id": r["n"].pk,
                        "kind": r["n"].kind,
                        "title": r["title"],
                        "body": r["body"][:300],
                        "link": r["link"],
                        "read": r["n"].read_at is not None,
                        "created_at": r["n"].created_at.isoformat(),
                    }
                    for r in rows
                ],
            }
        )
    return render(request, "web/pages/notifications.html", {"rows": rows, "unread": unread})


@login_required
@require_POST
@friendly_errors
def notification_read(request):
    """Mark one, several (``id``) or all (``all``) of my notifications as read."""
    ids = None if request.POST.get("all") else request.POST.getlist("id")
    try:
        count = services.mark_read(request.user, actor=request.user, ids=ids)
    except Invalid as exc:
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return redirect(reverse("notifications"))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"marked": count, "unread": services.unread_count(request.user)})
    messages.success(request, _("Marked as read."))
    target = safe_next(request, reverse("notifications"))
    if len(ids or []) == 1 and request.POST.get("open"):
        n = Notification.objects.filter(recipient=request.user, pk=ids[0]).first()
        if n is not None:
            target = services.describe(n)["link"] or target
    return redirect(target)


# --- my preferences -------------------------------------------------------------------------------
class PreferencesForm(forms.Form):
    muted = forms.BooleanField(
        label=gettext_lazy("Mute all notifications (desktop and e-mail)"), required=False
    )
    dnd_until = forms.DateTimeField(
        label=gettext_lazy("Do not disturb until"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "aria-describedby": "id_dnd_until-hint"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("No desktop notifications until then; e-mails wait and come in one digest."),
    )


def _kind_rows(pref):
    return [
        {"kind": kind, "label": Kind(kind).label, **services.channels_for(pref, kind)}
        for kind in services.TUNABLE_KINDS
    ]


@login_required
@friendly_errors
def notification_preferences(request):
    """Each person's own preferences, stored on the server so they hold on every device (OPS-13)."""
    pref = services.preference_for(request.user)
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            dnd = form.cleaned_data["dnd_until"]
            if dnd is not None and dnd <= timezone.now():
                dnd = None
            channels = {
                kind: {
                    "email": request.POST.get(f"{kind}:email") == "on",
                    "desktop": request.POST.get(f"{kind}:desktop") == "on",
                }
                for kind in services.TUNABLE_KINDS
            }
            try:
                services.update_preferences(
                    request.user,
                    actor=request.user,
                    channels=channels,
                    muted=form.cleaned_data["muted"],
                    dnd_until=dnd,
                )
                messages.success(request, _("Your notification preferences were saved."))
                return redirect(reverse("notification_preferences"))
            except Invalid as exc:
                form.add_error(None, str(exc))
        status = 400
    else:
        form = PreferencesForm(
            initial={
                "muted": pref.muted,
                "dnd_until": timezone.localtime(pref.dnd_until) if pref.dnd_until else None,
            }
        )
    return render(
        request,
        "web/pages/notifications_preferences.html",
        {
            "form": form,
            "kinds": _kind_rows(pref),
            "pref": pref,
            "dnd_active": bool(pref.dnd_until and pref.dnd_until > timezone.now()),
        },
        status=status,
    )


# --- the administrators' e-mail settings ----------------------------------------------------------
class SystemSettingsForm(forms.Form):
    sla_reminders = forms.BooleanField(
        label=gettext_lazy(
            "Reminders: service standards about to be missed or missed, and reminders agents set"
        ),
        required=False,
    )
    auto_assigned = forms.BooleanField(
        label=gettext_lazy("A new ticket was assigned automatically"), required=False
    )
    bot_triaged = forms.BooleanField(
        label=gettext_lazy("A ticket was triaged by the chatbot"), required=False
    )
    digest_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes between two e-mails to the same person (digest)"),
        min_value=1,
        max_value=1440,
    )


@login_required
@friendly_errors
def notification_settings(request):
    """Which e-mails the system sends (OPS-7). Administrators only."""
    require(request.user, ADMIN)
    current = services.system_settings()
    status = 200
    if request.method == "POST":
        form = SystemSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.update_system_settings(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The e-mail settings were saved."))
                return redirect(reverse("notification_settings"))
            except Invalid as exc:
                form.add_error(None, str(exc))
        status = 400
    else:
        form = SystemSettingsForm(
            initial={
                "sla_reminders": current.sla_reminders,
                "auto_assigned": current.auto_assigned,
                "bot_triaged": current.bot_triaged,
                "digest_minutes": current.digest_minutes,
            }
        )
    return render(request, "web/pages/notifications_settings.html", {"form": form}, status=status)


# --- broadcasts (DOC-3) ---------------------------------------------------------------------------
class BroadcastForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Broadcast.Kind.choices)
    message = forms.CharField(
        label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Empty: now. A planned outage must start at least 48 hours from now."),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("The banner shows on every page until then."),
    )


@login_required
@friendly_errors
def broadcast_list(request):
    """Send a broadcast to all users, and see or end the current ones. Administrators only."""
    require(request.user, ADMIN)
    status = 200
    if request.method == "POST":
        form = BroadcastForm(request.POST)
        if form.is_valid():
            try:
                broadcast = services.create_broadcast(actor=request.user, **form.cleaned_data)
                messages.success(
                    request,
                    _("The announcement was sent to %(count)s users.") % {"count": broadcast.recipients},
                )
                return redirect(reverse("broadcasts"))
            except Invalid as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, str(exc))
        status = 400
    else:
        now = timezone.localtime()
        form = BroadcastForm(initial={"ends_at": (now + timedelta(hours=2)).replace(second=0, microsecond=0)})
    now = timezone.now()
    broadcasts = Broadcast.objects.select_related("created_by")[:50]
    return render(
        request,
        "web/pages/broadcasts.html",
        {"form": form, "broadcasts": broadcasts, "now": now},
        status=status,
    )


@login_required
@require_POST
@friendly_errors
def broadcast_end(request, pk: int):
    services.end_broadcast(pk, actor=request.user)
    messages.success(request, _("The announcement was ended: its banner is gone."))
    return redirect(safe_next(request, reverse("broadcasts")))
