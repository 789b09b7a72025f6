"""Service standards screens (OPS-7, OPS-8): policies, opening hours and holidays (system.admin), and
"remind me": set a reminder from the ticket page, see and cancel one's reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import ADMIN, READ, WRITE, has_perm, require
from parlons.core.business_hours import format_hhmm
from parlons.core.errors import Invalid, NotFound
from parlons.sla import services
from parlons.sla.models import Holiday, SlaPolicy, TicketSla
from parlons.tickets.models import ChannelGroup, Ticket
from parlons.tickets.selectors import get_visible_ticket
from parlons.web.views._common import friendly_errors, safe_next
from parlons.web.views.admin._base import AccessibleForm, admin_view

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


# --- policies --------------------------------------------------------------------------------------
class PolicyForm(AccessibleForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    channel_group = forms.TypedChoiceField(
        label=gettext_lazy("Channel group"), coerce=int, empty_value=None, required=False
    )
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False)
    first_response_hours = forms.DecimalField(
        label=gettext_lazy("First response target (hours)"),
        required=False,
        min_value=0.02,
        max_value=8760,
        decimal_places=2,
        help_text=gettext_lazy("Time to the first reply to the client. Leave empty for no target."),
    )
    resolution_hours = forms.DecimalField(
        label=gettext_lazy("Resolution target (hours)"),
        required=False,
        min_value=0.02,
        max_value=8760,
        decimal_places=2,
        help_text=gettext_lazy("Time to resolve the ticket; counted again from a reopening."),
    )
    business_hours = forms.BooleanField(
        label=gettext_lazy("Count business hours only (opening hours, no weekends or holidays)"),
        required=False,
        initial=True,
    )
    warn_before_minutes = forms.IntegerField(
        label=gettext_lazy("Warn this many minutes before the due time"),
        min_value=0,
        max_value=525600,
        initial=60,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_group"].choices = [("", _("All channel groups"))] + [
            (g.pk, f"{g.name} ({g.channel.get_platform_display()})")
            for g in ChannelGroup.objects.select_related("channel")
        ]
        self.fields["priority"].choices = [("", _("Any priority")), *Ticket.Priority.choices]

    def to_input(self) -> services.PolicyInput:
        d = self.cleaned_data

        def minutes(hours):
            return None if hours is None else max(1, round(float(hours) * 60))

        return services.PolicyInput(
            name=d["name"],
            channel_group_id=d["channel_group"],
            priority=d["priority"] or "",
            first_response_minutes=minutes(d["first_response_hours"]),
            resolution_minutes=minutes(d["resolution_hours"]),
            business_hours=d["business_hours"],
            warn_before_minutes=d["warn_before_minutes"],
            is_active=d["is_active"],
        )

    SERVICE_FIELDS = {
        "first_response_minutes": "first_response_hours",
        "resolution_minutes": "resolution_hours",
        "channel_group_id": "channel_group",
    }

    def add_service_error(self, exc, default_field=None) -> None:
        """The service names its own fields (minutes, ids); show the error on this form's matching field."""
        details = dict(exc.details or {})
        if details.get("field") in self.SERVICE_FIELDS:
            exc.details = {**details, "field": self.SERVICE_FIELDS[details["field"]]}
        super().add_service_error(exc, default_field)

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict:
        def hours(minutes):
            return None if minutes is None else round(minutes / 60, 2)

        return {
            "name": policy.name,
            "channel_group": policy.channel_group_id or "",
            "priority": policy.priority,
            "first_response_hours": hours(policy.first_response_minutes),
            "resolution_hours": hours(policy.resolution_minutes),
            "business_hours": policy.business_hours,
            "warn_before_minutes": policy.warn_before_minutes,
            "is_active": policy.is_active,
        }


def duration_text(minutes: int | None) -> str:
    if not minutes:
        return "–"
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": mins}


