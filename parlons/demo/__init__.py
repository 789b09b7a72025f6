"""Realistic bilingual demo data for ``parlons demo``: training, trials and benchmarks (issue 2, item 9).

``load_demo`` creates the base data through the services (actor ``SYSTEM``): the default roles, 4 teams, 25
agents and the five demo users (one per default role), the channel groups and the groups spread across
channels, lines of business, tag groups and tags, and trackers. It reuses whatever already exists
(get-or-create by natural key), so loading twice only adds tickets.

The tickets are different. ``--tickets 1000000`` must fill PostgreSQL in reasonable time, which per-ticket
service calls (a transaction, a row lock, history rows and events each) cannot do. So the ticket part
**deliberately bypasses the per-ticket services**: it is the demo and benchmark loader, and the ONLY code
allowed to do so (ADR 0004). It writes in bulk, in batches of 2,000 tickets with their messages, notes, tag
and tracker links and history, one transaction per batch, keeping memory flat: ids that rows refer to are
reserved from the tables' sequences, then rows go in with ``COPY`` on PostgreSQL (one prepared ``INSERT``
over all rows with ``executemany`` on SQLite), built from the models' own field lists (``BulkWriter``;
``bulk_create`` held the load to a fifth of the speed). It writes exactly the rows the services would write
for the same story and the same history shapes (``TicketEvent`` kinds and data as ``record`` is called with
in ``parlons/tickets/services``), with the story's timestamps. It publishes no domain events: nobody watches
a demo load, so anything that derives data from events (a search index, report metrics) must be rebuilt
after a load.

Every ticket is generated from ``random.Random`` seeded with the seed and the ticket's position, so the same
seed gives the same texts and choices (``DemoGenerator`` is pure: no database).

The modules, by job:

- ``loader``: ``load_demo`` and ``DemoResult``; batches, progress, the background writer thread.
- ``base``: the base data, through the services.
- ``generator``: the pure seeded ``DemoGenerator`` (people, texts, platform ids) and ``texts_digest``.
- ``story``: one ticket's life, a state machine that follows the services' rules.
- ``plans``: the planned rows (``TicketPlan``, ``MessagePlan``, ``Person``, ``Ref``) and the staff tables.
- ``writer``: the bulk writer (id reservation, ``COPY`` / ``executemany``) and the rows of a batch.
- ``corpus``: the texts and the catalogue (plain data).
"""

from parlons.demo import corpus
from parlons.demo.base import BaseData, ensure_base
from parlons.demo.generator import DemoGenerator, texts_digest
from parlons.demo.loader import BATCH_SIZE, DemoResult, load_demo
from parlons.demo.plans import DEMO_USERNAMES, HISTORY_DAYS, MAX_MESSAGES, MessagePlan, Person, TicketPlan

__all__ = [
    "BATCH_SIZE",
    "DEMO_USERNAMES",
    "HISTORY_DAYS",
    "MAX_MESSAGES",
    "BaseData",
    "DemoGenerator",
    "DemoResult",
    "MessagePlan",
    "Person",
    "TicketPlan",
    "corpus",
    "ensure_base",
    "load_demo",
    "texts_digest",
]
