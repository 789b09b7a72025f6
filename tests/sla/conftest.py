import pytest

from parlons.sla.models import SlaPolicy


@pytest.fixture(autouse=True)
def _default_standard(request):
    """The default policy of migration 0002 (gone if a transactional test flushed the tables before)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from parlons.sla.services import ensure_defaults

        request.getfixturevalue("db")
        ensure_defaults()


@pytest.fixture
def sent(monkeypatch):
    """Every call to ``parlons.notifications.services.notify`` as (recipient ids, kind, context, ticket id)."""
    calls = []

    def fake_notify(recipients, kind, *, context=None, ticket=None, actor=None):
        calls.append(
            (
                sorted(getattr(r, "pk", r) for r in recipients),
                kind,
                dict(context or {}),
                getattr(ticket, "pk", None),
            )
        )
        return len(recipients)

    import parlons.notifications.services as notifications

    monkeypatch.setattr(notifications, "notify", fake_notify)
    return calls


@pytest.fixture
def calendar_policy(db):
    """Replace the default policy by one in calendar hours: 1 h first response, 8 h resolution, warn 15 min."""
    SlaPolicy.objects.all().delete()
    return SlaPolicy.objects.create(
        name="Calendar",
        first_response_minutes=60,
        resolution_minutes=8 * 60,
        business_hours=False,
        warn_before_minutes=15,
    )