@admin_view(ADMIN)
def policy_list(request):
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_policy(form.to_input(), actor=request.user)
            messages.success(request, _("Service standard added."))
            return redirect("sla_policies")
        except Invalid as exc:
            form.add_service_error(exc, "name")
    policies = SlaPolicy.objects.select_related("channel_group")
    rows = [
        {
            "policy": p,
            "first_response": duration_text(p.first_response_minutes),
            "resolution": duration_text(p.resolution_minutes),
        }
        for p in policies
    ]
    status = 400 if request.method == "POST" else 200
    config = services.business_hours()
    hours = [(WEEKDAYS[d], config.spans_text(d)) for d in range(7)]
    return render(
        request,
        "web/pages/sla.html",
        {
            "rows": rows,
            "form": form,
            "hours": hours,
            "config": config,
            "priorities": dict(Ticket.Priority.choices),
        },
        status=status,
    )


@admin_view(ADMIN)
def policy_detail(request, pk: int):
    policy = SlaPolicy.objects.filter(pk=pk).first()
    if policy is None:
        raise NotFound()
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.save_policy(form.to_input(), actor=request.user, policy_id=policy.pk)
                messages.success(request, _("Service standard saved."))
                return redirect("sla_policies")
            except Invalid as exc:
                form.add_service_error(exc, "name")
        status = 400
    else:
        form, status = PolicyForm(initial=PolicyForm.initial_for(policy)), 200
    return render(request, "web/pages/sla_policy.html", {"policy": policy, "form": form}, status=status)


@require_POST
@admin_view(ADMIN)
def policy_delete(request, pk: int):
    services.delete_policy(pk, actor=request.user)
    messages.success(request, _("Service standard deleted."))
    return redirect("sla_policies")


# --- opening hours and holidays --------------------------------------------------------------------------
class HoursForm(AccessibleForm):
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64, initial="America/Toronto")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"opens_{day}"] = forms.TimeField(
                label=_("%(day)s: opens") % {"day": label},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                label=_("%(day)s: closes") % {"day": label},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
        self._describe()

    def clean(self):
        data = super().clean()
        for day in range(7):
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if (opens is None) != (closes is None):
                self.add_error(f"closes_{day}", _("Give both the opening and the closing time, or neither."))
        return data

    def hours(self) -> dict[int, list[tuple[str, str]]]:
        out = {}
        for day in range(7):
            opens, closes = self.cleaned_data.get(f"opens_{day}"), self.cleaned_data.get(f"closes_{day}")
            if opens is not None and closes is not None:
                out[day] = [(opens.strftime("%H:%M"), closes.strftime("%H:%M"))]
        return out

    @classmethod
    def initial_for(cls, config) -> dict:
        initial = {"time_zone": config.time_zone}
        for day, spans in config.weekly_hours().items():
            if spans:
                initial[f"opens_{day}"] = format_hhmm(spans[0][0])
                initial[f"closes_{day}"] = format_hhmm(min(spans[-1][1], 1439))
        return initial


@admin_view(ADMIN)
def business_hours(request):
    config = services.business_hours()
    if request.method == "POST":
        form = HoursForm(request.POST)
        if form.is_valid():
            try:
                services.set_business_hours(
                    form.cleaned_data["time_zone"].strip(), form.hours(), actor=request.user
                )
                messages.success(request, _("Opening hours saved."))
                return redirect("sla_policies")
            except Invalid as exc:
                form.add_service_error(exc, "time_zone")
        status = 400
    else:
        form, status = HoursForm(initial=HoursForm.initial_for(config)), 200
    days = [(label, form[f"opens_{d}"], form[f"closes_{d}"]) for d, label in enumerate(WEEKDAYS)]
    return render(request, "web/pages/sla_hours.html", {"form": form, "days": days}, status=status)


class HolidayForm(AccessibleForm):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name_en = forms.CharField(label=gettext_lazy("Name in English"), max_length=120)
    name_fr = forms.CharField(label=gettext_lazy("Name in French"), max_length=120)


@admin_view(ADMIN)
def holiday_list(request):
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d = form.cleaned_data
            services.add_holiday(d["date"], d["name_en"], d["name_fr"], actor=request.user)
            messages.success(request, _("Holiday added."))
            return redirect("sla_holidays")
        except Invalid as exc:
            form.add_service_error(exc, "date")
    status = 400 if request.method == "POST" else 200
    lang = get_language() or "en"
    holidays = [(h, h.name_in(lang)) for h in Holiday.objects.all()]
    return render(request, "web/pages/sla_holidays.html", {"form": form, "holidays": holidays}, status=status)


@require_POST
@admin_view(ADMIN)
def holiday_delete(request, pk: int):
    services.delete_holiday(pk, actor=request.user)
    messages.success(request, _("Holiday removed."))
    return redirect("sla_holidays")


# --- reminders ("remind me") ------------------------------------------------------------------------------
WHEN_CHOICES = [
    ("60", gettext_lazy("In 1 hour")),
    ("240", gettext_lazy("In 4 hours")),
    ("1440", gettext_lazy("Tomorrow (in 24 hours)")),
    ("2880", gettext_lazy("In 2 days")),
    ("10080", gettext_lazy("In 1 week")),
    ("at", gettext_lazy("At a date and time…")),
]


class ReminderForm(AccessibleForm):
    when = forms.ChoiceField(label=gettext_lazy("Remind me"), choices=WHEN_CHOICES, initial="2880")
    at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Used with “At a date and time…”, in your time zone."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.TextInput(),
        help_text=gettext_lazy("Why you want to be reminded (only you see it)."),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "at" and not data.get("at"):
            self.add_error("at", _("Choose the date and time of the reminder."))
        return data


def _user_zone(user):
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "America/Toronto")
    except (KeyError, ValueError):
        return ZoneInfo("America/Toronto")


