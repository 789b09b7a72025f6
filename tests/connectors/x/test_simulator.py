"""The X simulator itself: ``parlons simulate x-traffic`` posts signed deliveries in both webhook formats, with
duplicates and the account's own echoes, to a running Parlons; the X API simulator answers with rate-limit
headers and can be told over HTTP to fail (ENV-12)."""

from __future__ import annotations

import io

import httpx
import pytest
from django.core.management import call_command

from parlons.connectors.models import InboundEvent
from parlons.core.worker import run_pending_tasks
from parlons.simulator import x as sim
from parlons.tickets.models import Message, Ticket
from tests.connectors.x.conftest import SECRET, TOKEN, XAA_ACCOUNT

pytestmark = pytest.mark.django_db


def test_simulate_x_traffic_command_req_env12(live_server, xaa_group):
    out = io.StringIO()
    call_command(
        "simulate",
        "x-traffic",
        url=f"{live_server.url}/webhooks/x",
        secret=SECRET,
        count=30,
        duplicates=0.3,
        account_id=XAA_ACCOUNT,
        seed=5,
        stdout=out,
    )
    assert "HTTP 200" in out.getvalue() and "HTTP 4" not in out.getvalue()
    run_pending_tasks()
    events = InboundEvent.objects.filter(platform="x")
    assert events.count() == 30  # duplicates stored once
    ignored = events.filter(state="ignored").count()
    assert ignored > 0  # the account's own echoes
    assert Message.objects.count() == 30 - ignored
    assert set(Ticket.objects.values_list("kind", flat=True)) == {"mention", "dm"}


def test_x_traffic_with_a_wrong_secret_is_refused_req_env12(live_server):
    statuses, _seconds = sim.XTraffic(seed=1).run(
        f"{live_server.url}/webhooks/x", "wrong", count=3, duplicates=0
    )
    assert statuses == {403: 3}


def test_x_simulator_rate_limit_headers_and_http_controls_req_env12():
    with sim.XSimulator(token=TOKEN) as xsim:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        ok = httpx.get(f"{xsim.url}/2/users/{XAA_ACCOUNT}/mentions", headers=auth)
        assert ok.status_code == 200 and ok.headers["x-rate-limit-remaining"] == "449"
        assert httpx.get(f"{xsim.url}/2/dm_events").status_code == 401  # no token
        httpx.post(f"{xsim.url}/_sim/fail", json={"status": 429, "retry_after": "30"})
        limited = httpx.post(f"{xsim.url}/2/tweets", json={"text": "x"}, headers=auth)
        assert limited.status_code == 429 and limited.headers["x-rate-limit-remaining"] == "0"
        assert (
            25
            <= int(limited.headers["x-rate-limit-reset"]) - int(ok.headers["x-rate-limit-reset"]) + 900
            <= 35
        )
        too_long = httpx.post(f"{xsim.url}/2/tweets", json={"text": "あ" * 141}, headers=auth)
        assert too_long.status_code == 403
        created = httpx.post(f"{xsim.url}/2/tweets", json={"text": "Bonjour"}, headers=auth)
        assert created.status_code == 201 and created.json()["data"]["text"] == "Bonjour"
