"""WhatsApp Cloud API: messages (text, images, documents, locations, contacts, replies, reactions) become
tickets, one per person; media is fetched through the Graph API and stored; statuses (sent, delivered, read,
failed) update our replies; replies go out through ``/{phone-number-id}/messages`` within the 24-hour window."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, SendResult, register
from parlons.connectors.meta.common import (
    MetaConnector,
    cached,
    check_window,
    fetch_file,
    from_s,
    graph_for,
    group_for,
    load,
    token,
)
from parlons.connectors.meta.graph import GraphClient
from parlons.connectors.window import check_whatsapp_reply
from parlons.tickets.inbound import InboundMessage, PlatformEvent, Sender
from parlons.tickets.models import MessageKind, Platform

MEDIA_TYPES = ("image", "document", "sticker", "audio", "video")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def _location_text(loc: dict) -> str:
    lat, lon = loc.get("latitude"), loc.get("longitude")
    parts = [str(loc[k]) for k in ("name", "address") if loc.get(k)]
    if lat is not None and lon is not None:
        parts.append(f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}")
    return "\n".join(parts)


def _contacts_text(contacts: list) -> str:
    lines = []
    for contact in contacts or []:
        name = (contact.get("name") or {}).get("formatted_name", "")
        phones = ", ".join(p.get("phone", "") for p in contact.get("phones") or [] if p.get("phone"))
        emails = ", ".join(e.get("email", "") for e in contact.get("emails") or [] if e.get("email"))
        lines.append(" — ".join(x for x in (name, phones, emails) if x))
    return "\n".join(lines)


class WhatsAppConnector(MetaConnector):
    platform = Platform.WHATSAPP

    def check_connection(self, group):
        from parlons.connectors.meta.common import check_graph_connection

        return check_graph_connection(group, "access_token", "id,display_phone_number,verified_name")

    def parse(self, event):
        data = load(event)
        value = data.get("value") or {}
        phone_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
        group = group_for(event, self.platform, phone_id)
        items = []
        for status in value.get("statuses") or []:
            state = STATUSES.get(status.get("status", ""))
            if not state:
                continue
            errors = status.get("errors") or []
            error = "; ".join(
                str(e.get("title") or e.get("message") or e.get("code", ""))
                for e in errors
                if isinstance(e, dict)
            )
            items.append(
                PlatformEvent(
                    channel_group=group,
                    kind="status",
                    status=state,
                    external_ids=[str(status.get("id", ""))],
                    error=error,
                    at=from_s(status.get("timestamp")),
                    data={"conversation": (status.get("conversation") or {}).get("id", "")},
                )
            )
        names = {
            str(c.get("wa_id", "")): (c.get("profile") or {}).get("name", "")
            for c in value.get("contacts") or []
        }
        for message in value.get("messages") or []:
            sender = str(message.get("from", ""))
            kind = message.get("type", "")
            at = from_s(message.get("timestamp"))
            wamid = str(message.get("id", ""))
            if kind == "reaction":
                reaction = message.get("reaction") or {}
                items.append(
                    PlatformEvent(
                        channel_group=group,
                        kind="reaction",
                        external_ids=[str(reaction.get("message_id", ""))],
                        at=at,
                        data={
                            "emoji": reaction.get("emoji", ""),
                            "action": "react" if reaction.get("emoji") else "unreact",
                            "by": sender,
                        },
                    )
                )
                continue
            metadata: dict = {"type": kind}
            body, files = "", []
            if kind == "text":
                body = str((message.get("text") or {}).get("body", ""))
            elif kind in MEDIA_TYPES:
                media = message.get(kind) or {}
                body = str(media.get("caption", ""))
                incoming, reason = cached(
                    event,
                    f"media:{media.get('id', '')}",
                    lambda media=media, kind=kind: self._media(group, media, kind),
                )
                if incoming:
                    files.append(incoming)
                else:
                    metadata["attachments_unavailable"] = [
                        {"type": kind, "media_id": str(media.get("id", "")), "reason": reason}
                    ]
            elif kind == "location":
                metadata["location"] = message.get("location") or {}
                body = _location_text(metadata["location"])
            elif kind == "contacts":
                metadata["contacts"] = message.get("contacts") or []
                body = _contacts_text(metadata["contacts"])
            elif kind == "button":
                body = str((message.get("button") or {}).get("text", ""))
            elif kind == "interactive":
                reply = message.get("interactive") or {}
                chosen = reply.get("button_reply") or reply.get("list_reply") or {}
                body = str(chosen.get("title", ""))
            context = message.get("context") or {}
            if context.get("forwarded"):
                metadata["forwarded"] = True
            items.append(
                InboundMessage(
                    channel_group=group,
                    sender=Sender(external_id=sender, handle=f"+{sender}", name=str(names.get(sender, ""))),
                    body=body,
                    kind=MessageKind.MESSAGE,
                    external_id=wamid,
                    conversation_key=f"whatsapp:{sender}",
                    created_at=at,
                    parent_external_id=str(context.get("id", "")),
                    attachments=files,
                    metadata=metadata,
                )
            )
        return items

    def prefetch(self, event):
        data = load(event)
        value = data.get("value") or {}
        messages = [m for m in value.get("messages") or [] if m.get("type") in MEDIA_TYPES]
        if not messages:
            return {}
        group = group_for(event, self.platform, str((value.get("metadata") or {}).get("phone_number_id", "")))
        out = {}
        for message in messages:
            media = message.get(message["type"]) or {}
            out[f"media:{media.get('id', '')}"] = self._media(group, media, message["type"])
        return out

    def _media(self, group, media: dict, kind: str):
        media_id = str(media.get("id", ""))
        if not media_id:
            return None, "no_media_id"
        client = graph_for(group, "access_token")
        try:
            info = client.get(media_id)
        except SendError as exc:
            return None, exc.code
        url = str(info.get("url", ""))
        if not url.startswith(("http://", "https://")):
            return None, "no_media_url"
        name = str(media.get("filename") or f"{kind}-{media_id}")[:120]
        return fetch_file(client, url, name, str(media.get("mime_type", "")), authenticated=True)

    def check_reply(self, ticket, body, options):
        return check_whatsapp_reply(ticket, body, options)

    def send(self, outbound):
        group = outbound.channel_group
        message = outbound.message
        check_window(outbound, timezone.now())
        identity = message.ticket.contact.identities.filter(platform=self.platform).first()
        if identity is None:
            raise SendError(_("The client has no WhatsApp number."), code="no_recipient", retryable=False)
        client = GraphClient(token(group, "access_token"))
        path = f"{group.external_id}/messages"
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": identity.external_id}
        if message.parent_id and message.parent.external_id and message.parent.direction == "in":
            base["context"] = {"message_id": message.parent.external_id}
        ids = []
        template = (message.metadata or {}).get("template")
        if template:  # outside the 24-hour window: an approved template, its values in the body
            parameters = [{"type": "text", "text": str(p)} for p in template.get("parameters", [])]
            payload = {"name": template["name"], "language": {"code": template["language"]}}
            if parameters:
                payload["components"] = [{"type": "body", "parameters": parameters}]
            data = client.post(path, json={**base, "type": "template", "template": payload})
            ids.append(str(((data.get("messages") or [{}])[0]).get("id", "")))
        elif message.body:
            data = client.post(
                path, json={**base, "type": "text", "text": {"body": message.body, "preview_url": False}}
            )
            ids.append(str(((data.get("messages") or [{}])[0]).get("id", "")))
        for attachment in message.attachments.all():
            kind = "image" if attachment.content_type in ("image/jpeg", "image/png") else "document"
            with attachment.file.open("rb") as fh:
                uploaded = client.post(
                    f"{group.external_id}/media",
                    data={"messaging_product": "whatsapp", "type": attachment.content_type},
                    files={"file": (attachment.filename, fh.read(), attachment.content_type)},
                )
            media = {"id": str(uploaded.get("id", ""))}
            if kind == "document":
                media["filename"] = attachment.filename
            data = client.post(path, json={**base, "type": kind, kind: media})
            ids.append(str(((data.get("messages") or [{}])[0]).get("id", "")))
        return SendResult(external_id=ids[0] if ids else "")


register(WhatsAppConnector())
