"""Read X payloads (v2 posts and DM events, v1.1 tweets and legacy DM events) into one plain shape, so the
connector decides once what becomes a ticket. Nothing here touches the database or the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from parlons.connectors.x.delivery import POLLED_DM


@dataclass
class XUser:
    id: str
    username: str = ""
    name: str = ""
    description: str = ""
    profile_image_url: str = ""
    verified: bool | None = None
    location: str = ""

    def profile(self) -> dict:
        """Profile fields shown in the contact panel (OPS-1): only what X gave."""
        out = {
            "name": self.name,
            "username": self.username,
            "description": self.description,
            "profile_image_url": self.profile_image_url,
            "location": self.location,
        }
        out = {k: v[:1000] for k, v in out.items() if v}
        if self.verified is not None:
            out["verified"] = bool(self.verified)
        return out


@dataclass
class Media:
    url: str
    kind: str = "photo"
    key: str = ""
    authenticated: bool = False  # DM media needs the account's token; post media is public

    @property
    def filename(self) -> str:
        return (self.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or self.key or "media")[:80]


@dataclass
class XItem:
    """A post or a direct message."""

    kind: str  # "post" or "dm"
    id: str
    text: str
    author_id: str
    author: XUser | None = None
    created_at: datetime | None = None
    conversation_id: str = ""
    in_reply_to: str = ""
    recipient_id: str = ""
    media: list[Media] = field(default_factory=list)
    source: str = ""  # xaa, aaa, poll
    event_type: str = ""
    lang: str = ""


def _s(value) -> str:
    return "" if value is None else str(value)


def user_from(data) -> XUser | None:
    """A v2 user (``username``), a v1.1 user (``screen_name``), or an XAA DM user (``{"data": {...}}``)."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("data"), dict):
        data = data["data"]
    uid = _s(data.get("id_str") or data.get("id"))
    if not uid:
        return None
    avatar = _s(data.get("profile_image_url_https") or data.get("profile_image_url"))
    return XUser(
        id=uid,
        username=_s(data.get("username") or data.get("screen_name")),
        name=_s(data.get("name")),
        description=_s(data.get("description")),
        profile_image_url=avatar if avatar.startswith(("http://", "https://")) else "",
        verified=data.get("verified") if isinstance(data.get("verified"), bool) else None,
        location=_s(data.get("location")),
    )


def _users(includes) -> dict[str, XUser]:
    users = {}
    raw = includes.get("users") if isinstance(includes, dict) else None
    values = raw.values() if isinstance(raw, dict) else raw or []
    for entry in values:
        user = user_from(entry)
        if user:
            users[user.id] = user
    return users


