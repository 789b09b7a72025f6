"""Names of the realtime (websocket) groups that domain code sends to, so that a service can push to one
person without importing the web layer that serves the sockets."""


def user_group(user_id: int) -> str:
    """The group every websocket of that signed-in user joins when it connects."""
    return f"user.{user_id}"
