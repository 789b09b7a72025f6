"""``parlons run --simulate``: the Meta platforms played on this machine while Parlons runs, so that a new user
sees messages arrive and replies "go out" without any Meta account (issue "Channels I", item 9; also the
training environment).

The Graph API simulator runs in a thread and Parlons is pointed at it; the demo's Facebook, Messenger and
WhatsApp channel groups get the simulator's token (only if they have no credentials of their own); a traffic
thread posts a signed delivery (EN/FR comments, messages with images and PDFs, WhatsApp messages) to this
server's ``/webhooks/meta`` every ``interval`` seconds.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)
SIM_TOKEN = "simulator-token"
# The demo's own pages and number (parlons/demo/corpus/catalogue.py), so simulated messages land in them.
DEMO_PAGE_ID = "104728391650285"
DEMO_PHONE_ID = "386512947705513"


def _prepare_channel_groups() -> list[str]:
    """Give the demo's Meta channel groups the simulator's token, creating them if the demo is not loaded."""
    from parlons.core.actors import SYSTEM
    from parlons.tickets.models import ChannelGroup
    from parlons.tickets.services import create_channel_group, update_channel_group

    wanted = [
        ("facebook", DEMO_PAGE_ID, "Simulator – Facebook", {"page_token": SIM_TOKEN}),
        ("messenger", DEMO_PAGE_ID, "Simulator – Messenger", {"page_token": SIM_TOKEN}),
        (
            "whatsapp",
            DEMO_PHONE_ID,
            "Simulator – WhatsApp",
            {"access_token": SIM_TOKEN, "waba_id": "sim-waba"},
        ),
    ]
    names = []
    for platform, external_id, name, creds in wanted:
        group = ChannelGroup.objects.filter(channel__platform=platform, external_id=external_id).first()
        if group is None:
            group = create_channel_group(
                actor=SYSTEM, platform=platform, name=name, external_id=external_id, credentials=creds
            )
        elif not group.credentials_encrypted:
            update_channel_group(group, actor=SYSTEM, credentials=creds)
        names.append(group.name)
    return names


def _wait_until_up(base_url: str, stop: threading.Event, limit: float = 60) -> bool:
    deadline = time.monotonic() + limit
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code in (200, 503):
                return True
        except httpx.HTTPError:
            pass
        stop.wait(0.5)
    return False


def _traffic_loop(base_url: str, graph, secret: str, interval: float, stop: threading.Event) -> None:
    from parlons.simulator.traffic import Traffic, deliver

    if not _wait_until_up(base_url, stop):
        logger.warning("simulated traffic: %s did not come up", base_url)
        return
    traffic = Traffic(page_id=DEMO_PAGE_ID, phone_id=DEMO_PHONE_ID, graph=graph, seed=int(time.time()))
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            try:
                (payload,) = traffic.mix(1)
                deliver(f"{base_url}/webhooks/meta", payload, secret, client=client)
            except Exception:  # the server may be restarting; the next tick tries again
                logger.warning("simulated delivery failed", exc_info=True)
            stop.wait(interval)


def start(base_url: str, *, interval: float = 30.0) -> dict:
    """Start the simulator and the traffic; returns what to tell the person running Parlons."""
    from parlons.simulator.graph import GraphSimulator

    graph = GraphSimulator(token=SIM_TOKEN).start()
    settings.PARLONS_META_GRAPH_URL = graph.graph_url
    if not settings.PARLONS_META_APP_SECRET:
        settings.PARLONS_META_APP_SECRET = secrets.token_urlsafe(24)
    if not settings.PARLONS_META_VERIFY_TOKEN:
        settings.PARLONS_META_VERIFY_TOKEN = secrets.token_urlsafe(12)
    groups = _prepare_channel_groups()
    stop = threading.Event()
    thread = threading.Thread(
        target=_traffic_loop,
        args=(base_url.rstrip("/"), graph, settings.PARLONS_META_APP_SECRET, interval, stop),
        daemon=True,
        name="simulated-traffic",
    )
    thread.start()
    return {
        "graph_url": graph.graph_url,
        "groups": groups,
        "interval": interval,
        "stop": stop,
        "thread": thread,
        "graph": graph,
    }
