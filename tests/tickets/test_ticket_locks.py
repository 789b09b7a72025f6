"""A ticket's row lock (``lock_ticket``, the ingest's) is ``FOR NO KEY UPDATE``: it keeps other writers of the
ticket out, but not another transaction that only writes rows pointing to the ticket (history, metrics, due
times: their foreign-key check takes a key-share lock). With ``FOR UPDATE`` two workers deadlocked: one's ingest
batch held ticket A and wanted ticket B, the other's listeners had updated B and checked a row pointing to A at
commit (issue 5, OPS-9)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from parlons.core.actors import SYSTEM
from parlons.tickets.models import TicketEvent
from parlons.tickets.services._common import lock_ticket, record
from tests import factories
from tests.concurrency import held_elsewhere

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=postgres://..."
    ),
]


def test_a_locked_ticket_still_takes_rows_that_point_to_it_req_ops9(admin_user):
    ticket = factories.TicketFactory()
    with held_elsewhere(lambda: lock_ticket(admin_user, ticket.pk)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        record(ticket, "note.added", actor=SYSTEM, via="test")  # its foreign key is checked at commit
    assert TicketEvent.objects.filter(ticket=ticket, kind="note.added").exists()
