"""Websocket: each signed-in user joins their own group and their teams' groups; payloads are small
(`{"type": "ticket.updated", "id": 42, "version": 7}`) and the page re-reads what it shows."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from parlons.accounts.permissions import READ, has_perm


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


ALL_READERS = "readers"


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(has_perm)(user, READ):
            await self.close(code=4403)
            return
        self.groups_joined = [user_group(user.pk), ALL_READERS]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def domain_event(self, message):
        await self.send_json(message["payload"])