def _ms(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso(value) -> datetime | None:
    try:
        return parse_datetime(_s(value)) if value else None
    except ValueError:
        return None


def _v1_time(value) -> datetime | None:
    try:
        return datetime.strptime(_s(value), "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None


def _v2_media(keys, includes) -> list[Media]:
    by_key = {
        _s(m.get("media_key")): m
        for m in (includes.get("media") or [] if isinstance(includes, dict) else [])
        if isinstance(m, dict)
    }
    out = []
    for key in keys or []:
        m = by_key.get(_s(key)) or {}
        url = _s(m.get("url") or m.get("preview_image_url"))
        if url.startswith(("http://", "https://")):
            out.append(Media(url=url, kind=_s(m.get("type") or "photo"), key=_s(key)))
    return out


def post_v2(post: dict, includes: dict, *, source: str, event_type: str = "") -> XItem:
    users = _users(includes)
    author_id = _s(post.get("author_id"))
    reply_to = ""
    for ref in post.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            reply_to = _s(ref.get("id"))
    text = _s((post.get("note_tweet") or {}).get("text") or post.get("text"))
    return XItem(
        kind="post",
        id=_s(post.get("id")),
        text=text,
        author_id=author_id,
        author=users.get(author_id),
        created_at=_iso(post.get("created_at")),
        conversation_id=_s(post.get("conversation_id")),
        in_reply_to=reply_to,
        media=_v2_media((post.get("attachments") or {}).get("media_keys"), includes),
        source=source,
        event_type=event_type,
        lang=_s(post.get("lang")),
    )


def tweet_v1(tweet: dict) -> XItem:
    user = user_from(tweet.get("user") or {})
    extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
    text = _s(extended.get("full_text") or tweet.get("full_text") or tweet.get("text"))
    entities = extended.get("extended_entities") or tweet.get("extended_entities") or {}
    media = [
        Media(url=_s(m.get("media_url_https") or m.get("media_url")), kind=_s(m.get("type") or "photo"))
        for m in entities.get("media") or []
        if isinstance(m, dict) and _s(m.get("media_url_https") or m.get("media_url")).startswith("http")
    ]
    return XItem(
        kind="post",
        id=_s(tweet.get("id_str") or tweet.get("id")),
        text=text,
        author_id=user.id if user else "",
        author=user,
        created_at=_v1_time(tweet.get("created_at")),
        conversation_id=_s(tweet.get("conversation_id_str") or tweet.get("conversation_id")),
        in_reply_to=_s(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")),
        media=media,
        source="aaa",
        event_type="tweet_create_events",
        lang=_s(tweet.get("lang")),
    )


def dm_legacy(dm: dict, users: dict, *, source: str, event_type: str) -> XItem | None:
    """A ``message_create`` event of the Account Activity API (also wrapped by XAA ``dm.received``)."""
    if dm.get("type", "message_create") != "message_create":
        return None
    create = dm.get("message_create") or {}
    data = create.get("message_data") or {}
    sender = _s(create.get("sender_id"))
    attachment = data.get("attachment") or {}
    found = attachment.get("media") if isinstance(attachment, dict) else None
    # The X docs show one media object; some fixtures carry a list. Accept both.
    entries = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    media = [
        Media(
            url=_s(m.get("media_url_https") or m.get("media_url")), kind=_s(m.get("type")), authenticated=True
        )
        for m in entries
        if isinstance(m, dict) and _s(m.get("media_url_https") or m.get("media_url")).startswith("http")
    ]
    return XItem(
        kind="dm",
        id=_s(dm.get("id")),
        text=_s(data.get("text")),
        author_id=sender,
        author=user_from((users or {}).get(sender)),
        created_at=_ms(dm.get("created_timestamp")),
        recipient_id=_s((create.get("target") or {}).get("recipient_id")),
        media=media,
        source=source,
        event_type=event_type,
    )


def dm_v2(dm: dict, includes: dict, *, source: str) -> XItem | None:
    """A v2 DM event (``GET /2/dm_events``)."""
    if dm.get("event_type", "MessageCreate") != "MessageCreate":
        return None
    sender = _s(dm.get("sender_id"))
    participants = [_s(p) for p in dm.get("participant_ids") or []]
    recipient = next((p for p in participants if p != sender), "")
    media = [
        Media(url=m.url, kind=m.kind, key=m.key, authenticated=True)
        for m in _v2_media((dm.get("attachments") or {}).get("media_keys"), includes)
    ]
    return XItem(
        kind="dm",
        id=_s(dm.get("id")),
        text=_s(dm.get("text")),
        author_id=sender,
        author=_users(includes).get(sender),
        created_at=_iso(dm.get("created_at")),
        conversation_id=_s(dm.get("dm_conversation_id")),
        recipient_id=recipient,
        media=media,
        source=source,
        event_type=POLLED_DM,
    )


def items_of(data: dict) -> tuple[str, list[XItem]]:
    """(account id, items) of one stored delivery item, in any of the formats ``delivery`` stores."""
    xaa = data.get("data")
    if isinstance(xaa, dict) and xaa.get("event_type"):
        account = _s((xaa.get("filter") or {}).get("user_id"))
        event_type = _s(xaa.get("event_type"))
        payload = xaa.get("payload") if isinstance(xaa.get("payload"), dict) else {}
        includes = xaa.get("includes") if isinstance(xaa.get("includes"), dict) else {}
        source = "poll" if _s(xaa.get("event_uuid")).startswith("poll") else "xaa"
        if event_type.startswith("post.") and payload.get("id"):
            return account, [post_v2(payload, includes, source=source, event_type=event_type)]
        if event_type in ("dm.received", "dm.sent"):
            users = payload.get("users") if isinstance(payload.get("users"), dict) else {}
            found = [
                dm_legacy(dm, users, source=source, event_type=event_type)
                for dm in payload.get("direct_message_events") or []
                if isinstance(dm, dict)
            ]
            return account, [i for i in found if i]
        if event_type == POLLED_DM:
            item = dm_v2(payload, includes, source=source)
            return account, [item] if item else []
        return account, []
    account = _s(data.get("for_user_id"))
    items: list[XItem] = []
    for tweet in data.get("tweet_create_events") or []:
        if isinstance(tweet, dict):
            items.append(tweet_v1(tweet))
    users = data.get("users") if isinstance(data.get("users"), dict) else {}
    for dm in data.get("direct_message_events") or []:
        if isinstance(dm, dict):
            item = dm_legacy(dm, users, source="aaa", event_type="direct_message_events")
            if item:
                items.append(item)
    return account, items


def dm_conversation_id(a: str, b: str) -> str:
    """X's id of a one-to-one DM conversation: the two user ids, smaller first, joined by a dash."""
    if not a or not b:
        return a or b
    first, second = sorted((a, b), key=lambda v: (len(v), v))
    return f"{first}-{second}"


def permalink(post_id: str, username: str = "") -> str:
    """The post on X (OPS-17)."""
    if not post_id:
        return ""
    if username:
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"
