"""``X-Hub-Signature-256: sha256=<hex>``: HMAC-SHA256 of the raw request body keyed with the app secret."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send for ``body``."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check(body: bytes, header: str | None, secret: str) -> str:
    """ "" when the signature is good, else why not: ``missing``, ``algorithm`` or ``mismatch``."""
    if not header:
        return "missing"
    if not header.startswith(PREFIX):
        return "algorithm"
    if not secret:
        return "mismatch"
    expected = sign(body, secret)
    return "" if hmac.compare_digest(expected.encode(), header.strip().encode()) else "mismatch"
