"""Websocket: each signed-in user joins their own group and their teams' groups; payloads are small
(`{"type": "ticket.updated", "id": 42, "version": 7}`) and the page re-reads what it shows.

Presence (UI-2, issue "Agent workspace" item 6): a ticket page sends ``{"type": "presence", "ticket": 42,
"state": "viewing" | "typing" | "left"}``; the socket joins that ticket's group and the others on the same
ticket receive ``{"type": "presence", "ticket": 42, "user_id": 7, "name": "Léa Lead", "state": "typing"}``.
Nothing is stored: pages repeat "viewing" every 20 seconds and forget a person they have not heard from.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from parlons.accounts.permissions import READ, has_perm
from parlons.core.realtime import user_group

ALL_READERS = "readers"
PRESENCE_STATES = {"viewing", "typing", "left"}
MAX_WATCHED = 20  # tickets one socket may follow at once


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def _may_watch(user, ticket_id: int) -> bool:
    """Presence on a ticket is shown only to those who may see it."""
    from parlons.tickets.selectors import tickets_visible_to

    return tickets_visible_to(user).filter(pk=ticket_id).exists()


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(has_perm)(user, READ):
            await self.close(code=4403)
            return
        self.user = user
        self.watching: set[int] = set()
        self.groups_joined = [user_group(user.pk), ALL_READERS]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for ticket_id in list(getattr(self, "watching", ())):
            await self._presence(ticket_id, "left")
            await self.channel_layer.group_discard(ticket_group(ticket_id), self.channel_name)
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Only presence messages come from pages; anything else is ignored."""
        if not isinstance(content, dict) or content.get("type") != "presence":
            return
        state = content.get("state")
        ticket_id = content.get("ticket")
        if state not in PRESENCE_STATES or not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
            return
        if state == "left":
            if ticket_id in self.watching:
                self.watching.discard(ticket_id)
                await self._presence(ticket_id, "left")
                await self.channel_layer.group_discard(ticket_group(ticket_id), self.channel_name)
            return
        if ticket_id not in self.watching:
            if len(self.watching) >= MAX_WATCHED or not await database_sync_to_async(_may_watch)(
                self.user, ticket_id
            ):
                return
            self.watching.add(ticket_id)
            await self.channel_layer.group_add(ticket_group(ticket_id), self.channel_name)
        await self._presence(ticket_id, state)

    async def _presence(self, ticket_id: int, state: str) -> None:
        await self.channel_layer.group_send(
            ticket_group(ticket_id),
            {
                "type": "presence.event",
                "sender": self.channel_name,
                "payload": {
                    "type": "presence",
                    "ticket": ticket_id,
                    "user_id": self.user.pk,
                    "name": self.user.display_name,
                    "state": state,
                },
            },
        )

    async def presence_event(self, message):
        if message.get("sender") != self.channel_name:  # not one's own presence
            await self.send_json(message["payload"])

    async def domain_event(self, message):
        await self.send_json(message["payload"])
