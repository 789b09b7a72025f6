"""What every platform connector implements, and the registry that finds one by platform.

Adding a platform means adding one sub-package with a ``Connector`` subclass registered here; the ingest and
send paths do not change (STYLE.md rule 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from parlons.connectors.models import InboundEvent, OutboundMessage
    from parlons.tickets.services import InboundMessage, PlatformEvent


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

    def parse(self, event: InboundEvent) -> list[InboundMessage | PlatformEvent]:
        """Turn one stored delivery into normalized inbound messages and platform events (edits, deletions,
        receipts, echoes); may be none."""
        raise NotImplementedError

    def prefetch(self, event: InboundEvent):
        """Network work for a delivery (media downloads), done before it is processed and outside any database
        transaction; the result is on ``event.prefetched`` when ``parse`` runs. Default: nothing."""
        return None

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


def register(connector: Connector) -> Connector:
    _registry[connector.platform] = connector
    return connector


# Connectors that live in their own sub-package register when first needed (the worker and the webhooks).
def connector_for(platform: str) -> Connector | None:
    return _registry.get(platform)
