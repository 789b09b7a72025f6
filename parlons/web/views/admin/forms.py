"""Forms of the administration screens: they parse and check input; the services decide and change."""

from __future__ import annotations

import json
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import Language, Role, Team, User
from parlons.tickets.models import ChannelGroup, LineOfBusiness, Platform, TagGroup
from parlons.web.views.admin._base import AccessibleForm

LANGUAGE_CHOICES = list(Language.choices)
COMMON_TIME_ZONES = [
    "America/St_Johns",
    "America/Halifax",
    "America/Moncton",
    "America/Toronto",
    "America/Winnipeg",
    "America/Regina",
    "America/Edmonton",
    "America/Vancouver",
    "America/Whitehorse",
    "America/Iqaluit",
    "UTC",
]


def _teams():
    return Team.objects.filter(is_archived=False).order_by("name")


class ModelChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class RoleChoices(ModelChoices):
    def label_from_instance(self, obj):
        from django.utils.translation import get_language

        return obj.name_fr if (get_language() or "").startswith("fr") else obj.name_en


class NamedChoice(forms.ModelChoiceField):
    """A choice of a bilingual object (tag group, line of business), labelled in the reader's language."""

    def label_from_instance(self, obj):
        from django.utils.translation import get_language

        return obj.name_fr if (get_language() or "").startswith("fr") else obj.name_en


# --- users ----------------------------------------------------------------------------------------
class UserSearchForm(AccessibleForm):
    mark_optional = False

    q = forms.CharField(label=_("Search by name, user name or e-mail"), required=False, max_length=200)


