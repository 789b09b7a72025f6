"""Facebook Page comments (``feed`` webhook): one ticket per commenter per post; replies are posted under the
comment through the Graph API; edits, removals and hiding are kept in the history."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, SendResult, register
from parlons.connectors.meta.common import MetaConnector, from_s, group_for, load, token
from parlons.connectors.meta.graph import GraphClient
from parlons.connectors.meta.send import send_messaging
from parlons.connectors.window import check_comment_reply
from parlons.tickets.inbound import InboundMessage, PlatformEvent, Sender
from parlons.tickets.models import MessageKind, Platform
from parlons.tickets.outbound import CheckedReply

VERBS = {"edited": "edited", "edit": "edited", "remove": "deleted", "hide": "hidden", "unhide": "unhidden"}


def comment_permalink(comment_id: str, post_id: str = "") -> str:
    """A link to the comment on Facebook (OPS-17): the post, scrolled to the comment."""
    if not comment_id:
        return ""
    post_part, _sep, comment_part = comment_id.rpartition("_")
    post = post_id or post_part
    return f"https://www.facebook.com/{post}?comment_id={comment_part or comment_id}"


class FacebookConnector(MetaConnector):
    platform = Platform.FACEBOOK

    def check_connection(self, group):
        from parlons.connectors.meta.common import check_graph_connection

        return check_graph_connection(group, "page_token", "id,name")

    def parse(self, event):
        data = load(event)
        value = data.get("value") or {}
        page_id = str(data.get("entry_id", ""))
        group = group_for(event, self.platform, page_id)
        author = value.get("from") or {}
        author_id = str(author.get("id") or value.get("sender_id") or "")
        author_name = str(author.get("name") or value.get("sender_name") or "")
        comment_id = str(value.get("comment_id", ""))
        post_id = str(value.get("post_id", ""))
        at = from_s(value.get("created_time")) or from_s(data.get("time"))
        verb = value.get("verb", "")
        if verb in VERBS:
            return [
                PlatformEvent(
                    channel_group=group,
                    kind=VERBS[verb],
                    external_ids=[comment_id],
                    body=str(value.get("message", "")),
                    at=at if verb != "remove" else timezone.now(),
                )
            ]
        if verb != "add" or not author_id or author_id == page_id:
            return []  # the page's own comments (our replies) and anything else
        parent_id = str(value.get("parent_id", ""))
        metadata = {"post_id": post_id}
        for media in ("photo", "video"):
            if value.get(media):
                metadata[media] = str(value[media])[:1000]
        return [
            InboundMessage(
                channel_group=group,
                sender=Sender(
                    external_id=author_id,
                    name=author_name,
                    profile_url=f"https://www.facebook.com/{author_id}",
                ),
                body=str(value.get("message", "")),
                kind=MessageKind.COMMENT,
                external_id=comment_id,
                conversation_key=f"facebook:{post_id}:{author_id}",
                created_at=at,
                permalink=comment_permalink(comment_id, post_id),
                parent_external_id=parent_id if parent_id and parent_id != post_id else "",
                metadata=metadata,
            )
        ]

    def set_hidden(self, message, hidden: bool) -> None:
        client = GraphClient(token(message.ticket.channel_group, "page_token"))
        client.post(message.external_id, data={"is_hidden": "true" if hidden else "false"})

    def check_reply(self, ticket, body, options):
        return CheckedReply(body=body, metadata=check_comment_reply(ticket, options))

    def send(self, outbound):
        message = outbound.message
        if (message.metadata or {}).get("private_reply_to"):  # by Messenger, to the commenter
            return send_messaging(outbound)
        parent = message.parent
        if parent is None or not parent.external_id:
            raise SendError(_("There is no comment to reply to."), code="no_parent", retryable=False)
        client = GraphClient(token(outbound.channel_group, "page_token"))
        data = client.post(f"{parent.external_id}/comments", data={"message": message.body})
        comment_id = str(data.get("id", ""))
        post_id = (parent.metadata or {}).get("post_id", "")
        return SendResult(external_id=comment_id, permalink=comment_permalink(comment_id, post_id))

    def permalink(self, external_id: str) -> str:
        return comment_permalink(external_id)


register(FacebookConnector())
