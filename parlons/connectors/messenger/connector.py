"""Facebook Messenger: messages to the page (text, images, files, stickers), echoes of replies sent elsewhere,
reactions, edits, deliveries and reads; replies through the Send API within the 24-hour window."""

from __future__ import annotations

from parlons.connectors.base import register
from parlons.connectors.meta.common import MetaConnector, parse_messaging, prefetch_messaging
from parlons.connectors.meta.send import send_messaging
from parlons.connectors.window import check_messaging_reply
from parlons.tickets.models import MessageKind, Platform
from parlons.tickets.outbound import CheckedReply


class MessengerConnector(MetaConnector):
    platform = Platform.MESSENGER

    def check_connection(self, group):
        from parlons.connectors.meta.common import check_graph_connection

        return check_graph_connection(group, "page_token", "id,name")

    def parse(self, event):
        return parse_messaging(event, self.platform, MessageKind.MESSAGE)

    def prefetch(self, event):
        return prefetch_messaging(event, self.platform)

    def check_reply(self, ticket, body, options):
        return CheckedReply(body=body, metadata=check_messaging_reply(ticket, options))

    def send(self, outbound):
        return send_messaging(outbound)


register(MessengerConnector())
