"""X (Twitter): mentions and replies to the account open or continue a ticket per conversation thread (with the
permalink to the post), direct messages a ticket per DM conversation; the account's own posts and DMs (echoes)
are ignored. Agents answer a mention with a reply post (``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``,
280 characters as X counts them) and a DM with ``POST /2/dm_conversations/with/{participant_id}/messages``;
images go with them (uploaded first). Profiles (name, handle, bio, avatar, verified) are kept on the contact's
identity (OPS-1)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.connectors.base import Connector, SendError, SendResult, register
from parlons.connectors.meta.common import cached, credentials, fetch_file, group_for, load, token
from parlons.connectors.window import check_x_dm
from parlons.connectors.x import parse as xparse
from parlons.connectors.x.client import XClient
from parlons.connectors.x.text import check_dm, check_post
from parlons.core.errors import Invalid
from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import Message, MessageKind, Platform
from parlons.tickets.outbound import CheckedReply

TOKEN_NAMES = ("user_token", "bearer_token")
USER_FIELDS = "name,username,description,profile_image_url,verified,location"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
MAX_POST_IMAGES = 4


def client_for(group) -> XClient:
    try:
        return XClient(token(group, *TOKEN_NAMES))
    except SendError:
        return XClient("")


def _sender(item: xparse.XItem, fetched: dict | None):
    user = item.author
    if user is None and fetched:
        user = xparse.user_from(fetched)
    if user is None:
        return Sender(external_id=item.author_id)
    return Sender(
        external_id=item.author_id,
        handle=user.username,
        name=user.name,
        profile=user.profile(),
        profile_url=f"https://x.com/{user.username}" if user.username else "",
        avatar_url=user.profile_image_url,
    )


def _conversation_key(group, item: xparse.XItem, account: str) -> str:
    if item.kind == "dm":
        other = item.recipient_id if item.author_id == account else item.author_id
        return f"x:dm:{item.conversation_id or xparse.dm_conversation_id(account, other)}"
    if item.conversation_id:
        return f"x:post:{item.conversation_id}"
    # Account Activity API tweets carry no conversation id: follow the post it answers when we have it.
    if item.in_reply_to:
        parent = (
            Message.objects.filter(
                platform=Platform.X, external_id=item.in_reply_to, ticket__channel_group=group
            )
            .select_related("ticket")
            .first()
        )
        if parent is not None:
            return parent.ticket.conversation_key
    return f"x:post:{item.in_reply_to or item.id}"


class XConnector(Connector):
    platform = Platform.X
    parse_reads_stored = True  # finds the ticket a reply belongs to by the message it refers to

    def _items(self, event):
        account, items = xparse.items_of(load(event))
        return account, [i for i in items if i.id and i.author_id and i.author_id != account]

    def prefetch(self, event):
        """Media downloads (checked by content) and, when the delivery has no profile, ``GET /2/users/:id``."""
        account, items = self._items(event)
        if not items:
            return {}
        client = client_for(group_for(event, self.platform, account))
        out: dict = {}
        for item in items:
            for media in item.media:
                out[media.url] = fetch_file(
                    client, media.url, media.filename, authenticated=media.authenticated
                )
            if item.author is None:
                try:
                    found = client.get(f"2/users/{item.author_id}", params={"user.fields": USER_FIELDS})
                except SendError:
                    found = {}
                out[f"user:{item.author_id}"] = found.get("data") or {}
        return out

    def parse(self, event):
        account, items = self._items(event)
        if not items:
            return []  # the account's own posts and DMs (echoes), or events Parlons does not handle
        group = group_for(event, self.platform, account)
        client = client_for(group)
        out = []
        for item in items:
            files, unavailable = [], []
            for media in item.media:
                incoming, reason = cached(
                    event,
                    media.url,
                    lambda m=media: fetch_file(client, m.url, m.filename, authenticated=m.authenticated),
                )
                if incoming:
                    files.append(incoming)
                else:
                    unavailable.append({"type": media.kind, "url": media.url[:500], "reason": reason})
            metadata = {"x_source": item.source, "x_event": item.event_type}
            if item.conversation_id:
                metadata["conversation_id"] = item.conversation_id
            if item.in_reply_to:
                metadata["in_reply_to"] = item.in_reply_to
            if unavailable:
                metadata["attachments_unavailable"] = unavailable
            fetched = cached(event, f"user:{item.author_id}", lambda: {}) if item.author is None else None
            sender = _sender(item, fetched)
            is_post = item.kind == "post"
            out.append(
                InboundMessage(
                    channel_group=group,
                    sender=sender,
                    body=item.text,
                    kind=MessageKind.MENTION if is_post else MessageKind.DM,
                    external_id=item.id,
                    conversation_key=_conversation_key(group, item, account),
                    created_at=item.created_at,
                    permalink=xparse.permalink(item.id, sender.handle) if is_post else "",
                    parent_external_id=item.in_reply_to if is_post else "",
                    language=item.lang if item.lang in ("en", "fr") else "",
                    attachments=files,
                    metadata=metadata,
                )
            )
        return out

    # --- sending -----------------------------------------------------------------------------------
    def check_reply(self, ticket, body, options):
        """A reply X would refuse is refused before it is stored or queued: a reply post over 280 characters as
        X counts them or with more than four images, a direct message over its limit, a file that is not an image
        (checked by content). The sender checks again (``_send_post``, ``_upload``)."""
        metadata = check_x_dm(ticket, options)
        dm = ticket.kind == MessageKind.DM or options.x_dm
        if dm:
            check_dm(body)
        elif ticket.kind == MessageKind.MENTION:
            check_post(body)
            if len(options.attachments) > MAX_POST_IMAGES:
                raise Invalid(
                    _("A post on X carries at most %(max)s images.") % {"max": MAX_POST_IMAGES},
                    code="x_media_refused",
                    details={"field": "attachments"},
                )
        for incoming in options.attachments:
            if incoming.checked()[1] not in IMAGE_TYPES:
                raise Invalid(
                    _("X accepts images (JPEG, PNG, GIF) only; “%(name)s” cannot be sent there.")
                    % {"name": incoming.filename},
                    code="x_media_refused",
                    details={"field": "attachments"},
                )
        return CheckedReply(body=body, metadata=metadata)

    def _upload(self, client: XClient, attachment, category: str) -> str:
        if attachment.content_type not in IMAGE_TYPES:
            raise SendError(
                _("X accepts images (JPEG, PNG, GIF) only; “%(name)s” cannot be sent there.")
                % {"name": attachment.filename},
                code="x_media_refused",
                retryable=False,
            )
        with attachment.file.open("rb") as fh:
            data = client.post(
                "2/media/upload",
                data={"media_category": category, "media_type": attachment.content_type},
                files={"media": (attachment.filename, fh.read(), attachment.content_type)},
            )
        media_id = str((data.get("data") or {}).get("id") or data.get("media_id_string") or "")
        if not media_id:
            raise SendError(_("X did not accept the image."), code="x_media_refused", retryable=True)
        return media_id

    def send(self, outbound):
        message = outbound.message
        group = outbound.channel_group
        client = XClient(token(group, *TOKEN_NAMES))
        attachments = list(message.attachments.all())
        if message.kind == MessageKind.DM or (message.metadata or {}).get("x_dm"):
            return self._send_dm(client, outbound, attachments)
        return self._send_post(client, outbound, attachments)

    def _send_post(self, client, outbound, attachments) -> SendResult:
        message = outbound.message
        parent = message.parent
        if parent is None or not parent.external_id or parent.direction != Message.Direction.IN:
            raise SendError(_("There is no post to reply to."), code="no_parent", retryable=False)
        try:
            check_post(message.body)
        except Invalid as exc:
            raise SendError(str(exc.message), code="too_long_for_x", retryable=False)
        if len(attachments) > MAX_POST_IMAGES:
            raise SendError(
                _("A post on X carries at most %(max)s images.") % {"max": MAX_POST_IMAGES},
                code="x_media_refused",
                retryable=False,
            )
        payload: dict = {"text": message.body, "reply": {"in_reply_to_tweet_id": parent.external_id}}
        media_ids = [self._upload(client, a, "tweet_image") for a in attachments]
        if media_ids:
            payload["media"] = {"media_ids": media_ids}
        data = client.post("2/tweets", json=payload)
        post_id = str((data.get("data") or {}).get("id", ""))
        username = str(credentials(outbound.channel_group).get("username", ""))
        return SendResult(external_id=post_id, permalink=xparse.permalink(post_id, username))

    def _send_dm(self, client, outbound, attachments) -> SendResult:
        message = outbound.message
        try:
            check_dm(message.body)
        except Invalid as exc:
            raise SendError(str(exc.message), code="too_long_for_x", retryable=False)
        identity = message.ticket.contact.identities.filter(platform=Platform.X).first()
        if identity is None:
            raise SendError(
                _("The client has no X account to write to."), code="no_recipient", retryable=False
            )
        path = f"2/dm_conversations/with/{identity.external_id}/messages"
        ids = []
        # X takes one attachment per DM: the text goes with the first image, other images follow alone.
        media_ids = [self._upload(client, a, "dm_image") for a in attachments]
        bodies = []
        if message.body or media_ids:
            first: dict = {"text": message.body} if message.body else {}
            if media_ids:
                first["attachments"] = [{"media_id": media_ids[0]}]
            bodies.append(first)
        bodies += [{"attachments": [{"media_id": m}]} for m in media_ids[1:]]
        for body in bodies:
            data = client.post(path, json=body)
            ids.append(str((data.get("data") or {}).get("dm_event_id", "")))
        return SendResult(external_id=ids[0] if ids else "")

    def permalink(self, external_id: str) -> str:
        return xparse.permalink(external_id)


register(XConnector())
