"""Fetching a mailbox by IMAP (stdlib ``imaplib``; TLS or STARTTLS). Each unseen mail is stored raw as an
``InboundEvent`` (deduplicated by Message-ID) *before* it is flagged ``\\Seen`` on the server, so a crash in
between only means it is fetched again and deduplicated. When the server advertises IDLE, the connection then
waits for new mail for a while instead of polling; else the next run of the job polls."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import select
import ssl
import time

from parlons.connectors.email import mime
from parlons.connectors.email.config import MailboxConfig
from parlons.tickets.models import ChannelGroup, Platform

logger = logging.getLogger(__name__)
BATCH = 200


class MailboxError(Exception):
    pass


def connect(cfg: MailboxConfig, *, context: ssl.SSLContext | None = None) -> imaplib.IMAP4:
    if not cfg.imap_host:
        raise MailboxError("no IMAP server set up")
    from parlons.connectors.email.smtp import tls_context

    context = context or tls_context()
    if cfg.imap_security == "ssl":
        conn = imaplib.IMAP4_SSL(cfg.imap_host, cfg.imap_port, ssl_context=context, timeout=cfg.timeout)
    else:
        conn = imaplib.IMAP4(cfg.imap_host, cfg.imap_port, timeout=cfg.timeout)
        if cfg.imap_security == "starttls":
            conn.starttls(ssl_context=context)
    conn.login(cfg.username, cfg.password)
    return conn


def collect(conn: imaplib.IMAP4, group: ChannelGroup) -> int:
    """Store every unseen mail of the selected folder, then flag it seen. Returns how many were new."""
    from parlons.connectors.services import store_inbound

    typ, data = conn.uid("SEARCH", None, "UNSEEN")
    if typ != "OK":
        raise MailboxError(f"SEARCH failed: {data!r}")
    uids = (data[0] or b"").split()[:BATCH]
    created_count = 0
    for uid in uids:
        typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in fetched or [] if isinstance(item, tuple) and len(item) > 1), None)
        if typ != "OK" or raw is None:
            logger.warning("could not fetch mail %s of channel group %s", uid, group.pk)
            continue
        text, encoding = mime.raw_to_text(raw)
        message_id = mime.message_id_of(mime.parse_bytes(raw), raw)
        _event, created = store_inbound(
            Platform.EMAIL,
            message_id,
            text,
            headers={"encoding": encoding, "imap_uid": uid.decode(), "folder": "INBOX"},
            channel_group=group,
        )
        created_count += int(created)
        conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")  # only once it is stored
    return created_count


def idle(conn: imaplib.IMAP4, seconds: float) -> bool:
    """RFC 2177 IDLE for up to ``seconds``; True when the server announced new mail."""
    tag = conn._new_tag()
    conn.send(tag + b" IDLE\r\n")
    line = conn.readline()
    if not line.startswith(b"+"):
        return False
    got = False
    deadline = time.monotonic() + seconds
    sock = conn.sock
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            pending = sock.pending() if isinstance(sock, ssl.SSLSocket) else 0
            if not pending and not select.select([sock], [], [], remaining)[0]:
                break
            line = conn.readline()
            if not line:
                raise MailboxError("connection closed during IDLE")
            if line.startswith(b"*") and (b"EXISTS" in line or b"RECENT" in line):
                got = True
                break
    finally:
        conn.send(b"DONE\r\n")
        while True:
            line = conn.readline()
            if not line or line.startswith(tag):
                break
    return got


def fetch_mailbox(group: ChannelGroup, *, idle_seconds: float = 0) -> int:
    """Poll one mailbox, then (if the server can) IDLE for new mail until ``idle_seconds`` have passed."""
    cfg = MailboxConfig.of(group)
    conn = connect(cfg)
    try:
        typ, data = conn.select(cfg.imap_folder)
        if typ != "OK":
            raise MailboxError(f"cannot open folder {cfg.imap_folder}: {data!r}")
        count = collect(conn, group)
        deadline = time.monotonic() + idle_seconds
        if idle_seconds > 0 and "IDLE" in conn.capabilities:
            while (remaining := deadline - time.monotonic()) > 0.5:
                if idle(conn, remaining):
                    count += collect(conn, group)
        return count
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
