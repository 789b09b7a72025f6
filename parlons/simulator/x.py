"""A local stand-in for the X API v2, and realistic signed X webhook deliveries.

``XSimulator`` (stdlib HTTP server in a thread, like the Graph simulator) answers what Parlons calls: reply
posts (``POST /2/tweets``; 403 when replying to a post that did not mention the account, as self-serve apps
get; 403 over 280 weighted characters), DMs (``POST /2/dm_conversations/with/{id}/messages``), media uploads
(``POST /2/media/upload``), the mentions timeline (``GET /2/users/{id}/mentions`` with ``since_id`` and
pagination), DM events (``GET /2/dm_events``), user lookup (``GET /2/users/{id}``) and media files (public
``/cdn/`` and token-protected ``/dm-media/``). Every answer carries ``x-rate-limit-*`` headers; ``fail_next``
(inherited) makes calls answer 500 or 429 (with ``x-rate-limit-reset``). Sent DMs are kept as echoes, the way
X echoes them to the webhook.

The builders (``xaa_mention``, ``xaa_dm``, ``aaa_tweet``, ``aaa_dm``) return the JSON X posts to a webhook and
``deliver`` posts one signed with the consumer secret; ``XTraffic`` posts a stream of them."""

from __future__ import annotations

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from parlons.connectors.x.signature import HEADER, sign
from parlons.simulator.graph import GraphSimulator, Recorded

ACCOUNT_ID = "1111111111111111111"
ACCOUNT_USERNAME = "ServiceCanada"
MENTIONS = [
    ("en", "@{a} How long does it take to renew a passport right now?"),
    ("fr", "@{a} Combien de temps faut-il pour renouveler un passeport en ce moment?"),
    ("en", "@{a} I applied 6 weeks ago and still have no news. Can someone help?"),
    ("fr", "@{a} Le bureau de Gatineau est-il ouvert le samedi?"),
]
DMS = [
    ("en", "Hello, I need to change the address on my application."),
    ("fr", "Bonjour, je dois changer l'adresse sur ma demande."),
]
PEOPLE = [
    ("2222222222222222222", "marie_tremblay", "Marie Tremblay"),
    ("3333333333333333333", "jsmith", "John Smith"),
    ("4444444444444444444", "emilie_g", "Émilie Gagnon"),
]


