"""Attachments are accepted by what they contain, never by their name (ENV-6: jpg, gif, pdf; png too)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from parlons.core.errors import Invalid

ALLOWED_TYPES = {"image/jpeg": ".jpg", "image/gif": ".gif", "image/png": ".png", "application/pdf": ".pdf"}


def sniff_content_type(data: bytes) -> str | None:
    """The real type of ``data`` from its magic numbers, or None if it is not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass
class IncomingFile:
    filename: str
    data: bytes
    declared_type: str = ""
    _checked: tuple[str, str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def checked(self) -> tuple[str, str, str]:
        """(safe filename, real content type, sha256) or Invalid with a message for the user. Worked out once:
        the ingest checks every file before it stores any."""
        if self._checked is None:
            self._checked = self._check()
        return self._checked

    def _check(self) -> tuple[str, str, str]:
        limit = settings.PARLONS_MAX_ATTACHMENT_BYTES
        if len(self.data) > limit:
            raise Invalid(
                _("“%(name)s” is larger than the %(mb)s MB limit.")
                % {"name": self.filename, "mb": limit // 1048576},
                code="file_too_large",
            )
        real = sniff_content_type(self.data)
        if real is None:
            raise Invalid(
                _("“%(name)s” is not a JPEG, GIF, PNG or PDF file.") % {"name": self.filename},
                code="file_type_refused",
            )
        stem = "".join(c for c in (self.filename.rsplit(".", 1)[0] or "file") if c.isalnum() or c in "-_ ")[
            :80
        ]
        safe = (stem.strip() or "file") + ALLOWED_TYPES[real]
        return safe, real, hashlib.sha256(self.data).hexdigest()
