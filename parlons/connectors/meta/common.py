"""Helpers every Meta connector uses: find the channel group, read its credentials, times, the 24-hour
messaging window, media downloads into ``IncomingFile``, and the Messenger-style ``messaging`` parser
(Messenger and Instagram DMs share it)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from parlons.connectors.base import Connector, SendError
from parlons.connectors.meta.delivery import group_external_id
from parlons.connectors.meta.graph import GraphClient
from parlons.core.crypto import decrypt_json
from parlons.core.errors import Invalid
from parlons.tickets.files import ALLOWED_TYPES, IncomingFile, sniff_content_type
from parlons.tickets.inbound import InboundMessage, PlatformEvent, Sender
from parlons.tickets.models import ChannelGroup, Message

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)


def load(event) -> dict:
    try:
        data = json.loads(event.body)
    except ValueError as exc:
        raise Invalid(_("The delivery is not valid JSON: %(error)s") % {"error": exc}, code="bad_json")
    if not isinstance(data, dict):
        raise Invalid(_("The delivery is not a JSON object."), code="bad_json")
    return data


class MetaConnector(Connector):
    """What the Facebook, Messenger, Instagram and WhatsApp connectors share: their deliveries' shape."""

    def channel_group_key(self, event) -> str:
        try:
            return group_external_id(event.platform, load(event))
        except Invalid:
            return ""


def group_for(event, platform: str, external_id: str) -> ChannelGroup:
    """The channel group a stored item belongs to (set when stored, else looked up by page/number id)."""
    if event.channel_group_id:
        return event.channel_group
    group = (
        ChannelGroup.objects.select_related("channel")
        .filter(channel__platform=platform, external_id=str(external_id))
        .first()
    )
    if group is None:
        raise Invalid(
            _("No channel group is set up for %(platform)s account “%(id)s”.")
            % {"platform": platform, "id": external_id},
            code="unknown_channel_group",
        )
    return group


def credentials(group: ChannelGroup) -> dict:
    return decrypt_json(group.credentials_encrypted)


def token(group: ChannelGroup, *names: str) -> str:
    creds = credentials(group)
    for name in (*names, "access_token", "page_token", "token"):
        if creds.get(name):
            return str(creds[name])
    raise SendError(
        _("The channel group “%(name)s” has no access token.") % {"name": group.name},
        code="no_credentials",
        retryable=False,
    )


