"""Names of the realtime (websocket) groups that domain code sends to, so that a service can push to one
person without importing the web layer that serves the sockets."""


def user_group(user_id: int) -> str:
    """The group each signed-in socket of that user joins (``parlons.web.consumers``)."""
    return f"user.{user_id}"