def _iso(at: float | None = None) -> str:
    return datetime.fromtimestamp(at or time.time(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user_v2(user_id: str, username: str, name: str, **extra) -> dict:
    return {
        "id": user_id,
        "username": username,
        "name": name,
        "description": extra.pop("description", ""),
        "profile_image_url": extra.pop(
            "profile_image_url", "https://pbs.twimg.com/profile_images/1/a_normal.jpg"
        ),
        "verified": extra.pop("verified", False),
        **extra,
    }


def post_v2(
    post_id: str, author_id: str, text: str, *, conversation_id: str = "", reply_to: str = "", **extra
):
    post = {
        "id": post_id,
        "text": text,
        "author_id": author_id,
        "conversation_id": conversation_id or post_id,
        "created_at": _iso(),
        "edit_history_tweet_ids": [post_id],
        **extra,
    }
    if reply_to:
        post["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    return post


def xaa_mention(account_id: str, post: dict, author: dict, *, event_type="post.mention.create", media=None):
    includes: dict = {"users": [author], "tweets": [post]}
    if media:
        includes["media"] = media
    return {
        "data": {
            "event_uuid": str(post["id"]),
            "filter": {"user_id": account_id},
            "event_type": event_type,
            "tag": "mentions",
            "payload": post,
            "includes": includes,
        }
    }


def legacy_dm(dm_id: str, sender_id: str, recipient_id: str, text: str, *, media_url: str = "") -> dict:
    data: dict = {"text": text, "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}
    if media_url:
        data["attachment"] = {
            "type": "media",
            "media": {"id_str": dm_id, "media_url_https": media_url, "type": "photo"},
        }
    return {
        "type": "message_create",
        "id": dm_id,
        "created_timestamp": str(int(time.time() * 1000)),
        "message_create": {
            "target": {"recipient_id": recipient_id},
            "sender_id": sender_id,
            "message_data": data,
        },
    }


def xaa_dm(account_id: str, dm: dict, sender: dict) -> dict:
    return {
        "data": {
            "event_uuid": f"dm-{dm['id']}",
            "filter": {"user_id": account_id},
            "event_type": "dm.received",
            "tag": "dm-inbound",
            "payload": {"direct_message_events": [dm], "users": {sender["id"]: {"data": sender}}},
        }
    }


def aaa_tweet(account_id: str, tweet_id: str, user_id: str, screen_name: str, name: str, text: str, **extra):
    tweet = {
        "created_at": datetime.now(tz=UTC).strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "in_reply_to_status_id_str": extra.pop("in_reply_to", None),
        "user": {
            "id": int(user_id),
            "id_str": user_id,
            "name": name,
            "screen_name": screen_name,
            "description": extra.pop("description", ""),
            "profile_image_url_https": "https://pbs.twimg.com/profile_images/1/b_normal.jpg",
            "verified": False,
        },
        **extra,
    }
    return {"for_user_id": account_id, "tweet_create_events": [tweet]}


def aaa_dm(account_id: str, dm: dict, users: dict | None = None) -> dict:
    return {"for_user_id": account_id, "direct_message_events": [dm], "users": users or {}}


def deliver(url: str, payload: dict, secret: str, *, client: httpx.Client | None = None) -> httpx.Response:
    """POST one delivery to Parlons, signed with the consumer secret like X signs it."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", HEADER: sign(body, secret)}
    if client is not None:
        return client.post(url, content=body, headers=headers)
    return httpx.post(url, content=body, headers=headers, timeout=30)


class XSimulator(GraphSimulator):
    """``with XSimulator(token=...) as sim:`` runs the fake X API; ``sim.url`` is ``PARLONS_X_API_URL``."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, token: str = "", account_id: str = ACCOUNT_ID
    ):
        super().__init__(host, port, token=token)
        self.account_id = account_id
        self.users: dict[str, dict] = {}
        self.mentions: list[dict] = []  # v2 posts mentioning the account (mentions timeline)
        self.dm_events: list[dict] = []  # v2 DM events (GET /2/dm_events)
        self.summoned: set[str] = set()  # posts that mention or quote the account: replies allowed
        self.self_serve = True
        self.echoes: list[dict] = []  # legacy DM events for the DMs the app sent (X echoes them)
        self.rate_limit = 450
        self.rate_remaining: dict[str, int] = {}
        self._x_ids = itertools.count(1900000000000000001)

    # --- control ------------------------------------------------------------------------------------
    def add_user(self, user: dict) -> None:
        self.users[str(user["id"])] = user

    def add_mention(self, post: dict, author: dict | None = None) -> dict:
        """A post that mentions the account: in the timeline, and one the account may reply to."""
        self.mentions.append(post)
        self.summoned.add(str(post["id"]))
        if author:
            self.add_user(author)
        return post

    def add_dm_event(self, dm: dict, sender: dict | None = None) -> dict:
        self.dm_events.append(dm)
        if sender:
            self.add_user(sender)
        return dm

    def add_dm_media(self, name: str, data: bytes, mime_type: str) -> str:
        """A DM attachment: only downloadable with the account's token."""
        self.media[f"dm:{name}"] = (data, mime_type)
        return f"{self.url}/dm-media/{name}"

    def next_id(self) -> str:
        with self._lock:
            return str(next(self._x_ids))

    # --- behaviour ----------------------------------------------------------------------------------
    def _limits(self, endpoint: str, *, spend: bool = True) -> dict:
        with self._lock:
            remaining = self.rate_remaining.get(endpoint, self.rate_limit)
            if spend:
                remaining = max(0, remaining - 1)
                self.rate_remaining[endpoint] = remaining
        return {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time()) + 900),
        }

    def handle(self, rec: Recorded):
        path = rec.path
        if path.startswith("/_sim/"):
            return self._x_control(rec)
        if self.delay:
            time.sleep(self.delay)
        fault = self._take_fault(path)
        if fault:
            reset = int(time.time()) + int(fault.retry_after or (900 if fault.status == 429 else 0))
            headers = (
                {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
                if fault.status == 429
                else {}
            )
            title = "Too Many Requests" if fault.status == 429 else "Service Unavailable"
            return (
                fault.status,
                headers,
                fault.body or {"title": title, "detail": "Simulated failure", "status": fault.status},
            )
        if path.startswith("/cdn/"):
            found = self.cdn.get(path[5:])
            return (200, {"Content-Type": found[1]}, found[0]) if found else (404, {}, {"title": "Not Found"})
        if self.token and rec.headers.get("authorization") != f"Bearer {self.token}":
            return (
                401,
                {},
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
            )
        if path.startswith("/dm-media/"):
            found = self.media.get(f"dm:{path.rsplit('/', 1)[-1]}")
            if not found or not rec.headers.get("authorization", "").startswith("Bearer "):
                return 404 if not found else 401, {}, {"title": "Not Found"}
            return 200, {"Content-Type": found[1]}, found[0]
        return self._api(rec)

    def _api(self, rec: Recorded):
        path, method = rec.path, rec.method
        if method == "POST" and path == "/2/tweets":
            return self._post_tweet(rec)
        if method == "POST" and path.startswith("/2/dm_conversations/with/") and path.endswith("/messages"):
            return self._send_dm(rec, path.split("/")[4])
        if method == "POST" and path == "/2/media/upload":
            self.created.append(rec)
            n = self.next_id()
            return 200, {}, {"data": {"id": n, "media_key": f"3_{n}", "expires_after_secs": 86400}}
        if method == "GET" and path.startswith("/2/users/") and path.endswith("/mentions"):
            return self._mentions(rec, path.split("/")[3])
        if method == "GET" and path == "/2/dm_events":
            return self._dm_events(rec)
        if method == "GET" and path.startswith("/2/users/"):
            user = self.users.get(path.split("/")[3])
            if user is None:
                return 404, self._limits("users"), {"errors": [{"title": "Not Found Error"}]}
            return 200, self._limits("users"), {"data": user}
        return 404, {}, {"title": "Not Found", "detail": f"Unknown path {path}"}

    def _post_tweet(self, rec: Recorded):
        from parlons.connectors.x.text import weighted_length

        headers = self._limits("tweets")
        payload = rec.json or {}
        text = str(payload.get("text", ""))
        reply_to = str((payload.get("reply") or {}).get("in_reply_to_tweet_id", ""))
        if weighted_length(text) > 280:
            return (
                403,
                headers,
                {"title": "Forbidden", "detail": "Your Tweet text is too long.", "status": 403},
            )
        if reply_to and self.self_serve and self.summoned and reply_to not in self.summoned:
            detail = (
                "Reply to this conversation is not allowed because you have not been mentioned or "
                "otherwise engaged by the author of the post you are replying to."
            )
            return 403, headers, {"title": "Forbidden", "detail": detail, "status": 403}
        self.created.append(rec)
        post_id = self.next_id()
        return 201, headers, {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}

    def _send_dm(self, rec: Recorded, participant: str):
        headers = self._limits("dm_send")
        payload = rec.json or {}
        if not payload.get("text") and not payload.get("attachments"):
            return 400, headers, {"title": "Invalid Request", "detail": "text or attachments is required"}
        if len(payload.get("attachments") or []) > 1:
            return 400, headers, {"title": "Invalid Request", "detail": "one attachment at most"}
        self.created.append(rec)
        event_id = self.next_id()
        a, b = sorted((self.account_id, participant), key=lambda v: (len(v), v))
        self.echoes.append(legacy_dm(event_id, self.account_id, participant, str(payload.get("text", ""))))
        return 201, headers, {"data": {"dm_conversation_id": f"{a}-{b}", "dm_event_id": event_id}}

    def _page(self, rec: Recorded, items: list[dict], key: str):
        """Newest first; ``since_id`` filters; ``max_results`` and ``pagination_token`` page."""
        items = sorted(items, key=lambda p: int(p["id"]), reverse=True)
        since = rec.query.get("since_id")
        if since:
            items = [p for p in items if int(p["id"]) > int(since)]
        size = max(1, min(int(rec.query.get("max_results", "100") or 100), 100))
        start = int(rec.query.get("pagination_token", "0") or 0)
        page = items[start : start + size]
        meta: dict = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if start + size < len(items):
            meta["next_token"] = str(start + size)
        ids = {str(p.get(key, "")) for p in page}
        users = [self.users[u] for u in sorted(ids) if u in self.users]
        body: dict = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": users}
        return body

    def _mentions(self, rec: Recorded, user_id: str):
        headers = self._limits("mentions")
        if user_id != self.account_id:
            return 403, headers, {"title": "Forbidden", "detail": "Not this account"}
        return 200, headers, self._page(rec, self.mentions, "author_id")

    def _dm_events(self, rec: Recorded):
        headers = self._limits("dm_events")
        return 200, headers, self._page(rec, self.dm_events, "sender_id")

    def _x_control(self, rec: Recorded):
        data = rec.json or {}
        if rec.path == "/_sim/x/mention" and rec.method == "POST":
            author = data.get("author") or {}
            self.add_mention(data["post"], author or None)
            return 200, {}, {"mentions": len(self.mentions)}
        if rec.path == "/_sim/x/echoes":
            return 200, {}, {"echoes": self.echoes}
        return self._control(rec)


@dataclass
class XTraffic:
    """A stream of signed X deliveries for one account, in both webhook formats, with duplicates and the
    account's own echoes mixed in."""

    account_id: str = ACCOUNT_ID
    username: str = ACCOUNT_USERNAME
    seed: int = 1
    sent: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.random = random.Random(self.seed)
        self.n = 0

    def _id(self) -> str:
        self.n += 1
        return str(1800000000000000000 + self.n)

    def mention(self) -> dict:
        uid, handle, name = self.random.choice(PEOPLE)
        _lang, text = self.random.choice(MENTIONS)
        post_id = self._id()
        author = user_v2(uid, handle, name, description="Citoyenne / Citizen")
        return xaa_mention(self.account_id, post_v2(post_id, uid, text.format(a=self.username)), author)

    def legacy_mention(self) -> dict:
        uid, handle, name = self.random.choice(PEOPLE)
        _lang, text = self.random.choice(MENTIONS)
        return aaa_tweet(self.account_id, self._id(), uid, handle, name, text.format(a=self.username))

    def dm(self) -> dict:
        uid, handle, name = self.random.choice(PEOPLE)
        _lang, text = self.random.choice(DMS)
        return xaa_dm(
            self.account_id, legacy_dm(self._id(), uid, self.account_id, text), user_v2(uid, handle, name)
        )

    def echo(self) -> dict:
        uid, _handle, _name = self.random.choice(PEOPLE)
        return aaa_dm(self.account_id, legacy_dm(self._id(), self.account_id, uid, "Merci / Thank you"))

    def mix(self, count: int) -> list[dict]:
        makers = [self.mention, self.mention, self.legacy_mention, self.dm, self.echo]
        return [self.random.choice(makers)() for _ in range(count)]

    def run(self, url: str, secret: str, *, count: int = 20, duplicates: float = 0.1, pause: float = 0.0):
        """Post ``count`` deliveries (some twice); returns (status counts, seconds)."""
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        with httpx.Client(timeout=30) as client:
            for payload in self.mix(count):
                for _ in range(2 if self.random.random() < duplicates else 1):
                    status = deliver(url, payload, secret, client=client).status_code
                    statuses[status] = statuses.get(status, 0) + 1
                self.sent.append(payload)
                if pause:
                    time.sleep(pause)
        return statuses, time.perf_counter() - started
