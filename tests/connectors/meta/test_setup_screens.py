"""Channel set-up screens (issue "Channels I", item 8): add a Meta page/account/number with its token stored
encrypted, test the connection against the Graph API simulator, see the webhook settings, and process again
the deliveries that arrived before their channel group existed (ENV-10, ENV-11, ADM-6)."""

from __future__ import annotations

import pytest

from parlons.connectors.models import InboundEvent
from parlons.core.worker import run_pending_tasks
from parlons.simulator import traffic
from parlons.tickets.models import ChannelGroup, Ticket
from tests.connectors.meta.conftest import TOKEN, VERIFY

pytestmark = pytest.mark.django_db
PAGE = "555000111"


def test_admin_adds_a_page_and_the_token_is_stored_encrypted_req_env10_adm6(admin_client):
    response = admin_client.post(
        "/admin/channels/meta/",
        {
            "platform": "facebook",
            "name": "Passeport (FB)",
            "external_id": PAGE,
            "token": TOKEN,
            "language": "fr",
        },
    )
    group = ChannelGroup.objects.get(external_id=PAGE)
    assert response.status_code == 302 and response["Location"] == f"/admin/channels/meta/{group.pk}/"
    assert group.channel.platform == "facebook" and group.language == "fr"
    assert TOKEN not in group.credentials_encrypted
    page = admin_client.get(response["Location"]).content.decode()
    assert TOKEN not in page and "Stored (encrypted, never shown)" in page
    assert "http://testserver/webhooks/meta" in page and VERIFY in page


def test_a_duplicate_page_id_is_a_form_error_req_env10(admin_client, fb_group):
    response = admin_client.post(
        "/admin/channels/meta/",
        {"platform": "facebook", "name": "Again", "external_id": fb_group.external_id, "token": "t"},
    )
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert ChannelGroup.objects.filter(external_id=fb_group.external_id).count() == 1


def test_test_connection_asks_the_platform_req_env10(admin_client, graph, fb_group, wa_group):
    graph.profiles[fb_group.external_id] = {"name": "Passeport Canada"}
    page = admin_client.post(f"/admin/channels/meta/{fb_group.pk}/", {"action": "test"}).content.decode()
    assert "The connection works." in page and "Passeport Canada" in page
    (call,) = [r for r in graph.requests if r.path.endswith(f"/{fb_group.external_id}")]
    assert call.query["fields"] == "id,name" and call.headers["authorization"] == f"Bearer {TOKEN}"
    graph.fail_next(400, path=f"/{wa_group.external_id}$")
    page = admin_client.post(f"/admin/channels/meta/{wa_group.pk}/", {"action": "test"}).content.decode()
    assert "The connection failed." in page


def test_replacing_the_token_keeps_it_secret_req_adm6(admin_client, graph, wa_group):
    admin_client.post(
        f"/admin/channels/meta/{wa_group.pk}/",
        {"action": "token", "token": "new-secret-token", "waba_id": "w-1"},
    )
    wa_group.refresh_from_db()
    from parlons.core.crypto import decrypt_json

    assert decrypt_json(wa_group.credentials_encrypted) == {
        "access_token": "new-secret-token",
        "waba_id": "w-1",
    }
    assert "new-secret-token" not in admin_client.get(f"/admin/channels/meta/{wa_group.pk}/").content.decode()


def test_a_delivery_for_an_unknown_page_waits_then_is_processed_req_env10_ops9(
    admin_client, post_delivery, graph
):
    data = traffic.page_comment(PAGE, f"{PAGE}_1", "1_77", "5550001", "Marie Tremblay", "Bonjour!")
    assert post_delivery(data).status_code == 200
    run_pending_tasks()
    assert not Ticket.objects.exists()
    (event,) = InboundEvent.objects.all()
    assert event.state == "failed"
    page = admin_client.get("/admin/channels/meta/").content.decode()
    assert "Deliveries waiting for a channel group" in page and PAGE in page
    admin_client.post(
        "/admin/channels/meta/",
        {"platform": "facebook", "name": "Nouvelle page", "external_id": PAGE, "token": TOKEN},
    )
    admin_client.post("/admin/channels/meta/reprocess/")
    event.refresh_from_db()  # queued in the group its body names: it joins that group's batches
    assert (event.state, event.channel_group.external_id) == ("pending", PAGE)
    run_pending_tasks()
    ticket = Ticket.objects.get()
    assert ticket.channel_group.external_id == PAGE
    event.refresh_from_db()
    assert event.state == "done"


def test_a_whatsapp_delivery_waiting_for_its_number_joins_its_group_when_processed_again_req_env11(
    admin_client, post_delivery, graph
):
    number = "990000000000009"
    message = traffic.whatsapp_message(number, "15145550123", "Zoé", "wamid.W1", body="Bonjour")
    assert post_delivery(message).status_code == 200
    other = traffic.page_comment(PAGE, f"{PAGE}_2", "2_1", "5550002", "Sam", "Still no group for me")
    assert post_delivery(other).status_code == 200
    run_pending_tasks()
    assert InboundEvent.objects.filter(state="failed", channel_group__isnull=True).count() == 2
    admin_client.post(
        "/admin/channels/meta/",
        {"platform": "whatsapp", "name": "Ligne WhatsApp", "external_id": number, "token": TOKEN},
    )
    admin_client.post("/admin/channels/meta/reprocess/")
    waiting = {e.platform: e for e in InboundEvent.objects.all()}
    assert waiting["whatsapp"].channel_group.external_id == number
    assert waiting["facebook"].channel_group is None  # its page is still unknown
    run_pending_tasks()
    assert Ticket.objects.get().channel_group.external_id == number


@pytest.mark.parametrize("who", ["agent_user", "lead_user"])
def test_channel_setup_is_for_administrators_req_adm4(client, request, who, fb_group):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/admin/channels/meta/").status_code == 403
    assert client.post(f"/admin/channels/meta/{fb_group.pk}/", {"action": "test"}).status_code == 403
    assert client.post("/admin/channels/meta/reprocess/").status_code == 403
