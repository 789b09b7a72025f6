"""The simulator itself: ``parlons simulate`` posts signed traffic (with media hosted by a separate Graph
simulator) to a running Parlons, and the Graph simulator can be told over HTTP to fail."""

from __future__ import annotations

import io

import httpx
import pytest
from django.core.management import call_command

from parlons.core.worker import run_pending_tasks
from parlons.simulator.graph import GraphSimulator
from parlons.tickets.models import Attachment, Message
from tests.connectors.meta.conftest import SECRET, TOKEN, _group

pytestmark = pytest.mark.django_db


def test_simulate_traffic_command_with_remote_media(live_server, graph):
    _group("facebook", "900001", "FB", page_token=TOKEN)
    _group("messenger", "900001", "Messenger", page_token=TOKEN)
    _group("whatsapp", "900002", "WA", access_token=TOKEN)
    out = io.StringIO()
    call_command(
        "simulate",
        "traffic",
        url=f"{live_server.url}/webhooks/meta",
        secret=SECRET,
        count=30,
        duplicates=0.2,
        page_id="900001",
        phone_id="900002",
        graph=graph.url,
        seed=3,
        stdout=out,
    )
    assert "HTTP 200" in out.getvalue() and "HTTP 4" not in out.getvalue()
    run_pending_tasks()
    assert Message.objects.count() == 30
    assert Attachment.objects.filter(content_type="image/jpeg").exists()
    assert Attachment.objects.filter(content_type="application/pdf").exists()


def test_simulator_http_controls():
    with GraphSimulator() as sim:
        out = io.StringIO()
        call_command("simulate", "fail", simulator=sim.url, status=429, retry_after="7", stdout=out)
        response = httpx.post(f"{sim.graph_url}/1_2/comments", data={"message": "x"})
        assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
        assert (
            httpx.post(f"{sim.graph_url}/1_2/comments", data={"message": "x"}).json()["id"].startswith("1_")
        )
        requests = httpx.get(f"{sim.url}/_sim/requests").json()["requests"]
        assert [r["status"] for r in requests] == [429, 200]
        assert len(sim.posts("/comments$")) == 1
