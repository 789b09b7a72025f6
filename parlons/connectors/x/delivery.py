"""Split one X webhook delivery into items, each stored as its own ``InboundEvent`` under the id that
deduplicates it: ``post:{id}`` for a post, ``dm:{id}`` for a direct message. The same post reaching Parlons
twice (a retry, both webhook formats, a webhook and the polling job, a mention that is also a reply) is one
row.

Two formats arrive at ``/webhooks/x``:

- the X Activity API (XAA): ``{"data": {"event_uuid", "event_type", "filter": {"user_id"}, "payload",
  "includes"}}``, one event per delivery; it is stored as it came;
- the Account Activity API (AAA, deprecated): ``{"for_user_id", "tweet_create_events": [...],
  "direct_message_events": [...], "users": {...}}``; each event is stored with ``for_user_id`` and the users.

The polling job stores what it reads in the XAA shape (``post.mention.create``, and ``parlons.dm_event`` for
a v2 DM event), so one parser handles everything."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

DM_EVENTS = ("dm.received", "dm.sent")
POLLED_DM = "parlons.dm_event"


@dataclass
class Item:
    external_id: str
    account_id: str
    body: str


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _xaa_key(data: dict) -> str:
    event_type = str(data.get("event_type", ""))
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    if event_type.startswith("post.") and payload.get("id"):
        return f"post:{payload['id']}"
    if event_type in DM_EVENTS:
        ids = [
            str(e.get("id", "")) for e in payload.get("direct_message_events") or [] if isinstance(e, dict)
        ]
        if ids and all(ids):
            return "dm:" + ",".join(ids)
    if event_type == POLLED_DM and payload.get("id"):
        return f"dm:{payload['id']}"
    return f"xaa:{data.get('event_uuid') or _digest(data)}"


def split(envelope: dict, raw: str = "") -> list[Item]:
    """Every item of a delivery, in either format. Unknown envelopes give no item."""
    data = envelope.get("data")
    if isinstance(data, dict) and data.get("event_type"):
        account = str((data.get("filter") or {}).get("user_id", ""))
        return [Item(_xaa_key(data)[:255], account, raw or _dump(envelope))]
    if "for_user_id" not in envelope:
        return []
    account = str(envelope.get("for_user_id", ""))
    users = envelope.get("users") if isinstance(envelope.get("users"), dict) else {}
    items = []
    for tweet in envelope.get("tweet_create_events") or []:
        if not isinstance(tweet, dict):
            continue
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        key = f"post:{tweet_id}" if tweet_id else f"aaa:{_digest(tweet)}"
        body = {"for_user_id": account, "tweet_create_events": [tweet]}
        items.append(Item(key[:255], account, _dump(body)))
    for dm in envelope.get("direct_message_events") or []:
        if not isinstance(dm, dict):
            continue
        key = f"dm:{dm['id']}" if dm.get("id") else f"aaa:{_digest(dm)}"
        body = {"for_user_id": account, "direct_message_events": [dm], "users": users}
        items.append(Item(key[:255], account, _dump(body)))
    return items


def polled_post(account_id: str, post: dict, includes: dict) -> Item:
    """A post read from the mentions timeline, stored like an XAA ``post.mention.create``."""
    data = {
        "event_uuid": f"poll:{post.get('id', '')}",
        "filter": {"user_id": account_id},
        "event_type": "post.mention.create",
        "payload": post,
        "includes": includes,
    }
    return Item(f"post:{post.get('id', '')}", account_id, _dump({"data": data}))


def polled_dm(account_id: str, dm: dict, includes: dict) -> Item:
    """A v2 DM event read from ``GET /2/dm_events``."""
    data = {
        "event_uuid": f"poll-dm:{dm.get('id', '')}",
        "filter": {"user_id": account_id},
        "event_type": POLLED_DM,
        "payload": dm,
        "includes": includes,
    }
    return Item(f"dm:{dm.get('id', '')}", account_id, _dump({"data": data}))
