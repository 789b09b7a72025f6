"""Live updates (UI-2, OPS-8, UI-5): a ticket created by another process appears in an open inbox without a
reload, and the change is announced in the polite live region. Runs a real ``parlons run`` (ASGI, websockets)
on a free port with its own SQLite data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "e2e live password"
SETUP = """
from parlons.accounts.models import Role, RoleGrant, User
from parlons.accounts.services import create_token
from parlons.tickets.services import channel_for
from parlons.tickets.models import ChannelGroup
user = User.objects.create_user(username="lead", password=%(password)r, language="en")
RoleGrant.objects.create(role=Role.objects.get(slug="lead"), user=user)
other = User.objects.create_user(username="max", first_name="Max", password=%(password)r, language="en")
RoleGrant.objects.create(role=Role.objects.get(slug="agent"), user=other)
group = ChannelGroup.objects.create(channel=channel_for("api"), name="Live API", external_id="live-api")
_, key = create_token(user, actor=user, name="e2e")
print("KEY", key, group.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, browser):
    parlons = str(Path(sys.executable).with_name("parlons"))
    env = {
        **os.environ,
        "PARLONS_DATA_DIR": str(tmp_path),
        "PARLONS_TLS": "0",
        "PARLONS_SECRET_KEY": "e2e-live-secret-key-not-for-production-use-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([parlons, "migrate", "-v0"], env=env, check=True, timeout=120)
    out = subprocess.run(
        [parlons, "shell", "-c", SETUP % {"password": PASSWORD}],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    key, group = out.split("KEY", 1)[1].split()[:2]
    port = _free_port()
    process = subprocess.Popen(
        [parlons, "run", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/accounts/login/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("parlons run did not start")
    yield {"url": url, "key": key, "group": int(group)}
    process.terminate()
    process.wait(timeout=10)


def test_ticket_from_another_process_appears_live_req_ui2_ops8_ui5(browser, server):
    context = browser.new_context(base_url=server["url"], bypass_csp=True)  # for wait_for_function
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")
    assert "No open tickets" in page.inner_text("#ticket-list")
    page.wait_for_timeout(1000)  # let the websocket connect
    response = httpx.post(
        f"{server['url']}/api/v1/tickets",
        headers={"Authorization": f"Bearer {server['key']}"},
        json={
            "channel_group": server["group"],
            "contact": {"id": "live-1", "handle": "live.person", "name": "Live Person"},
            "body": "Appears without a reload",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    page.wait_for_selector("#ticket-list >> text=Appears without a reload")
    page.wait_for_function("document.getElementById('live-region').textContent.includes('updated')")
    context.close()


def _signed_in(browser, server, username):
    context = browser.new_context(base_url=server["url"], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")
    return context, page


def test_two_agents_on_one_ticket_see_each_other_typing_and_replies_req_ui2(browser, server):
    # REQ UI-2: the "someone is typing/viewing" hint, and another agent's reply appears without a reload.
    response = httpx.post(
        f"{server['url']}/api/v1/tickets",
        headers={"Authorization": f"Bearer {server['key']}"},
        json={
            "channel_group": server["group"],
            "contact": {"id": "live-2", "handle": "two.agents", "name": "Deux Agents"},
            "body": "Une question pour deux agents",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket = response.json()["id"]
    lea_context, lea = _signed_in(browser, server, "lead")
    max_context, max_ = _signed_in(browser, server, "max")
    lea.goto(f"/tickets/{ticket}/")
    max_.goto(f"/tickets/{ticket}/")
    lea.wait_for_selector("#presence:not([hidden]) >> text=Max")  # Max is here too
    max_.wait_for_selector("#presence:not([hidden])")
    max_.fill("#composer-body", "Je m'en occupe")  # typing
    max_.locator("#composer-body").press("End")
    lea.wait_for_selector("#presence >> text=typing")
    lea.fill("#composer-body", "Réponse de Léa, visible par Max sans recharger")
    lea.locator("#composer button[type=submit]").click()
    lea.wait_for_url(f"**/tickets/{ticket}/**")
    max_.wait_for_selector("ol.timeline >> text=Réponse de Léa, visible par Max sans recharger")
    assert max_.input_value("#composer-body") == "Je m'en occupe"  # what Max was typing is untouched
    lea_context.close()
    max_context.close()