def from_ms(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_s(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def check_window(outbound, now: datetime) -> None:
    """Messenger and WhatsApp accept free-form replies only within 24 hours of the person's last message;
    Messenger and Instagram accept a reply tagged ``HUMAN_AGENT`` within 7 days; a WhatsApp template may be
    sent at any time (parlons.connectors.window)."""
    from parlons.connectors.window import HUMAN_AGENT, HUMAN_AGENT_WINDOW

    metadata = outbound.message.metadata or {}
    if metadata.get("template"):
        return
    tagged = metadata.get("messaging_tag") == HUMAN_AGENT
    last = (
        Message.objects.filter(ticket_id=outbound.message.ticket_id, direction=Message.Direction.IN)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    limit = HUMAN_AGENT_WINDOW if tagged else WINDOW
    if last is None or now - last > limit:
        if tagged:
            message = _(
                "This reply cannot be sent: even with the human-agent tag, the platform only accepts replies "
                "within 7 days of the client's last message."
            )
        else:
            message = _(
                "This reply cannot be sent: the platform only accepts replies within 24 hours of the client's "
                "last message. Wait for the client to write again, or contact them another way."
            )
        raise SendError(message, code="outside_window", retryable=False)


def fetch_file(client: GraphClient, url: str, filename: str, declared: str = "", *, authenticated=True):
    """Download a media file into an ``IncomingFile`` (checked by content when stored), or None with the reason
    logged when it cannot be fetched or is not a type Parlons accepts."""
    try:
        data, content_type = client.download(url, authenticated=authenticated)
    except SendError as exc:
        logger.warning("media download failed: %s", exc.code)
        return None, exc.code
    real = sniff_content_type(data)
    if real is None:
        return None, "file_type_refused"
    if "." not in filename:
        filename += ALLOWED_TYPES[real]
    incoming = IncomingFile(filename=filename, data=data, declared_type=declared or content_type)
    try:
        incoming.checked()
    except Invalid as exc:
        return None, exc.code
    return incoming, ""


def cached(event, key: str, fetch):
    """The prefetched result for ``key`` (see ``Connector.prefetch``), else fetch it now."""
    cache = getattr(event, "prefetched", None)
    if isinstance(cache, dict) and key in cache:
        return cache[key]
    return fetch()


def _downloads(message: dict) -> list[tuple[str, str, str]]:
    """(kind, url, file name) of each attachment of a Messenger/Instagram message that Parlons downloads."""
    out = []
    for n, attachment in enumerate(message.get("attachments") or []):
        kind = attachment.get("type", "")
        url = str((attachment.get("payload") or {}).get("url", ""))
        if kind in ("image", "file", "sticker") and url.startswith(("http://", "https://")):
            name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or f"{kind}-{n + 1}"
            out.append((kind, url, name[:80]))
    return out


PROFILE_FIELDS = {
    "messenger": "first_name,last_name,profile_pic",
    "instagram": "name,username,profile_pic",
}


def profile_refresh_age() -> timedelta:
    from django.conf import settings

    return timedelta(days=float(settings.PARLONS_PROFILE_REFRESH_DAYS))


def fetch_profile(client: GraphClient, platform: str, user_id: str) -> dict:
    """The person's public profile (User Profile API) when Parlons has none yet or the one it has is older than
    ``PARLONS_PROFILE_REFRESH_DAYS`` (7 by default); else, or when the platform does not give it, {}."""
    from django.utils import timezone

    from parlons.connectors.base import batch_memo
    from parlons.tickets.models import ContactIdentity

    # The deliveries of one batch are prefetched before any is stored: a person who wrote several times is
    # looked up once.
    asked = batch_memo().setdefault("profiles", set())
    if (platform, user_id) in asked:
        return {}
    fetched = (
        ContactIdentity.objects.filter(platform=platform, external_id=user_id)
        .values_list("profile_fetched_at", flat=True)
        .first()
    )
    if fetched and timezone.now() - fetched < profile_refresh_age():
        return {}
    try:
        data = client.get(user_id, params={"fields": PROFILE_FIELDS[platform]})
    except SendError:
        return {}
    asked.add((platform, user_id))
    return {k: str(v)[:1000] for k, v in data.items() if k != "id" and isinstance(v, str | int)}


def prefetch_messaging(event, platform: str) -> dict:
    data = load(event)
    item = data.get("messaging") or {}
    message = item.get("message")
    sender = str((item.get("sender") or {}).get("id", ""))
    if not isinstance(message, dict) or message.get("is_echo") or sender == str(data.get("entry_id", "")):
        return {}
    client = graph_for(group_for(event, platform, str(data.get("entry_id", ""))), "page_token")
    out = {
        url: fetch_file(client, url, name, authenticated=False) for _kind, url, name in _downloads(message)
    }
    if sender:
        out["profile"] = fetch_profile(client, platform, sender)
    return out


def sender_from(event, platform: str, sender_id: str):
    """The ``Sender`` of a messaging item, with the profile fetched by ``prefetch`` when there is one."""
    cache = getattr(event, "prefetched", None)
    profile = cache.get("profile", {}) if isinstance(cache, dict) else {}
    name = profile.get("name") or " ".join(
        p for p in (profile.get("first_name"), profile.get("last_name")) if p
    )
    avatar = profile.get("profile_pic", "")
    return Sender(
        external_id=sender_id,
        handle=profile.get("username", ""),
        name=name,
        profile=profile,
        avatar_url=avatar if avatar.startswith(("http://", "https://")) else "",
        profile_fetched=bool(profile),
    )


def graph_for(group: ChannelGroup, *names: str) -> GraphClient:
    try:
        return GraphClient(token(group, *names))
    except SendError:
        return GraphClient("")


def parse_messaging(event, platform: str, kind: str) -> list:
    """Messenger / Instagram ``messaging`` items: messages (text, images, files, stickers), echoes, edits,
    reactions, deliveries and reads."""
    data = load(event)
    item = data.get("messaging") or {}
    account = str(data.get("entry_id", ""))
    group = group_for(event, platform, account)
    sender = str((item.get("sender") or {}).get("id", ""))
    recipient = str((item.get("recipient") or {}).get("id", ""))
    at = from_ms(item.get("timestamp"))
    message = item.get("message")
    if isinstance(message, dict):
        mid = str(message.get("mid", ""))
        if message.get("is_echo") or sender == account:
            return [
                PlatformEvent(
                    channel_group=group,
                    kind="echo",
                    external_ids=[mid],
                    body=str(message.get("text", "")),
                    conversation_key=f"{platform}:{recipient}",
                    at=at,
                    data={"app_id": str(message.get("app_id", ""))},
                )
            ]
        if message.get("is_deleted"):
            return [PlatformEvent(channel_group=group, kind="deleted", external_ids=[mid], at=at)]
        files, unavailable, metadata = [], [], {}
        client = graph_for(group, "page_token")
        downloads = {url: (kind_, name) for kind_, url, name in _downloads(message)}
        for attachment in message.get("attachments") or []:
            kind_ = attachment.get("type", "")
            payload = attachment.get("payload") or {}
            if payload.get("sticker_id") or message.get("sticker_id"):
                metadata["sticker"] = str(payload.get("sticker_id") or message.get("sticker_id"))
            url = str(payload.get("url", ""))
            if url in downloads:
                name = downloads[url][1]
                incoming, reason = cached(
                    event, url, lambda url=url, name=name: fetch_file(client, url, name, authenticated=False)
                )
                if incoming:
                    files.append(incoming)
                else:
                    unavailable.append({"type": kind_, "url": url[:500], "reason": reason})
            else:
                unavailable.append({"type": kind_, "url": url[:500], "reason": "not_downloaded"})
        if unavailable:
            metadata["attachments_unavailable"] = unavailable
        if (message.get("reply_to") or {}).get("mid"):
            metadata["reply_to"] = message["reply_to"]["mid"]
        if (message.get("quick_reply") or {}).get("payload"):
            metadata["quick_reply"] = str(message["quick_reply"]["payload"])[:200]
        return [
            InboundMessage(
                channel_group=group,
                sender=sender_from(event, platform, sender),
                body=str(message.get("text", "")),
                kind=kind,
                external_id=mid,
                conversation_key=f"{platform}:{sender}",
                created_at=at,
                parent_external_id=metadata.get("reply_to", ""),
                attachments=files,
                metadata=metadata,
            )
        ]
    if isinstance(item.get("message_edit"), dict):
        edit = item["message_edit"]
        return [
            PlatformEvent(
                channel_group=group,
                kind="edited",
                external_ids=[str(edit.get("mid", ""))],
                body=str(edit.get("text", "")),
                at=at,
            )
        ]
    if isinstance(item.get("reaction"), dict):
        reaction = item["reaction"]
        return [
            PlatformEvent(
                channel_group=group,
                kind="reaction",
                external_ids=[str(reaction.get("mid", ""))],
                at=at,
                data={
                    "emoji": reaction.get("emoji") or reaction.get("reaction", ""),
                    "action": reaction.get("action", "react"),
                    "by": sender,
                },
            )
        ]
    for name, status in (("delivery", Message.Delivery.DELIVERED), ("read", Message.Delivery.READ)):
        receipt = item.get(name)
        if isinstance(receipt, dict):
            mids = [str(m) for m in receipt.get("mids") or []]
            if receipt.get("mid"):
                mids.append(str(receipt["mid"]))
            return [
                PlatformEvent(
                    channel_group=group,
                    kind="status",
                    status=status,
                    external_ids=mids,
                    watermark=from_ms(receipt.get("watermark")),
                    contact_external_id=sender,
                    at=at,
                )
            ]
    return []


def check_graph_connection(group: ChannelGroup, token_name: str, fields: str = "id,name") -> str:
    """``GET /{id}?fields=…`` with the group's token: the page, account or number the platform knows."""
    if not group.external_id:
        raise SendError(
            _("Enter the platform's id for this channel group first."), code="no_external_id", retryable=False
        )
    data = GraphClient(token(group, token_name)).get(group.external_id, params={"fields": fields})
    described = [str(data[key]) for key in fields.split(",") if key != "id" and data.get(key)]
    return " – ".join(described) or str(data.get("id", group.external_id))
