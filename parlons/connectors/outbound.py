"""The connectors' side of the seam the ticket services hand outbound work through
(``parlons.tickets.outbound``), installed by ``ConnectorsConfig.ready``: each platform's connector checks a reply,
queued messages go to the outbound queue, comments are hidden on the platform."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.connectors.base import Connector, SendError, connector_for
from parlons.connectors.services import queue_outbound
from parlons.core.errors import Invalid
from parlons.tickets.outbound import CheckedReply, ReplyOptions

# A platform whose connector is not loaded still gets the default rules; sending then fails visibly
# (``send_outbound``: connector_unavailable), as it always did.
_DEFAULT = Connector()


class ConnectorOutbound:
    def check_reply(self, ticket, body: str, options: ReplyOptions) -> CheckedReply:
        connector = connector_for(ticket.channel_group.channel.platform) or _DEFAULT
        return connector.check_reply(ticket, body, options)

    def queue(self, message, *, idempotency_key: str) -> None:
        queue_outbound(message, idempotency_key=idempotency_key)

    def set_hidden(self, message, hidden: bool) -> None:
        connector = connector_for(message.platform)
        try:
            if connector is None:
                raise SendError(
                    _("Comments cannot be hidden on this platform."), code="not_supported", retryable=False
                )
            connector.set_hidden(message, hidden)
        except SendError as exc:
            raise Invalid(str(exc), code=exc.code)
