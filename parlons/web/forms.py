"""Forms of the workspace: they only parse and validate input; the services do the work."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import Team, User
from parlons.tickets.models import ChannelGroup, Platform, Ticket, Tracker
from parlons.tickets.selectors import ORDERINGS

ORDER_CHOICES = [
    ("-updated", _("Last updated, newest first")),
    ("updated", _("Last updated, oldest first")),
    ("-created", _("Created, newest first")),
    ("created", _("Created, oldest first")),
]
SAVED_VIEWS = {
    "mine": _("My open tickets"),
    "unassigned": _("Unassigned"),
    "team": _("My team"),
    "spam": _("Spam"),
}


def _slugs(text: str) -> list[str]:
    return [s.strip() for s in (text or "").replace(";", ",").split(",") if s.strip()]


def user_choices():
    return [(u.pk, u.display_name) for u in User.objects.filter(is_active=True, is_bot=False)]


def team_choices():
    return [(t.pk, t.name) for t in Team.objects.filter(is_archived=False)]


def group_choices():
    return [
        (g.pk, f"{g.channel.get_platform_display()} – {g.name}")
        for g in ChannelGroup.objects.select_related("channel")
    ]


class InboxFilterForm(forms.Form):
    """The inbox filters (UI-2, OPS-14, OPS-22, OPS-23), all in the query string."""

    view = forms.ChoiceField(
        required=False, choices=[("", "")] + list(SAVED_VIEWS.items()), widget=forms.HiddenInput
    )
    handle = forms.CharField(label=_("Contact handle"), required=False, max_length=255)
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=Ticket.Status.choices)
    priority = forms.MultipleChoiceField(label=_("Priority"), required=False, choices=Ticket.Priority.choices)
    channel = forms.MultipleChoiceField(label=_("Channel"), required=False, choices=Platform.choices)
    channel_group = forms.TypedChoiceField(
        label=_("Channel group"), required=False, coerce=int, empty_value=None
    )
    assignee = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(
        label=_("With all these tags"),
        required=False,
        max_length=2000,
        help_text=_("Tag codes, separated by commas."),
        widget=forms.TextInput(attrs={"list": "tag-codes"}),
    )
    exclude_tags = forms.CharField(
        label=_("Without these tags"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"list": "tag-codes"}),
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_from = forms.DateField(
        label=_("Updated from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_to = forms.DateField(
        label=_("Updated until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDER_CHOICES)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anyone = [("", _("Any"))]
        self.fields["assignee"].choices = anyone + user_choices()
        self.fields["team"].choices = anyone + team_choices()
        self.fields["channel_group"].choices = anyone + group_choices()

    def clean_tags(self):
        return _slugs(self.cleaned_data["tags"])

    def clean_exclude_tags(self):
        return _slugs(self.cleaned_data["exclude_tags"])

    def clean_order(self):
        order = self.cleaned_data.get("order") or "-updated"
        return order if order in ORDERINGS else "-updated"

    def clean(self):
        data = super().clean()
        for start, end in (("created_from", "created_to"), ("updated_from", "updated_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, _("The end date is before the start date."))
        return data


class ComposerForm(forms.Form):
    """A reply to the client or an internal note (OPS-4), with attachments for replies (ENV-6)."""

    mode = forms.ChoiceField(choices=[("reply", _("Reply")), ("note", _("Internal note"))], initial="reply")
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )


class PropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    channel_group = forms.TypedChoiceField(label=_("Channel group"), coerce=int)
    is_spam = forms.BooleanField(label=_("Spam"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Unassigned"))] + user_choices()
        self.fields["team"].choices = [("", _("No team"))] + team_choices()
        self.fields["channel_group"].choices = group_choices()


UNCHANGED = ""


class BulkForm(forms.Form):
    """One set of changes for many tickets (OPS-21)."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    spam = forms.ChoiceField(
        label=_("Spam"),
        required=False,
        choices=[(UNCHANGED, _("No change")), ("yes", _("Mark as spam")), ("no", _("Not spam"))],
    )
    add_tags = forms.CharField(
        label=_("Add tags"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"list": "tag-codes"}),
    )
    remove_tags = forms.CharField(
        label=_("Remove tags"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"list": "tag-codes"}),
    )
    tracker = forms.TypedChoiceField(label=_("Add to tracker"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        same = [(UNCHANGED, _("No change"))]
        self.fields["status"].choices = same + list(Ticket.Status.choices)
        self.fields["priority"].choices = same + list(Ticket.Priority.choices)
        self.fields["assignee"].choices = (
            same + [("none", _("Unassigned"))] + [(str(k), v) for k, v in user_choices()]
        )
        self.fields["team"].choices = (
            same + [("none", _("No team"))] + [(str(k), v) for k, v in team_choices()]
        )
        self.fields["tracker"].choices = same + [
            (t.pk, t.name) for t in Tracker.objects.filter(is_archived=False)
        ]

    def clean_add_tags(self):
        return _slugs(self.cleaned_data["add_tags"])

    def clean_remove_tags(self):
        return _slugs(self.cleaned_data["remove_tags"])


class TrackerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def day_start(day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)
