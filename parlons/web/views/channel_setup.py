"""Channel set-up for administrators (issue "Channels I", item 8): connect a Facebook page, Messenger,
an Instagram account or a WhatsApp number; test the connection; see what to paste into Meta's console; and
process again the deliveries that came before their channel group existed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parlons.accounts.models import Team
from parlons.accounts.permissions import ADMIN, require
from parlons.connectors.services import reprocess_waiting
from parlons.connectors.setup import (
    META_PLATFORMS,
    PLATFORM_SETUP,
    try_connection,
    waiting_deliveries,
    webhook_settings,
)
from parlons.core.crypto import decrypt_json
from parlons.core.errors import Conflict, Invalid, NotFound
from parlons.tickets.models import ChannelGroup, Platform
from parlons.tickets.services import create_channel_group, update_channel_group
from parlons.web.views._common import friendly_errors

PLATFORM_CHOICES = [(p, label) for p, label in Platform.choices if p in META_PLATFORMS]


class ConnectForm(forms.Form):
    platform = forms.ChoiceField(label=gettext_lazy("Platform"), choices=PLATFORM_CHOICES)
    name = forms.CharField(label=gettext_lazy("Name shown to agents"), max_length=120)
    external_id = forms.CharField(
        label=gettext_lazy("Page, account or phone number id"),
        max_length=255,
        help_text=gettext_lazy(
            "Facebook and Messenger: the page id; Instagram: the account id; WhatsApp: the phone number id."
        ),
    )
    token = forms.CharField(
        label=gettext_lazy("Access token"),
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Stored encrypted; never shown again."),
    )
    waba_id = forms.CharField(
        label=gettext_lazy("WhatsApp Business account id (WhatsApp only)"), max_length=64, required=False
    )
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the page"),
        required=False,
        choices=[("", gettext_lazy("Both / not set")), ("en", "English"), ("fr", "Français")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "—")] + [(t.pk, t.name) for t in Team.objects.order_by("name")]


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("New access token"),
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    waba_id = forms.CharField(
        label=gettext_lazy("WhatsApp Business account id (WhatsApp only)"), max_length=64, required=False
    )


def _credentials(platform: str, token: str, waba_id: str) -> dict:
    key = PLATFORM_SETUP[platform].credentials[0][0]
    creds = {key: token.strip()}
    if platform == "whatsapp" and waba_id.strip():
        creds["waba_id"] = waba_id.strip()
    return creds


def _meta_group(pk: int) -> ChannelGroup:
    group = ChannelGroup.objects.select_related("channel", "team").filter(pk=pk).first()
    if group is None or group.channel.platform not in META_PLATFORMS:
        raise NotFound()
    return group


@login_required
@friendly_errors
def channel_setup(request):
    require(request.user, ADMIN)
    form = ConnectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            team = Team.objects.filter(pk=d["team"]).first() if d["team"] else None
            try:
                group = create_channel_group(
                    actor=request.user,
                    platform=d["platform"],
                    name=d["name"],
                    external_id=d["external_id"],
                    team=team,
                    language=d["language"],
                    credentials=_credentials(d["platform"], d["token"], d["waba_id"]),
                )
            except (Invalid, Conflict) as exc:
                field = (exc.details or {}).get("field")
                form.add_error(field if field in form.fields else "external_id", str(exc))
            else:
                messages.success(request, _("Channel group added. Test its connection now."))
                return redirect("channel_connection", pk=group.pk)
        status = 400
    groups = (
        ChannelGroup.objects.select_related("channel", "team")
        .filter(channel__platform__in=META_PLATFORMS)
        .order_by("channel__platform", "name")
    )
    return render(
        request,
        "web/pages/channel_setup.html",
        {
            "form": form,
            "groups": groups,
            "webhook": webhook_settings(request),
            "waiting": waiting_deliveries(),
        },
        status=status,
    )


@login_required
@friendly_errors
def channel_connection(request, pk: int):
    require(request.user, ADMIN)
    group = _meta_group(pk)
    setup = PLATFORM_SETUP[group.channel.platform]
    stored = decrypt_json(group.credentials_encrypted)
    form = TokenForm()
    result = None
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "test":
            result = try_connection(group, actor=request.user)
        else:
            form = TokenForm(request.POST)
            if form.is_valid():
                creds = _credentials(
                    group.channel.platform, form.cleaned_data["token"], form.cleaned_data["waba_id"]
                )
                if group.channel.platform == "whatsapp" and "waba_id" not in creds and stored.get("waba_id"):
                    creds["waba_id"] = stored["waba_id"]
                update_channel_group(group, actor=request.user, credentials=creds)
                messages.success(request, _("The new token is saved. Test the connection."))
                return redirect("channel_connection", pk=group.pk)
            status = 400
    return render(
        request,
        "web/pages/channel_connection.html",
        {
            "group": group,
            "setup": setup,
            "has_token": bool(stored),
            "waba_id": stored.get("waba_id", ""),
            "form": form,
            "result": result,
            "webhook": webhook_settings(request),
        },
        status=status,
    )


@require_POST
@login_required
@friendly_errors
def reprocess_deliveries(request):
    count = reprocess_waiting(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s waiting delivery is queued again.",
                "%(count)s waiting deliveries are queued again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("No delivery is waiting."))
    return redirect("channel_setup")
