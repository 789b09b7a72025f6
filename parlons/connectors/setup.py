"""Setting up a channel (issue "Channels I", item 8): what each Meta platform needs, the connection test, the
webhook address and verify token to paste into Meta's console, and the deliveries that arrived for a page,
account or number that was not yet a channel group (kept, shown to administrators; queued again by
``services.reprocess_waiting`` once the channel group exists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parlons.accounts.permissions import ADMIN, require
from parlons.accounts.services import record_security_event
from parlons.connectors.base import SendError, connector_for
from parlons.connectors.models import InboundEvent
from parlons.tickets.models import ChannelGroup

META_PLATFORMS = ("facebook", "messenger", "instagram", "whatsapp")


@dataclass(frozen=True)
class PlatformSetup:
    id_label: object
    id_help: object
    credentials: tuple[tuple[str, object], ...]


PLATFORM_SETUP: dict[str, PlatformSetup] = {
    "facebook": PlatformSetup(
        _("Facebook page id"),
        _("The number in the page's About section or its Meta Business settings."),
        (("page_token", _("Page access token")),),
    ),
    "messenger": PlatformSetup(
        _("Facebook page id"),
        _("Messenger conversations of this page."),
        (("page_token", _("Page access token")),),
    ),
    "instagram": PlatformSetup(
        _("Instagram account id"),
        _("The Instagram professional account's id (linked to a Facebook page)."),
        (("page_token", _("Access token of the linked page")),),
    ),
    "whatsapp": PlatformSetup(
        _("Phone number id"),
        _("The id of the business phone number in WhatsApp Manager (not the phone number itself)."),
        (
            ("access_token", _("Access token (system user)")),
            ("waba_id", _("WhatsApp Business account id (for the templates)")),
        ),
    ),
}


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    detail: str


def try_connection(group: ChannelGroup, *, actor) -> ConnectionResult:
    """Ask the platform whether the channel group's id and token work. Needs system.admin."""
    require(actor, ADMIN)
    connector = connector_for(group.channel.platform)
    try:
        if connector is None:
            raise SendError(str(_("Parlons has no connector for this platform.")), code="no_connector")
        detail = connector.check_connection(group)
        ok = True
    except SendError as exc:
        ok, detail = False, str(exc)
    record_security_event(
        "channel.connection_tested",
        actor=actor,
        channel_group=group.pk,
        ok=ok,
        platform=group.channel.platform,
    )
    return ConnectionResult(ok, detail)


def webhook_settings(request) -> dict:
    """What to paste into Meta's console: the callback address and the verify token; whether the app secret
    that checks every delivery is set (never shown)."""
    return {
        "callback_url": request.build_absolute_uri("/webhooks/meta"),
        "verify_token": settings.PARLONS_META_VERIFY_TOKEN,
        "app_secret_set": bool(settings.PARLONS_META_APP_SECRET),
        "graph_url": settings.PARLONS_META_GRAPH_URL,
    }


def waiting_deliveries(limit: int = 100):
    """Deliveries that could not be placed: no channel group matched their page, account or number."""
    return InboundEvent.objects.filter(state=InboundEvent.State.FAILED, channel_group__isnull=True).order_by(
        "-received_at"
    )[:limit]
