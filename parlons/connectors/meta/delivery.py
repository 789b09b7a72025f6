"""Split one Meta webhook delivery into items, each stored as its own ``InboundEvent`` under the platform id
that deduplicates it (comment id + verb, message mid, WhatsApp message id, status id + status)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from parlons.tickets.models import Platform


@dataclass
class Item:
    platform: str
    external_id: str
    group_external_id: str
    body: str


def _key(*parts) -> str:
    return ":".join(str(p) for p in parts if p not in (None, ""))


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


def group_external_id(platform: str, data: dict) -> str:
    """The id that names an item's channel group: the WhatsApp number's id, else the page's or Instagram
    account's (the entry's id). Read from the item's stored body too, when it is processed again."""
    if platform == Platform.WHATSAPP:
        value = data.get("value") if isinstance(data.get("value"), dict) else {}
        metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
        return str(metadata.get("phone_number_id", ""))
    return str(data.get("entry_id", ""))


def _item(platform: str, external_id: str, data: dict) -> Item:
    return Item(
        platform,
        external_id[:255],
        group_external_id(platform, data),
        json.dumps(data, ensure_ascii=False, sort_keys=True),
    )


def _change_items(obj: str, entry: dict, change: dict) -> list[Item]:
    field = change.get("field")
    value = change.get("value") or {}
    if not isinstance(value, dict):
        return []
    base = {"object": obj, "entry_id": str(entry.get("id", "")), "time": entry.get("time"), "field": field}
    if obj == "page" and field == "feed":
        if value.get("item") != "comment":
            return []
        verb = value.get("verb", "")
        key = _key("comment", value.get("comment_id"), verb)
        if verb in ("edited", "edit"):
            key = _key(key, _digest(value.get("message", "")))
        return [_item(Platform.FACEBOOK, key, {**base, "value": value})]
    if obj == "instagram" and field in ("comments", "live_comments"):
        key = _key("comment", value.get("id") or value.get("comment_id"))
        return [_item(Platform.INSTAGRAM, key, {**base, "value": value})]
    if obj == "whatsapp_business_account" and field == "messages":
        shared = {k: value[k] for k in ("messaging_product", "metadata", "contacts") if k in value}
        items = []
        for message in value.get("messages") or []:
            key = (
                _key("message", message.get("id")) if message.get("id") else _key("message", _digest(message))
            )
            items.append(_item(Platform.WHATSAPP, key, {**base, "value": {**shared, "messages": [message]}}))
        for status in value.get("statuses") or []:
            key = _key("status", status.get("id"), status.get("status"))
            items.append(_item(Platform.WHATSAPP, key, {**base, "value": {**shared, "statuses": [status]}}))
        return items
    return []


def _messaging_key(event: dict) -> str:
    sender = (event.get("sender") or {}).get("id", "")
    for name in ("message", "message_edit", "reaction"):
        if isinstance(event.get(name), dict) and event[name].get("mid"):
            extra = ""
            if name == "message_edit":
                extra = event[name].get("num_edit", _digest(event[name]))
            if name == "reaction":
                extra = _key(
                    event[name].get("action"), event[name].get("reaction") or event[name].get("emoji")
                )
            return _key(name, event[name]["mid"], extra)
    if isinstance(event.get("delivery"), dict):
        return _key("delivery", sender, event["delivery"].get("watermark"), _digest(event["delivery"]))
    if isinstance(event.get("read"), dict):
        read = event["read"]
        return _key("read", sender, read.get("watermark") or read.get("mid"))
    return _key("messaging", _digest(event))


def split(envelope: dict) -> list[Item]:
    """Every item of a delivery (``object`` page, instagram or whatsapp_business_account)."""
    obj = envelope.get("object")
    items: list[Item] = []
    for entry in envelope.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if isinstance(change, dict):
                items += _change_items(obj, entry, change)
        platform = {"page": Platform.MESSENGER, "instagram": Platform.INSTAGRAM}.get(obj)
        if platform is None:
            continue
        for queue in ("messaging", "standby"):
            for event in entry.get(queue) or []:
                if not isinstance(event, dict):
                    continue
                data = {
                    "object": obj,
                    "entry_id": str(entry.get("id", "")),
                    "time": entry.get("time"),
                    "messaging": event,
                }
                items.append(_item(platform, _messaging_key(event), data))
    return items
