"""Channels with no remote platform: the API channel (integrations, a chatbot) and phone calls logged by an
agent. Inbound deliveries are Parlons' own normalized JSON; a reply is delivered once it is stored, since the
integration reads it back through the API (or the agent said it on the phone)."""

from __future__ import annotations

import json

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parlons.connectors.base import Connector, SendResult, register
from parlons.core.errors import Invalid
from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import ChannelGroup, MessageKind, Platform


class LocalConnector(Connector):
    default_kind = MessageKind.MESSAGE

    def __init__(self, platform: str, default_kind: str):
        self.platform = platform
        self.default_kind = default_kind

    def parse(self, event):
        try:
            data = json.loads(event.body)
            sender = data["sender"]
            group = event.channel_group or ChannelGroup.objects.get(
                channel__platform=self.platform, external_id=str(data["channel_group"])
            )
            return [
                InboundMessage(
                    channel_group=group,
                    sender=Sender(
                        external_id=str(sender["id"]),
                        handle=str(sender.get("handle", "")),
                        name=str(sender.get("name", "")),
                        email=str(sender.get("email", "")),
                        profile=dict(sender.get("profile") or {}),
                    ),
                    body=str(data.get("body", "")),
                    kind=str(data.get("kind") or self.default_kind),
                    external_id=str(data.get("id") or event.external_id),
                    conversation_key=str(data.get("conversation") or ""),
                    created_at=parse_datetime(data["created_at"]) if data.get("created_at") else None,
                    subject=str(data.get("subject", "")),
                    language=str(data.get("language", "")),
                )
            ]
        except (ValueError, KeyError, TypeError, ChannelGroup.DoesNotExist) as exc:
            raise Invalid(_("The delivery is not a valid Parlons message: %(error)s") % {"error": exc})

    def send(self, outbound):
        return SendResult(external_id=f"{self.platform}-{outbound.message_id}")


register(LocalConnector(Platform.API, MessageKind.MESSAGE))
register(LocalConnector(Platform.PHONE, MessageKind.CALL))
