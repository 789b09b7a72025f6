"""The workspace search page: query box, advanced form, snippets, facets, bulk on results, saved searches,
exports (SRCH-1..8, UI-3, OPS-3, OPS-21, OPS-23)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

from parlons.search.models import SavedSearch
from parlons.search.query import build_query, parse_query
from parlons.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_page_finds_french_text_without_accents_and_highlights_it_req_srch9_ui3(
    client, agent_user, corpus
):
    client.force_login(agent_user)
    page = client.get("/search/", {"q": "etudes"}).content.decode()
    assert f'href="/tickets/{corpus.fr.pk}/"' in page
    assert f'href="/tickets/{corpus.en.pk}/"' not in page
    assert "<mark>" in page  # the matched word is highlighted
    assert "1 result" in page


def test_facets_count_and_narrow_the_search_req_srch3_ops23(client, agent_user, corpus):
    client.force_login(agent_user)
    response = client.get("/search/counts/", {"q": "permis"}, headers={"HX-Request": "true"})
    facets = {g["title"]: {i["label"]: i for i in g["items"]} for g in response.context["facet_groups"]}
    assert set(facets) >= {"Channel", "Status"}
    facebook = facets["Channel"]["Facebook"]
    assert facebook["count"] == 1
    narrowed = parse_qs(urlparse(facebook["url"]).query)["q"][0]
    assert narrowed == "permis channel:facebook"
    again = client.get("/search/", {"q": narrowed})
    assert [t.pk for t in again.context["tickets"]] == [corpus.fr.pk]


def test_the_results_do_not_wait_for_the_counts_req_srch9_ui3(
    client, agent_user, corpus, django_assert_max_num_queries
):
    client.force_login(agent_user)
    response = client.get("/search/", {"q": "perm*"})
    page = response.content.decode()
    assert "facet_groups" not in response.context
    # The counts are a second request into a live region, and a plain link without JavaScript.
    assert 'hx-get="/search/counts/?q=perm%2A&amp;order=relevance"' in page
    assert 'aria-live="polite"' in page and 'href="/search/counts/?q=perm%2A&amp;order=relevance"' in page
    fragment = client.get("/search/counts/", {"q": "perm*"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "2 results" in fragment
    assert 'href="/search/?q=perm%2A+channel%3Afacebook&amp;order=relevance"' in fragment
    full = client.get("/search/counts/", {"q": "perm*"}).content.decode()
    assert "<html" in full and "2 results" in full and 'href="/search/?q=perm%2A&amp;order=relevance"' in full


def test_counts_of_a_huge_result_say_so_req_srch9_ui3(client, agent_user, corpus, monkeypatch):
    from parlons.search import selectors

    monkeypatch.setattr(selectors, "FACET_SAMPLE", 2)
    client.force_login(agent_user)
    fragment = client.get("/search/counts/", {"q": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "More than 2 results" in fragment and "among the 2 most recent results" in fragment


def test_bad_syntax_in_the_counts_is_a_400_req_ui3(client, agent_user, corpus):
    client.force_login(agent_user)
    response = client.get("/search/counts/", {"q": "colour:blue"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Unknown field “colour”" in response.content.decode()
    too_long = client.get("/search/counts/", {"q": "x" * 1001, "order": "sideways"})
    assert too_long.status_code == 400 and "too long" in too_long.content.decode()


def test_bad_syntax_is_a_clear_400_message_never_a_500_req_ui3(client, agent_user, corpus):
    client.force_login(agent_user)
    response = client.get("/search/", {"q": 'colour:blue "open'})
    assert response.status_code == 400
    assert "Unknown field “colour”" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_error_is_in_french_for_a_french_user_req_ui3_ui6(client, agent_user, corpus):
    agent_user.language = "fr"
    agent_user.save()
    client.force_login(agent_user)
    response = client.get("/search/", {"q": "status:maybe"})
    assert response.status_code == 400
    assert "n&#x27;est pas une valeur valide" in response.content.decode()


def test_the_advanced_form_builds_the_same_query_req_srch1_srch3_srch4_srch5_srch6(
    client, agent_user, corpus
):
    client.force_login(agent_user)
    response = client.get(
        "/search/",
        {
            "advanced": "1",
            "phrase": "permis d'études",
            "exclude_tag": "spam",
            "channel": ["facebook"],
            "group": "IRCC FR",
            "status": ["open"],
            "created_from": "2026-01-01",
            "created_to": "2026-03-31",
            "from_handle": "@jdoe",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)["q"][0]
    assert query == (
        '"permis d\'études" channel:facebook status:open group:"IRCC FR" from:@jdoe -tag:spam '
        "created:2026-01-01..2026-03-31"
    )
    results = client.get(response["Location"]).context["tickets"]
    assert [t.pk for t in results] == [corpus.fr.pk]


def test_the_advanced_form_refuses_an_end_before_the_start_req_srch1(client, agent_user, corpus):
    client.force_login(agent_user)
    response = client.get(
        "/search/", {"advanced": "1", "updated_from": "2026-03-01", "updated_to": "2026-02-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"words": "perm* -x:y", "phrase": 'a "quoted" thing'},
        {"fields": {"contact": ['Élise "Côté"'], "team": ["Équipe: A"]}},
        {"dates": {"resolved": (date(2026, 2, 1), None), "created": (date(2026, 2, 14), date(2026, 2, 14))}},
        {"without": "-renouvellement etude*", "excluded": {"tag": ["spam", "other tag"]}},
    ],
)
def test_built_queries_always_parse_req_ui3(kwargs):
    parse_query(build_query(**kwargs))


def test_bulk_update_applies_to_every_search_result_req_ops21_ui3(client, lead_user, corpus):
    client.force_login(lead_user)
    query = "status:open status:resolved"
    form = {"search_query": query, "scope": "filter", "priority": "urgent", "next": "/search/"}
    confirm = client.post("/tickets/bulk/", form)
    assert confirm.status_code == 200 and confirm.context["count"] == 2
    done = client.post("/tickets/bulk/", {**form, "confirm": "yes", "ids": confirm.context["ids"]})
    assert done.status_code == 302
    assert set(Ticket.objects.filter(priority="urgent").values_list("pk", flat=True)) == {
        corpus.fr.pk,
        corpus.en.pk,
    }


def test_saved_searches_are_private_and_run_again_req_ui3(client, agent_user, other_agent, corpus):
    client.force_login(agent_user)
    client.post("/search/saved/", {"name": "Visas FR", "q": "tag:visa lang:fr", "order": "-created"})
    saved = SavedSearch.objects.get()
    assert (saved.user, saved.query, saved.ordering) == (agent_user, "tag:visa lang:fr", "-created")
    page = client.get("/search/").content.decode()
    assert "Visas FR" in page
    # A bad query is not saved; someone else's saved search cannot be deleted.
    client.post("/search/saved/", {"name": "Broken", "q": '"open'})
    assert SavedSearch.objects.count() == 1
    client.force_login(other_agent)
    assert "Visas FR" not in client.get("/search/").content.decode()
    client.post("/search/saved/", {"action": "delete", "id": saved.pk})
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    client.force_login(agent_user)
    client.post("/search/saved/", {"action": "delete", "id": saved.pk})
    assert not SavedSearch.objects.exists()


def test_export_links_only_for_people_who_may_export_req_ops3(client, agent_user, analyst_user, corpus):
    client.force_login(agent_user)
    assert "/api/v1/search/export?" not in client.get("/search/", {"q": "permis"}).content.decode()
    client.force_login(analyst_user)
    page = client.get("/search/", {"q": "permis"}).content.decode()
    assert "/api/v1/search/export?q=permis" in page
    export = client.get("/api/v1/search/export", {"q": "permis", "format": "csv"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    assert "Permis d'études" in body


def test_search_needs_read_permission_req_adm4(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/search/", {"q": "permis"}).status_code == 403


def test_an_agent_saves_inbox_filters_as_their_own_view_req_ui2_ops23(
    client, agent_user, other_agent, corpus
):
    # REQ UI-2: saved views per user: the standard ones plus their own.
    client.force_login(agent_user)
    response = client.post(
        "/search/saved/",
        {"kind": "inbox", "name": "Facebook ouverts", "q": "status=open&channel=facebook&cursor=abc"},
    )
    view = SavedSearch.objects.get(kind="inbox")
    assert view.query == "status=open&channel=facebook"  # the page cursor is not part of a view
    assert response.status_code == 302 and response["Location"] == "/?status=open&channel=facebook"
    inbox = client.get("/").content.decode()
    assert "Facebook ouverts" in inbox and 'href="/?status=open&amp;channel=facebook"' in inbox
    listed = client.get("/?status=open&channel=facebook").context["tickets"]
    assert [t.pk for t in listed] == [corpus.fr.pk]
    # Filters the inbox refuses are not saved; another agent does not see the view.
    client.post("/search/saved/", {"kind": "inbox", "name": "Bad", "q": "status=maybe"})
    assert SavedSearch.objects.filter(kind="inbox").count() == 1
    client.force_login(other_agent)
    assert "Facebook ouverts" not in client.get("/").content.decode()
    # Views and searches are kept apart.
    client.force_login(agent_user)
    assert "Facebook ouverts" not in client.get("/search/").content.decode()
