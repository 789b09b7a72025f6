"""Who acts. Services take ``actor``: a user, or ``SYSTEM`` for work the platform does on its own
(ingest of inbound messages, scheduled jobs). ``SYSTEM`` is an explicit object so that a missing user can
never be mistaken for the system and skip a permission check."""

from __future__ import annotations


class _System:
    pk = None
    id = None
    is_authenticated = True
    is_active = True
    username = "system"

    def __repr__(self) -> str:
        return "SYSTEM"

    def __bool__(self) -> bool:
        return True


SYSTEM = _System()


def is_system(actor) -> bool:
    return actor is SYSTEM


def actor_user(actor):
    """The user to store as the author of an event, or None for the system."""
    return None if actor is SYSTEM else actor
