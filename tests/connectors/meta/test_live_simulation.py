"""``parlons run --simulate``: with the simulator playing Meta, simulated clients' messages arrive as tickets
and an agent's reply goes out to the simulator, with no Meta account (issue "Channels I", item 9)."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from parlons.connectors.models import InboundEvent
from parlons.core.management.commands import run as run_command
from parlons.core.worker import run_pending_tasks
from parlons.simulator import live
from parlons.tickets.models import ChannelGroup, Message, Ticket
from parlons.tickets.services import reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulated_clients_write_and_replies_go_out_req_env10_env11(live_server, settings, agent_user):
    # Set through the fixture so that what live.start changes is undone after the test.
    settings.PARLONS_META_APP_SECRET = ""
    settings.PARLONS_META_VERIFY_TOKEN = ""
    settings.PARLONS_META_GRAPH_URL = "http://127.0.0.1:9/v23.0"
    info = live.start(live_server.url, interval=0.3)
    try:
        assert settings.PARLONS_META_APP_SECRET and info["graph"].graph_url == settings.PARLONS_META_GRAPH_URL
        assert ChannelGroup.objects.filter(external_id=live.DEMO_PAGE_ID).count() == 2
        deadline = time.monotonic() + 30
        while InboundEvent.objects.count() < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        # The clients stop before this thread writes: on SQLite the live server shares this test's one
        # in-memory connection, and two threads writing through it at once would mix their transactions.
        _stop(info)
        run_pending_tasks()
        # ten deliveries: new conversations, follow-ups in the same ones, edits and reactions
        assert Ticket.objects.count() >= 2
        ticket = Ticket.objects.filter(
            channel_group__channel__platform__in=["messenger", "whatsapp"]
        ).first() or (Ticket.objects.first())
        message = reply(ticket, "Merci, nous regardons votre dossier.", actor=agent_user)
        run_pending_tasks()
        message.refresh_from_db()
        assert message.delivery_status == "sent"
        assert any(r.method == "POST" for r in info["graph"].created)
    finally:
        _stop(info)
        info["graph"].stop()
    assert Message.objects.filter(direction="in").count() >= 3


def _stop(info: dict) -> None:
    """Stop the simulated clients and wait until the last delivery has been answered."""
    info["stop"].set()
    info["thread"].join(timeout=60)
    assert not info["thread"].is_alive()


def test_run_with_simulate_says_so(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    started = []
    monkeypatch.setattr(run_command.Command, "_serve", lambda self, host, port: None)
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr(
        live,
        "start",
        lambda url, interval: (
            started.append((url, interval))
            or {
                "graph_url": "http://127.0.0.1:1/v23.0",
                "groups": ["Simulator – Facebook"],
                "interval": interval,
            }
        ),
    )
    out = StringIO()
    call_command(
        "run", "--no-worker", "--simulate", "--simulate-interval", "12", "--port", "8124", stdout=out
    )
    assert started == [("http://127.0.0.1:8124", 12.0)]
    assert "a simulated client writes every 12 s to: Simulator – Facebook" in out.getvalue()
