"""Fixtures of the automation tests: rules made through the service, tickets ingested with their events
dispatched (as after a real commit)."""

from __future__ import annotations

import pytest

from parlons.automation import engine
from parlons.automation.services import create_rule
from tests import factories
from tests.e2e.conftest import browser, page, plain_http  # noqa: F401  (fixtures of the browser test here)


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    engine.forget_compiled_rules()
    yield
    engine.forget_compiled_rules()


@pytest.fixture
def make_rule(admin_user):
    def make(actions, conditions=(), *, trigger="message_received", match="all", name=None, hours=None, **kw):
        doc = {"trigger": trigger, "match": match, "conditions": list(conditions), "actions": list(actions)}
        if hours is not None:
            doc["hours"] = hours
        return create_rule(actor=admin_user, name=name or f"Rule {trigger}", document=doc, **kw)

    return make


@pytest.fixture
def incoming(channel_group, committed_events):
    """``incoming(body=..., sender=...)`` ingests a message with its events dispatched; returns the ticket."""

    def send(group=None, **kwargs):
        with committed_events():
            result = factories.ingest(group or channel_group, **kwargs)
        result.ticket.refresh_from_db()
        return result.ticket

    return send


def pytest_configure(config):
    # The browser test here uses the fixtures of tests/e2e (imported), and their marker.
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in a real browser (needs Chromium and Playwright)"
    )
