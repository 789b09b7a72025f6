"""Forms of the "Import and export" screen. The export form takes the inbox's filter names (``status``,
``channel``, ``tags``, ``created_from``…) so an inbox address's query string fills it in."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.exchange.imports import KINDS, RTF_KIND
from parlons.tickets.models import Platform, Ticket
from parlons.tickets.selectors import TicketFilters
from parlons.web.forms import day_start, team_choices
from parlons.web.views.admin._base import AccessibleForm


class ExportForm(AccessibleForm):
    q = forms.CharField(
        label=gettext_lazy("Search query"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("The search language, e.g. tag:visa -tag:spam passeport*"),
    )
    tags = forms.CharField(
        label=gettext_lazy("With all these tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Tag codes, separated by commas."),
    )
    exclude_tags = forms.CharField(label=gettext_lazy("Without these tags"), required=False, max_length=2000)
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=Ticket.Status.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every status."),
    )
    priority = forms.MultipleChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        choices=Ticket.Priority.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.MultipleChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None)
    created_from = forms.DateField(
        label=gettext_lazy("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=gettext_lazy("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.BooleanField(label=gettext_lazy("Include internal notes"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Any"))] + team_choices()

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def filters(self, tz) -> TicketFilters:
        data = self.cleaned_data
        f = TicketFilters(
            status=data["status"],
            channel=data["channel"],
            priority=data["priority"],
            tags=[t.strip() for t in data["tags"].split(",") if t.strip()],
            exclude_tags=[t.strip() for t in data["exclude_tags"].split(",") if t.strip()],
            q=data["q"].strip(),
        )
        if data["team"] is not None:
            f.team = [data["team"]]
        if data["created_from"]:
            f.created_from = day_start(data["created_from"], tz)
        if data["created_to"]:
            f.created_to = day_start(data["created_to"] + dt.timedelta(days=1), tz)
        return f


class ImportForm(AccessibleForm):
    file = forms.FileField(label=gettext_lazy("File"))
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the text"),
        required=False,
        choices=[("en", "English"), ("fr", "Français")],
        help_text=gettext_lazy("For rtf files: the language of the responses that do not say it."),
    )

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, prefix=kind, **kwargs)
        if kind == RTF_KIND:
            self.fields["file"].widget.attrs["accept"] = ".rtf,application/rtf,text/rtf"
        else:
            del self.fields["language"]
            self.fields["file"].widget.attrs["accept"] = (
                ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        self._describe()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PARLONS_IMPORT_MAX_BYTES
        if upload.size > limit:  # refused before it is read
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
                % {"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"}
            )
        return upload


def kind_label(kind: str) -> str:
    if kind == RTF_KIND:
        return _("Canned responses from an rtf document")
    return str(KINDS[kind].label)
