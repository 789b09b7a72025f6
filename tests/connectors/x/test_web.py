"""What agents see for X (ENV-12, OPS-10): the composer says X only allows replies to posts that mention or
quote the account and counts the characters left (``xcount.js``, same rules as the server); the contact panel
shows the X profile (name, handle, bio, avatar, verified); a reply too long for X comes back as a clear error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from parlons.connectors.x.text import weighted_length
from parlons.core.worker import run_pending_tasks
from parlons.simulator import x as sim
from parlons.tickets.models import Message, Ticket
from tests.connectors.x.conftest import XAA_ACCOUNT

MARIE = sim.user_v2(
    "2222222222222222222",
    "marie_tremblay",
    "Marie Tremblay",
    description="Résidente de Gatineau <b>",
    verified=True,
)
XCOUNT = Path(__file__).resolve().parents[3] / "parlons/web/static/parlons/js/xcount.js"


@pytest.fixture
def mention_ticket(post_x, xaa_group):
    post = sim.post_v2("1800000000000000001", MARIE["id"], "@ServiceCanada allô")
    assert post_x(sim.xaa_mention(XAA_ACCOUNT, post, MARIE)).status_code == 200
    run_pending_tasks()
    return Ticket.objects.get()


@pytest.mark.django_db
def test_composer_hint_counter_and_x_profile_on_the_ticket_page_req_env12_ops10(
    client, agent_user, mention_ticket
):
    client.force_login(agent_user)
    page = client.get(f"/tickets/{mention_ticket.pk}/").content.decode()
    assert 'id="composer-x-hint"' in page and "mention or quote it" in page
    assert 'data-x-count-for="composer-body"' in page and 'data-x-max="280"' in page
    assert "parlons/js/xcount.js" in page
    assert "@marie_tremblay" in page and "Résidente de Gatineau &lt;b&gt;" in page  # escaped
    assert 'class="x-avatar" src="https://pbs.twimg.com/' in page
    assert 'class="x-verified"' in page


@pytest.mark.django_db
def test_composer_in_french_req_env12(client, agent_user, mention_ticket):
    agent_user.language = "fr"
    agent_user.save()
    client.force_login(agent_user)
    page = client.get(f"/tickets/{mention_ticket.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "caractères" in page and "Biographie" in page


@pytest.mark.django_db
def test_too_long_reply_from_the_composer_is_a_clear_400_req_ops10(client, agent_user, mention_ticket):
    client.force_login(agent_user)
    response = client.post(
        f"/tickets/{mention_ticket.pk}/compose/", {"mode": "reply", "body": "Bonjour " + "x" * 290}
    )
    assert response.status_code == 400
    assert "280" in response.content.decode()
    assert Message.objects.filter(direction="out").count() == 0


CASES = [
    "",
    "Bonjour",
    "é" * 280,
    "Voir https://canada.ca/fr",
    "canada.ca",
    "あ" * 140,
    "漢字",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇨🇦",
    "a\r\nb",
]


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_xcount_js_counts_like_the_server_req_ops10(tmp_path):
    import json

    script = tmp_path / "check.mjs"
    script.write_text(
        "globalThis.document = {querySelectorAll: () => [], body: {addEventListener() {}}};\n"
        f"const {{ weightedLength }} = await import({json.dumps(XCOUNT.as_uri())});\n"
        f"console.log(JSON.stringify({json.dumps(CASES)}.map(weightedLength)));\n",
        encoding="utf-8",
    )
    out = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == [weighted_length(c) for c in CASES]