class UserForm(AccessibleForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    teams = ModelChoices(label=_("Teams"), queryset=Team.objects.none(), required=False)
    roles = RoleChoices(
        label=_("Roles"),
        queryset=Role.objects.none(),
        required=False,
        help_text=_("Roles given to the person directly; roles of their teams apply too."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_TIME_ZONES)
        current = self.initial.get("time_zone")
        if current and current not in zones:
            zones.insert(0, current)
        self.fields["time_zone"].choices = [(z, z.replace("_", " ")) for z in zones]
        self.fields["teams"].queryset = _teams()
        self.fields["roles"].queryset = Role.objects.all()
        if editing:
            # The user name is the sign-in identifier: shown, not changed here.
            del self.fields["username"]
        self._describe()

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Choose a time zone from the list."))
        return value


class PasswordForm(AccessibleForm):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 12 characters; not a common password, not only digits, not like the user name."
        ),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class LockForm(AccessibleForm):
    reason = forms.CharField(label=_("Reason for locking"), max_length=255, required=False)


class ShortcutsForm(AccessibleForm):
    shortcuts_enabled = forms.BooleanField(
        label=_("Use single-key keyboard shortcuts"),
        required=False,
        help_text=_("Turn this off if the shortcuts get in the way of your screen reader or voice control."),
    )


# --- teams ----------------------------------------------------------------------------------------
class TeamForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead = forms.ModelChoiceField(
        label=_("Team lead"), queryset=User.objects.none(), required=False, empty_label=_("No lead")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = User.objects.filter(is_active=True, is_bot=False)
        self.fields["lead"].label_from_instance = lambda user: user.display_name


class MembersForm(AccessibleForm):
    members = ModelChoices(label=_("Members"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.filter(is_active=True)
        self.fields["members"].label_from_instance = lambda user: f"{user.display_name} ({user.username})"
        self._describe()


# --- roles ----------------------------------------------------------------------------------------
class GrantForm(AccessibleForm):
    role = NamedChoice(label=_("Role"), queryset=Role.objects.none())
    user = forms.ModelChoiceField(
        label=_("To a person"), queryset=User.objects.none(), required=False, empty_label=_("— nobody —")
    )
    team = forms.ModelChoiceField(
        label=_("Or to a team"), queryset=Team.objects.none(), required=False, empty_label=_("— no team —")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.all()
        self.fields["user"].queryset = User.objects.filter(is_active=True)
        self.fields["user"].label_from_instance = lambda user: f"{user.display_name} ({user.username})"
        self.fields["team"].queryset = _teams()

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("user")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose either a person or a team."))
        return data


# --- tags -----------------------------------------------------------------------------------------
class TagFilterForm(AccessibleForm):
    mark_optional = False

    q = forms.CharField(label=_("Search by name or code"), required=False, max_length=120)
    group = NamedChoice(
        label=_("Tag group"), queryset=TagGroup.objects.none(), required=False, empty_label=_("Any")
    )
    line_of_business = NamedChoice(
        label=_("Line of business"),
        queryset=LineOfBusiness.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("In use")), ("archived", _("Archived")), ("all", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = TagGroup.objects.select_related("parent")
        self.fields["line_of_business"].queryset = LineOfBusiness.objects.all()


class TagForm(AccessibleForm):
    name_en = forms.CharField(label=_("English name"), max_length=120)
    name_fr = forms.CharField(label=_("French name"), max_length=120)
    slug = forms.CharField(
        label=_("Code"),
        max_length=80,
        required=False,
        help_text=_("Letters, digits and dashes; made from the English name when left empty."),
    )
    group = NamedChoice(
        label=_("Tag group"), queryset=TagGroup.objects.none(), required=False, empty_label=_("No group")
    )
    line_of_business = NamedChoice(
        label=_("Line of business"),
        queryset=LineOfBusiness.objects.none(),
        required=False,
        empty_label=_("None (or the group's)"),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = TagGroup.objects.all()
        self.fields["line_of_business"].queryset = LineOfBusiness.objects.filter(is_archived=False)
        if editing:
            del self.fields["slug"]
        self._describe()


class TagGroupForm(AccessibleForm):
    name_en = forms.CharField(label=_("English name"), max_length=120)
    name_fr = forms.CharField(label=_("French name"), max_length=120)
    parent = NamedChoice(
        label=_("Inside the group"),
        queryset=TagGroup.objects.none(),
        required=False,
        empty_label=_("None: a top-level group"),
        help_text=_("Choose a group to make this one a subgroup."),
    )
    line_of_business = NamedChoice(
        label=_("Line of business"),
        queryset=LineOfBusiness.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = TagGroup.objects.filter(parent__isnull=True)
        self.fields["line_of_business"].queryset = LineOfBusiness.objects.filter(is_archived=False)


class LineOfBusinessForm(AccessibleForm):
    name_en = forms.CharField(label=_("English name"), max_length=120)
    name_fr = forms.CharField(label=_("French name"), max_length=120)


# --- channel groups -------------------------------------------------------------------------------
class ChannelGroupForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("No team")
    )
    language = forms.ChoiceField(
        label=_("Language of the group"),
        required=False,
        choices=[("", _("Both / not set"))] + LANGUAGE_CHOICES,
    )
    is_active = forms.BooleanField(label=_("Active: receives and sends messages"), required=False)
    credentials = forms.CharField(
        label=_("Replace the credentials"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            'JSON object, e.g. {"access_token": "…"}. Stored encrypted and never shown again; '
            "leave empty to keep the current ones."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams()

    def clean_credentials(self):
        text = (self.cleaned_data.get("credentials") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Write the credentials as a JSON object."))
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Write the credentials as a JSON object."))
        return value


class ChannelGroupFilterForm(AccessibleForm):
    mark_optional = False

    platform = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any"))] + list(Platform.choices)
    )


# --- canned responses -----------------------------------------------------------------------------
class CannedForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=40,
        required=False,
        help_text=_("A short keyword: type / then the keyword in the reply box to insert this response."),
    )
    body_en = forms.CharField(
        label=_("English text"), required=False, widget=forms.Textarea(attrs={"rows": 5, "lang": "en"})
    )
    body_fr = forms.CharField(
        label=_("French text"), required=False, widget=forms.Textarea(attrs={"rows": 5, "lang": "fr"})
    )
    team = forms.ModelChoiceField(
        label=_("Offered to"), queryset=Team.objects.none(), required=False, empty_label=_("Everyone")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams()


def group_label(group: ChannelGroup) -> str:
    return f"{group.channel.get_platform_display()} – {group.name}"


class TagGroupEditForm(AccessibleForm):
    name_en = forms.CharField(label=_("English name"), max_length=120)
    name_fr = forms.CharField(label=_("French name"), max_length=120)
    line_of_business = NamedChoice(
        label=_("Line of business"),
        queryset=LineOfBusiness.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_of_business"].queryset = LineOfBusiness.objects.all()


class LineOfBusinessEditForm(AccessibleForm):
    name_en = forms.CharField(label=_("English name"), max_length=120)
    name_fr = forms.CharField(label=_("French name"), max_length=120)
    is_archived = forms.BooleanField(label=_("Archived: no longer offered for new tags"), required=False)
