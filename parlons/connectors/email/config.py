"""A mailbox's connection settings, read from its channel group's encrypted credentials.

Credentials keys (all optional but the servers): ``address`` (the mailbox address; else the group's
external id), ``imap_host``, ``imap_port``, ``imap_security`` ("ssl", "starttls" or "none"), ``imap_folder``,
``username``, ``password``, ``smtp_host``, ``smtp_port``, ``smtp_security`` ("ssl", "starttls", "none"),
``smtp_username``, ``smtp_password`` (default: the IMAP ones), ``plus_addressing`` (the server delivers
``box+tag@`` to ``box@``; default true)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from parlons.core.crypto import decrypt_json
from parlons.tickets.models import ChannelGroup

SECURITY = ("ssl", "starttls", "none")


@dataclass
class MailboxConfig:
    address: str
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"
    imap_folder: str = "INBOX"
    username: str = ""
    password: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    plus_addressing: bool = True
    timeout: float = 30

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "parlons.invalid"

    def plus_address(self, tag: str) -> str:
        """``box+tag@domain``: replies to it reach this mailbox and say which ticket they are about."""
        local, _at, domain = self.address.partition("@")
        return f"{local}+{tag}@{domain}" if self.plus_addressing and domain else self.address

    @classmethod
    def of(cls, group: ChannelGroup) -> MailboxConfig:
        creds = decrypt_json(group.credentials_encrypted)
        imap_security = str(creds.get("imap_security") or "ssl").lower()
        smtp_security = str(creds.get("smtp_security") or "starttls").lower()
        return cls(
            address=str(creds.get("address") or group.external_id or "").strip().lower(),
            imap_host=str(creds.get("imap_host", "")),
            imap_port=int(creds.get("imap_port") or (993 if imap_security == "ssl" else 143)),
            imap_security=imap_security if imap_security in SECURITY else "ssl",
            imap_folder=str(creds.get("imap_folder") or "INBOX"),
            username=str(creds.get("username", "")),
            password=str(creds.get("password", "")),
            smtp_host=str(creds.get("smtp_host", "")),
            smtp_port=int(creds.get("smtp_port") or (465 if smtp_security == "ssl" else 587)),
            smtp_security=smtp_security if smtp_security in SECURITY else "starttls",
            smtp_username=str(creds.get("smtp_username") or creds.get("username", "")),
            smtp_password=str(creds.get("smtp_password") or creds.get("password", "")),
            plus_addressing=bool(creds.get("plus_addressing", True)),
            timeout=float(getattr(settings, "PARLONS_EMAIL_TIMEOUT_SECONDS", 30)),
        )
