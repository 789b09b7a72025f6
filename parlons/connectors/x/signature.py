"""X webhook security: the CRC challenge answer and the ``x-twitter-webhooks-signature`` check.

Both are ``sha256=`` + base64(HMAC-SHA256(consumer secret, message)); for the CRC the message is the
``crc_token``, for a delivery it is the raw request body (platform contracts §5)."""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "sha256="
HEADER = "x-twitter-webhooks-signature"


def sign(message: bytes | str, secret: str) -> str:
    """``sha256=<base64>`` of the HMAC-SHA256 of ``message`` keyed with the consumer secret."""
    if isinstance(message, str):
        message = message.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return PREFIX + base64.b64encode(digest).decode()


def crc_response(crc_token: str, secret: str) -> dict:
    """The JSON X expects back from ``GET /webhooks/x?crc_token=...``."""
    return {"response_token": sign(crc_token, secret)}


def check(body: bytes, header: str | None, secret: str) -> str:
    """ "" when the signature is good, else why not: ``missing``, ``algorithm``, ``no_secret`` or
    ``mismatch`` (compared in constant time)."""
    if not header:
        return "missing"
    header = header.strip()
    if not header.startswith(PREFIX):
        return "algorithm"
    if not secret:
        return "no_secret"
    return "" if hmac.compare_digest(sign(body, secret).encode(), header.encode()) else "mismatch"
