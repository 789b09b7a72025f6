"""What every platform connector implements, and the registry that finds one by platform.

Adding a platform means adding one sub-package with a ``Connector`` subclass registered here; the ingest and
send paths do not change (STYLE.md rule 5)."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from parlons.connectors.models import InboundEvent, OutboundMessage
    from parlons.tickets.inbound import InboundMessage, PlatformEvent
    from parlons.tickets.models import Ticket
    from parlons.tickets.outbound import CheckedReply, ReplyOptions


class SendError(Exception):
    """A send that failed. ``retryable`` errors are tried again with backoff; others fail at once."""

    def __init__(
        self, message: str, *, code: str = "send_failed", retryable: bool = True, retry_after: float = 0
    ):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class SendResult:
    external_id: str = ""
    permalink: str = ""


class Connector:
    platform: ClassVar[str] = ""
    # True when ``parse`` reads what earlier deliveries stored (threading a reply by the message it refers to):
    # a batch then stores the deliveries before it first, rather than parsing ahead.
    parse_reads_stored: ClassVar[bool] = False

    def parse(self, event: InboundEvent) -> list[InboundMessage | PlatformEvent]:
        """Turn one stored delivery into normalized inbound messages and platform events (edits, deletions,
        receipts, echoes); may be none."""
        raise NotImplementedError

    def channel_group_key(self, event: InboundEvent) -> str:
        """The ``external_id`` of the channel group a stored delivery names (page, account, number), read from
        its body; "" when it names none. A delivery that came before its group existed joins the group when it
        is processed again (and so the group's batches, in order)."""
        return ""

    def prefetch(self, event: InboundEvent):
        """Network work for a delivery (media downloads), done before it is processed and outside any database
        transaction; the result is on ``event.prefetched`` when ``parse`` runs. Default: nothing."""
        return None

    def check_reply(self, ticket: Ticket, body: str, options: ReplyOptions) -> CheckedReply:
        """The platform's rules for a reply, checked by the reply service before anything is stored or queued
        (``parlons.tickets.outbound``): the reply as it will be sent (its text, the metadata ``send`` reads),
        or ``Invalid`` with a stable code and a message for the agent. ``send`` checks again (a reply accepted
        inside a window may be sent after it). Default: a plain reply is accepted, the options of other
        platforms (templates, tags, private replies, X direct messages) are refused."""
        from parlons.connectors.window import refuse_unoffered
        from parlons.tickets.outbound import CheckedReply

        refuse_unoffered(options)
        return CheckedReply(body=body)

    def send(self, outbound: OutboundMessage) -> SendResult:
        """Deliver one outgoing message; raise ``SendError`` on failure."""
        raise NotImplementedError

    def set_hidden(self, message, hidden: bool) -> None:
        """Hide or unhide a public comment on the platform; raise ``SendError`` if it cannot."""
        from django.utils.translation import gettext as _

        raise SendError(
            _("Comments cannot be hidden on this platform."), code="not_supported", retryable=False
        )

    def permalink(self, external_id: str) -> str:
        return ""

    def check_connection(self, group) -> str:
        """Ask the platform whether the channel group's ids and credentials work ("Test connection" on the set-up
        screen). Returns what the platform says the account is (its name); raises ``SendError`` if it fails."""
        from django.utils.translation import gettext as _

        raise SendError(_("This platform has no connection test yet."), code="not_supported", retryable=False)


_registry: dict[str, Connector] = {}
_memo = threading.local()


@contextmanager
def batch_scope(memo: dict | None = None):
    """While a batch of deliveries is prefetched: connectors share ``batch_memo()`` (e.g. profiles already asked
    for), so a burst from one person costs one look-up. The threads that prefetch one batch together enter it
    with the same ``memo``."""
    _memo.data = {} if memo is None else memo
    try:
        yield _memo.data
    finally:
        _memo.data = None


def batch_memo() -> dict:
    """The current batch's shared dict (a fresh one, not kept, outside a batch)."""
    data = getattr(_memo, "data", None)
    return {} if data is None else data


def register(connector: Connector) -> Connector:
    _registry[connector.platform] = connector
    return connector


# Connectors that live in their own sub-package register when first needed (the worker and the webhooks).
def connector_for(platform: str) -> Connector | None:
    return _registry.get(platform)


MAX_MEDIA_BYTES = 25 * 1024 * 1024


_http: dict[int, object] = {}
_http_lock = threading.Lock()


def http_client():
    """The process's one ``httpx.Client`` for the platforms' APIs (thread-safe; one per process, made again
    after a fork). A client per call built a new TLS context each time (~20 ms) and never reused a
    connection; this one keeps connections to the platform open between calls."""
    import httpx

    pid = os.getpid()
    client = _http.get(pid)
    if client is None:
        with _http_lock:
            client = _http.get(pid)
            if client is None:
                client = _http[pid] = httpx.Client(follow_redirects=False)
    return client


def platform_request(method: str, url: str, *, headers: dict, timeout: float, **kwargs):
    """One call to a platform's API (``httpx.Response``); a timeout or an unreachable platform is a retryable
    ``SendError`` worded for the agent. The caller turns an error answer into its own ``SendError``."""
    import httpx
    from django.utils.translation import gettext as _

    try:
        return http_client().request(method, url, headers=headers, timeout=timeout, **kwargs)
    except httpx.TimeoutException:
        raise SendError(
            _("The platform did not answer in time; the message will be sent again."),
            code="timeout",
            retryable=True,
        )
    except httpx.HTTPError as exc:
        raise SendError(
            _("The platform could not be reached (%(error)s); the message will be sent again.")
            % {"error": exc.__class__.__name__},
            code="unreachable",
            retryable=True,
        )


def json_answer(response) -> dict:
    """A platform's JSON answer as a dict (a list comes as ``{"data": [...]}``, no body as ``{}``)."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {"data": data}


def download_media(
    url: str,
    *,
    headers: dict,
    timeout: float,
    error_from,
    attempts: int = 3,
    max_bytes: int = MAX_MEDIA_BYTES,
) -> tuple[bytes, str]:
    """Fetch a media file from a platform (content, declared content type), streamed so a file over
    ``max_bytes`` is refused without being held whole, trying again briefly on 5xx/429/timeouts.
    ``error_from(response)`` turns the platform's error answer into a ``SendError`` (each API words it its way)."""
    import time

    import httpx
    from django.utils.translation import gettext as _

    last: SendError | None = None
    for attempt in range(attempts):
        try:
            with http_client().stream(
                "GET", url, headers=headers, timeout=timeout, follow_redirects=True
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from(response)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise SendError(_("The file is too large."), code="file_too_large", retryable=False)
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("Content-Type", "")
        except httpx.HTTPError as exc:
            last = SendError(exc.__class__.__name__, code="unreachable", retryable=True)
        except SendError as exc:
            last = exc
            if not exc.retryable:
                break
            if attempt + 1 < attempts:
                time.sleep(min(exc.retry_after or 0.2 * (attempt + 1), 2.0))
    assert last is not None
    raise last