def reminder_form_for(request) -> ReminderForm:
    return ReminderForm(prefix="reminder")


@require_POST
@login_required
@friendly_errors
def reminder_create(request, pk: int):
    get_visible_ticket(request.user, pk)
    require(request.user, WRITE)
    form = ReminderForm(request.POST, prefix="reminder")
    target = safe_next(request, f"/tickets/{pk}/")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    data = form.cleaned_data
    kwargs: dict = {}
    if data["when"] == "at":
        at: datetime = data["at"]
        if timezone.is_naive(at):
            at = at.replace(tzinfo=_user_zone(request.user))
        kwargs["remind_at"] = at
    else:
        kwargs["in_minutes"] = int(data["when"])
    try:
        services.create_reminder(pk, actor=request.user, note=data["note"], **kwargs)
        messages.success(request, _("Reminder set."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return redirect(target)


@require_POST
@login_required
@friendly_errors
def reminder_cancel(request, pk: int):
    try:
        reminder = services.cancel_reminder(pk, actor=request.user)
        messages.success(request, _("Reminder cancelled."))
        default = f"/tickets/{reminder.ticket_id}/"
    except Invalid as exc:
        messages.error(request, str(exc))
        default = "/reminders/"
    return redirect(safe_next(request, default))


@login_required
@friendly_errors
def reminder_list(request):
    require(request.user, READ)
    pending = services.reminders_of(request.user, pending_only=True)
    since = timezone.now() - timedelta(days=30)
    past = (
        services.reminders_of(request.user)
        .exclude(fired_at__isnull=True, cancelled_at__isnull=True)
        .filter(created_at__gte=since)
        .order_by("-remind_at")[:50]
    )
    return render(request, "web/pages/sla_reminders.html", {"pending": pending, "past": past})


def ticket_panel_context(request, ticket: Ticket) -> dict:
    """What the ticket page's service-standard and reminder panel shows (used by the template tag)."""
    sla = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    business_open = None
    if ticket.status in Ticket.OPEN_STATUSES:
        from parlons.core.business_hours import BusinessCalendar

        spent = BusinessCalendar.current().elapsed(ticket.created_at, timezone.now())
        spent_minutes = int(spent.total_seconds() // 60)
        business_open = duration_text(spent_minutes) if spent_minutes else _("less than a minute")
    return {
        "business_open": business_open,
        "sla_targets": services.target_states(sla),
        "sla_policy": sla.policy if sla else None,
        "reminders": list(services.reminders_of(request.user, ticket_id=ticket.pk, pending_only=True)),
        "reminder_form": reminder_form_for(request),
        "can_remind": has_perm(request.user, WRITE),
    }
