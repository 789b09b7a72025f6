"""Instagram: comments on the account's media (one ticket per commenter per media, replies under the comment)
and direct messages (Messenger-style, 24-hour window)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, SendResult, register
from parlons.connectors.meta.common import (
    MetaConnector,
    from_s,
    group_for,
    load,
    parse_messaging,
    prefetch_messaging,
    token,
)
from parlons.connectors.meta.graph import GraphClient
from parlons.connectors.meta.send import send_messaging
from parlons.connectors.window import check_comment_reply, check_messaging_reply
from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import MessageKind, Platform
from parlons.tickets.outbound import CheckedReply


class InstagramConnector(MetaConnector):
    platform = Platform.INSTAGRAM

    def check_connection(self, group):
        from parlons.connectors.meta.common import check_graph_connection

        return check_graph_connection(group, "page_token", "id,username,name")

    def parse(self, event):
        data = load(event)
        if "messaging" in data:
            return parse_messaging(event, self.platform, MessageKind.DM)
        value = data.get("value") or {}
        account = str(data.get("entry_id", ""))
        group = group_for(event, self.platform, account)
        author = value.get("from") or {}
        author_id = str(author.get("id", ""))
        if not author_id or author_id == account:
            return []
        media = value.get("media") or {}
        media_id = str(media.get("id") or value.get("media_id") or "")
        parent_id = str(value.get("parent_id", ""))
        return [
            InboundMessage(
                channel_group=group,
                sender=Sender(external_id=author_id, handle=str(author.get("username", ""))),
                body=str(value.get("text", "")),
                kind=MessageKind.COMMENT,
                external_id=str(value.get("id") or value.get("comment_id") or ""),
                conversation_key=f"instagram:{media_id}:{author_id}",
                created_at=from_s(data.get("time")),
                parent_external_id=parent_id,
                metadata={
                    "media_id": media_id,
                    "media_product_type": str(media.get("media_product_type", "")),
                },
            )
        ]

    def prefetch(self, event):
        return prefetch_messaging(event, self.platform) if "messaging" in load(event) else {}

    def set_hidden(self, message, hidden: bool) -> None:
        client = GraphClient(token(message.ticket.channel_group, "page_token"))
        client.post(message.external_id, data={"hide": "true" if hidden else "false"})

    def check_reply(self, ticket, body, options):
        if ticket.kind == MessageKind.COMMENT:
            return CheckedReply(body=body, metadata=check_comment_reply(ticket, options))
        return CheckedReply(body=body, metadata=check_messaging_reply(ticket, options))

    def send(self, outbound):
        message = outbound.message
        if message.kind != MessageKind.COMMENT or (message.metadata or {}).get("private_reply_to"):
            return send_messaging(outbound)
        parent = message.parent
        if parent is None or not parent.external_id:
            raise SendError(_("There is no comment to reply to."), code="no_parent", retryable=False)
        # Only top-level comments take replies: answer under the thread's first comment.
        target = (
            parent.parent.external_id
            if parent.parent_id and parent.parent.external_id
            else parent.external_id
        )
        client = GraphClient(token(outbound.channel_group, "page_token"))
        data = client.post(f"{target}/replies", data={"message": message.body})
        return SendResult(external_id=str(data.get("id", "")))


register(InstagramConnector())
