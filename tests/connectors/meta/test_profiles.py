"""Public profiles stay current (OPS-1): a WhatsApp message carries the person's profile name, and a new one is
taken (with a line in the ticket's history); a Messenger or Instagram profile fetched once is fetched again on
the next message when it is older than ``PARLONS_PROFILE_REFRESH_DAYS``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.core.worker import run_pending_tasks
from parlons.simulator import traffic
from parlons.tickets.history import describe
from parlons.tickets.models import ContactIdentity, TicketEvent
from tests.connectors.meta.conftest import IG_ID, MESSENGER_PAGE_ID, WA_PHONE_ID

pytestmark = pytest.mark.django_db


def deliver(post_delivery, data):
    assert post_delivery(data).status_code == 200
    run_pending_tasks()


def wa(name: str, wamid: str, wa_id: str = "16135550101"):
    return traffic.whatsapp_message(WA_PHONE_ID, wa_id, name, wamid, "text", body="Bonjour")


def test_a_new_whatsapp_profile_name_is_taken_and_noted_in_the_history_req_ops1(post_delivery, wa_group):
    deliver(post_delivery, wa("Émilie", "wamid.P1"))
    identity = ContactIdentity.objects.get(platform="whatsapp")
    assert (identity.display_name, identity.contact.name) == ("Émilie", "Émilie")
    assert not TicketEvent.objects.filter(kind="contact.profile_changed").exists()

    deliver(post_delivery, wa("Émilie Gagnon", "wamid.P2"))
    identity.refresh_from_db()
    assert (identity.display_name, identity.contact.name) == ("Émilie Gagnon", "Émilie Gagnon")
    event = TicketEvent.objects.get(kind="contact.profile_changed")
    assert event.data == {
        "platform": "whatsapp",
        "identity": identity.pk,
        "changes": {"display_name": {"from": "Émilie", "to": "Émilie Gagnon"}},
    }
    assert (
        describe(event, "en") == "The client's profile changed on WhatsApp: name “Émilie” → “Émilie Gagnon”"
    )
    assert describe(event, "fr") == (
        "Le profil du client a changé sur WhatsApp\u00a0: nom «\u00a0Émilie\u00a0» → «\u00a0Émilie Gagnon\u00a0»"
    )

    # The same name again changes nothing and writes nothing.
    deliver(post_delivery, wa("Émilie Gagnon", "wamid.P3"))
    assert TicketEvent.objects.filter(kind="contact.profile_changed").count() == 1


def test_a_contact_name_chosen_by_an_agent_is_kept_when_the_profile_changes_req_ops1(post_delivery, wa_group):
    from parlons.tickets.models import Contact

    deliver(post_delivery, wa("Émilie", "wamid.Q1"))
    Contact.objects.update(name="Mme Émilie Gagnon (dossier 42)")
    deliver(post_delivery, wa("Emi", "wamid.Q2"))
    identity = ContactIdentity.objects.get(platform="whatsapp")
    assert identity.display_name == "Emi"
    assert identity.contact.name == "Mme Émilie Gagnon (dossier 42)"


def _messenger(mid: str, psid: str = "psid-77"):
    return traffic.messenger_message(MESSENGER_PAGE_ID, psid, mid, "Bonjour")


def _profile_calls(graph, psid: str = "psid-77"):
    return [r for r in graph.requests if r.path.endswith(f"/{psid}")]


@pytest.mark.parametrize("platform", ["messenger", "instagram"])
def test_an_old_profile_is_fetched_again_on_the_next_message_req_ops1(
    post_delivery, graph, messenger_group, ig_group, platform
):
    graph.profiles["psid-77"] = {"first_name": "Noémie", "last_name": "Bélanger", "name": "Noémie Bélanger"}
    account = MESSENGER_PAGE_ID if platform == "messenger" else IG_ID
    obj = "page" if platform == "messenger" else "instagram"

    def message(mid):
        return traffic.messenger_message(account, "psid-77", mid, "Bonjour", obj=obj)

    deliver(post_delivery, message("m_r1"))
    deliver(post_delivery, message("m_r2"))
    assert len(_profile_calls(graph)) == 1  # fresh: not asked again
    identity = ContactIdentity.objects.get(platform=platform)

    # Eight days later the profile is asked for again, and its date kept even though nothing changed.
    old = timezone.now() - timedelta(days=8)
    ContactIdentity.objects.filter(pk=identity.pk).update(profile_fetched_at=old)
    deliver(post_delivery, message("m_r3"))
    assert len(_profile_calls(graph)) == 2
    identity.refresh_from_db()
    assert identity.profile_fetched_at > old + timedelta(days=7)

    # The person changed their name: the next look-up takes it (and the history says so).
    graph.profiles["psid-77"] = {"first_name": "Noémie", "last_name": "Tremblay", "name": "Noémie Tremblay"}
    ContactIdentity.objects.filter(pk=identity.pk).update(profile_fetched_at=old)
    deliver(post_delivery, message("m_r4"))
    identity.refresh_from_db()
    assert identity.display_name == "Noémie Tremblay"
    assert TicketEvent.objects.get(kind="contact.profile_changed").data["changes"]["display_name"] == {
        "from": "Noémie Bélanger",
        "to": "Noémie Tremblay",
    }


def test_the_refresh_age_is_a_setting_req_ops1(post_delivery, graph, messenger_group, settings):
    settings.PARLONS_PROFILE_REFRESH_DAYS = 30
    graph.profiles["psid-77"] = {"first_name": "Noémie", "last_name": "Bélanger"}
    deliver(post_delivery, _messenger("m_s1"))
    ContactIdentity.objects.update(profile_fetched_at=timezone.now() - timedelta(days=8))
    deliver(post_delivery, _messenger("m_s2"))
    assert len(_profile_calls(graph)) == 1
    ContactIdentity.objects.update(profile_fetched_at=timezone.now() - timedelta(days=31))
    deliver(post_delivery, _messenger("m_s3"))
    assert len(_profile_calls(graph)) == 2


def test_a_burst_from_one_person_asks_for_the_profile_once(post_delivery, graph, messenger_group):
    graph.profiles["psid-77"] = {"first_name": "Noémie", "last_name": "Bélanger"}
    for n in range(4):  # stored first, processed together in one batch
        assert post_delivery(_messenger(f"m_b{n}")).status_code == 200
    run_pending_tasks()
    assert len(_profile_calls(graph)) == 1
    identity = ContactIdentity.objects.get(platform="messenger")
    assert identity.display_name == "Noémie Bélanger"
