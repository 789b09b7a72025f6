"""Polling mode for X accounts without webhook access (the channel group's credentials say ``"poll": true``).

Every minute, for each such account: ``GET /2/users/{id}/mentions?since_id=...`` and ``GET /2/dm_events``,
each post or DM stored like a webhook delivery (``store_inbound``, deduplicated with the webhook's ids) and
processed by the same task. The cursors (newest mention id, newest DM id) and the rate-limit pauses are kept in
the channel group's encrypted credentials through the catalogue service, so they survive restarts. The
rate-limit headers are respected: after a 429, or when ``x-rate-limit-remaining`` reaches 0, that endpoint is
not called again before ``x-rate-limit-reset``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from parlons.connectors.base import SendError
from parlons.connectors.meta.common import credentials
from parlons.connectors.services import store_inbound
from parlons.connectors.x.client import XClient, reset_in
from parlons.connectors.x.connector import TOKEN_NAMES, USER_FIELDS
from parlons.connectors.x.delivery import polled_dm, polled_post
from parlons.core.scheduler import periodic
from parlons.tickets.models import ChannelGroup, Platform
from parlons.tickets.services.catalogue import update_channel_group

logger = logging.getLogger(__name__)
JOB = "x.poll"
MAX_PAGES = 5
POST_FIELDS = "created_at,author_id,conversation_id,referenced_tweets,attachments,entities,lang,note_tweet"
MEDIA_FIELDS = "url,type,preview_image_url"
DM_FIELDS = "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments,participant_ids"


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _pause_if_exhausted(headers: dict, state: dict, name: str, now: datetime) -> bool:
    """After a successful call: no call left in this window means waiting until it resets."""
    if headers.get("x-rate-limit-remaining") == "0":
        state[f"{name}_blocked_until"] = now.timestamp() + (reset_in(headers, now.timestamp()) or 60)
        return True
    return False


def _blocked(state: dict, name: str, now: datetime) -> bool:
    return float(state.get(f"{name}_blocked_until") or 0) > now.timestamp()


def _failed(exc: SendError, state: dict, name: str, now: datetime, group) -> None:
    if exc.code == "rate_limited":
        state[f"{name}_blocked_until"] = now.timestamp() + (exc.retry_after or 60)
    logger.warning("X polling of %s for channel group %s failed: %s", name, group.pk, exc.code)


def poll_mentions(client: XClient, group: ChannelGroup, state: dict, now: datetime) -> int:
    if _blocked(state, "mentions", now):
        return 0
    params: dict = {
        "max_results": 100,
        "tweet.fields": POST_FIELDS,
        "expansions": "author_id,attachments.media_keys",
        "user.fields": USER_FIELDS,
        "media.fields": MEDIA_FIELDS,
    }
    since = state.get("mentions_since_id")
    if since:
        params["since_id"] = since
    stored, newest, complete = 0, "", False
    try:
        for _page in range(
            MAX_PAGES if since else 1
        ):  # the first poll takes the latest page, not all history
            data = client.get(f"2/users/{group.external_id}/mentions", params=params)
            meta = data.get("meta") or {}
            newest = newest or str(meta.get("newest_id") or "")
            includes = data.get("includes") or {}
            for post in data.get("data") or []:
                if (
                    isinstance(post, dict)
                    and post.get("id")
                    and str(post.get("author_id")) != group.external_id
                ):
                    item = polled_post(group.external_id, post, includes)
                    stored += store_inbound(Platform.X, item.external_id, item.body, channel_group=group)[1]
            exhausted = _pause_if_exhausted(client.last_headers, state, "mentions", now)
            if not meta.get("next_token") or not since:
                complete = True
                break
            if exhausted:
                break
            params["pagination_token"] = meta["next_token"]
    except SendError as exc:
        _failed(exc, state, "mentions", now, group)
    # Move the cursor only once every page since it was read; a retry reads them again (deduplicated).
    if complete and newest and _id(newest) > _id(since):
        state["mentions_since_id"] = newest
    return stored


def poll_dms(client: XClient, group: ChannelGroup, state: dict, now: datetime) -> int:
    if _blocked(state, "dm", now):
        return 0
    last = _id(state.get("dm_newest_id"))
    params: dict = {
        "max_results": 100,
        "event_types": "MessageCreate",
        "dm_event.fields": DM_FIELDS,
        "expansions": "sender_id,attachments.media_keys",
        "user.fields": USER_FIELDS,
        "media.fields": MEDIA_FIELDS,
    }
    stored, newest, complete = 0, last, False
    try:
        for _page in range(MAX_PAGES if last else 1):
            data = client.get("2/dm_events", params=params)
            includes = data.get("includes") or {}
            reached = False
            for dm in data.get("data") or []:
                if not isinstance(dm, dict) or not dm.get("id"):
                    continue
                if _id(dm["id"]) <= last:
                    reached = True
                    continue
                newest = max(newest, _id(dm["id"]))
                if str(dm.get("sender_id")) == group.external_id:
                    continue  # our own DMs
                item = polled_dm(group.external_id, dm, includes)
                stored += store_inbound(Platform.X, item.external_id, item.body, channel_group=group)[1]
            exhausted = _pause_if_exhausted(client.last_headers, state, "dm", now)
            next_token = (data.get("meta") or {}).get("next_token")
            if reached or not next_token or not last:
                complete = True
                break
            if exhausted:
                break
            params["pagination_token"] = next_token
    except SendError as exc:
        _failed(exc, state, "dm", now, group)
    if complete and newest > last:
        state["dm_newest_id"] = str(newest)
    return stored


def _save_state(group: ChannelGroup, state: dict) -> None:
    from parlons.core.actors import SYSTEM

    fresh = ChannelGroup.objects.get(pk=group.pk)
    creds = credentials(fresh)
    if creds.get("poll_state") != state:
        update_channel_group(fresh, actor=SYSTEM, credentials={**creds, "poll_state": state})


def poll_group(group: ChannelGroup, now: datetime) -> int:
    """Read one account's new mentions and DMs; returns how many new deliveries were stored."""
    creds = credentials(group)
    state = dict(creds.get("poll_state") or {})
    token = next((str(creds[n]) for n in (*TOKEN_NAMES, "access_token", "token") if creds.get(n)), "")
    if not token or not group.external_id:
        return 0
    client = XClient(token)
    stored = poll_mentions(client, group, state, now)
    if creds.get("poll_dms", True):
        stored += poll_dms(client, group, state, now)
    _save_state(group, state)
    return stored


@periodic(JOB, every=timedelta(minutes=1))
def poll_x(now: datetime) -> int:
    stored = 0
    groups = (
        ChannelGroup.objects.select_related("channel")
        .filter(channel__platform=Platform.X, is_active=True)
        .exclude(external_id="")
    )
    for group in groups:
        if credentials(group).get("poll"):
            stored += poll_group(group, now)
    return stored
