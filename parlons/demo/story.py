"""One demo ticket's life: a list of timed steps (incoming messages, replies, notes, updates) replayed through
a small state machine that follows the services' rules (``reply``, ``add_note``, ``update_ticket``, ingest)
and records the rows and history they would write, cut at "now"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from parlons.demo import corpus
from parlons.demo.plans import (
    MAX_MESSAGES,
    STAFF,
    TEAM_LEADS,
    TEAM_POOLS,
    MessagePlan,
    Ref,
    TicketPlan,
    weighted,
)

if TYPE_CHECKING:
    from parlons.demo.generator import DemoGenerator, PlatformIds


def _after(greeting: str) -> str:
    """What follows an agent's greeting in a chat: a new line after "Bonjour Marie," (the sentence after it
    keeps its capital)."""
    return "\n" if greeting.endswith(",") else " "


UNSET: Any = object()


class Story:
    """One ticket's life as a list of timed steps, replayed through a small state machine that writes the
    rows and history the services would write (reply, add_note, update_ticket, ingest), cut at "now"."""

    def __init__(
        self,
        gen: DemoGenerator,
        rng,
        plan: TicketPlan,
        ids: PlatformIds,
        topic: str,
        case,
        values,
        answer,
        first,
        spam,
        in_surge,
    ):
        self.gen, self.rng, self.p, self.ids, self.topic, self.case = gen, rng, plan, ids, topic, case
        self.values, self.answer, self.first, self.spam, self.in_surge = values, answer, first, spam, in_surge
        self.lang = plan.language
        self.steps: list[tuple[datetime, int, str, dict]] = []
        self.last_in: int | None = None
        self.abandoned = False  # the agent asked for details and the client never answered
        self.planned_messages = 0  # at most MAX_MESSAGES per ticket

    # -- planning
    def add(self, at: datetime, name: str, **kw) -> None:
        self.steps.append((at, len(self.steps), name, kw))
        self.planned_messages += name in ("incoming", "reply")

    def reply(self, at: datetime, worker: str, text: str, *, pending: bool = False) -> None:
        """Plan a reply; ``pending``: the agent then sets the ticket to wait on the client."""
        self.add(at, "reply", actor=worker, body=self.reply_text(text, worker))
        if pending:
            self.add(at + timedelta(seconds=20), "update", actor=worker, status="pending")

    def minutes(self, lo: float, median: float, hi: float) -> timedelta:
        value = self.rng.lognormvariate(0, 1) * median
        return timedelta(minutes=min(max(value, lo), hi))

    def run(self) -> None:
        rng, p = self.rng, self.p
        team = p.group.team
        lead = TEAM_LEADS.get(team) or "lead"
        self.add(p.created_at, "incoming", body=self.first, first=True)
        if self.spam:
            self.add(
                p.created_at + self.minutes(3, 90, 900),
                "update",
                actor=lead,
                status="closed",
                spam=True,
                tags=["spam"] if rng.random() < 0.6 else [],
            )
            return self.replay()
        priority, assignee = self.triage(team)
        worker = assignee or lead
        t = p.created_at
        if rng.random() < 0.08:
            t += self.minutes(1, 6, 30)
            self.add(t, "incoming", body=self.fmt(rng.choice(corpus.CLIENT_FOLLOW_UPS[self.lang])))
        assigned = p.created_at + self.minutes(1, 35, 600)
        if assignee or priority != "normal":
            self.add(assigned, "update", actor=lead, priority=priority, assignee=assignee or UNSET)
        speed = {"urgent": 0.25, "high": 0.6, "normal": 1.0, "low": 2.0}[priority]
        t = max(t, assigned) + self.minutes(4, 150 * speed, 4 * 24 * 60)
        tags = self.pick_tags()
        if tags:
            self.add(
                max(t - timedelta(seconds=rng.randint(20, 300)), assigned + timedelta(seconds=10)),
                "update",
                actor=worker,
                tags=tags,
            )
        if (
            self.case.tracker
            and rng.random() < 0.35
            and (self.case.tracker != "portal-outage" or self.in_surge)
        ):
            self.add(assigned + self.minutes(2, 60, 1440), "update", actor=lead, tracker=self.case.tracker)
        if rng.random() < 0.22:
            self.plan_note(t, worker if rng.random() < 0.7 else lead, assigned)
        t = self.conversation(t, worker)
        self.ending(t, worker, lead)
        self.replay()

    def triage(self, team: str) -> tuple[str, str | None]:
        """The priority the lead gives the ticket and the agent it goes to (``None``: left unassigned)."""
        rng = self.rng
        priority = (
            self.case.priority
            if self.case.priority and rng.random() < 0.7
            else weighted(rng, ("normal", "low", "high", "urgent"), (80, 10, 8, 2))
        )
        pool = TEAM_POOLS[team]
        if rng.random() < 0.8:  # most often someone whose own language is the client's
            pool = [u for u in pool if STAFF[u][3] == self.lang] or pool
        assignee = None
        if rng.random() > 0.05:  # a returning client often gets the same agent (OPS-6)
            assignee = pool[self.p.person.k % len(pool)] if rng.random() < 0.5 else rng.choice(pool)
        return priority, assignee

    def plan_note(self, t: datetime, author: str, assigned: datetime) -> None:
        """An internal note written before the first reply, in the author's own language."""
        rng = self.rng
        notes = corpus.NOTES
        if self.topic in corpus.SENSITIVE_TOPICS and rng.random() < 0.6:
            notes = corpus.NOTES_SENSITIVE
        elif self.p.kind in ("comment", "mention") and rng.random() < 0.4:
            notes = corpus.NOTES_PUBLIC
        self.add(
            max(t - timedelta(seconds=rng.randint(30, 600)), assigned + timedelta(seconds=5)),
            "note",
            actor=author,
            body=self.fmt(rng.choice(notes[STAFF[author][3]])),
        )

    def pick_tags(self) -> list[str]:
        count = weighted(self.rng, (0, 1, 2, 3, 4, 5), (12, 22, 28, 20, 11, 7))
        pool = list(dict.fromkeys((*self.case.tags, *self.rng.sample(corpus.EXTRA_TAGS, 2))))
        return pool[:count]

    def conversation(self, t: datetime, worker: str) -> datetime:
        """The first reply and the rounds after it; returns the time of the last message."""
        rng, lang = self.rng, self.lang
        extra = weighted(rng, (0, 1, 2, 3, 4), (50, 15, 20, 8, 7))
        wanted = corpus.ASK_TOPICS.get(self.topic)
        asks = wanted is not None and rng.random() < 0.3
        if asks and self.p.kind in ("comment", "mention"):
            # Asked to write privately: the conversation goes on elsewhere and this public thread ends here.
            self.reply(t, worker, rng.choice(corpus.AGENT_ASKS_PUBLIC[lang]))
            return t
        if asks:
            extra = max(extra, 2) if rng.random() < 0.85 else 0
            self.abandoned = extra == 0
            body = rng.choice(corpus.AGENT_ASKS[wanted][lang])
            self.reply(t, worker, body, pending=True)
        else:
            self.reply(t, worker, self.answer)
        extra = min(extra, MAX_MESSAGES - self.planned_messages)
        for n in range(extra):
            if n % 2 == 0:  # the client
                t += self.minutes(5, 180, 3 * 24 * 60)
                if n == extra - 1:  # the client has the last word: a thank-you, then the agent resolves
                    pool = corpus.CLIENT_THANKS[lang]
                elif asks and n == 0:
                    pool = corpus.CLIENT_DETAILS[wanted][lang]
                else:
                    pool = corpus.CLIENT_FOLLOW_UPS[lang]
                self.add(t, "incoming", body=self.fmt(rng.choice(pool)))
            else:  # the agent
                t += self.minutes(8, 200, 2 * 24 * 60)
                self.reply(
                    t,
                    worker,
                    rng.choice(corpus.AGENT_FOLLOW_UPS[lang]),
                    pending=n < extra - 1 and rng.random() < 0.3,
                )
        return t

    def ending(self, t: datetime, worker: str, lead: str) -> None:
        rng = self.rng
        if self.abandoned:  # closed after a while without an answer
            self.add(t + timedelta(days=rng.uniform(5, 14)), "update", actor=worker, status="closed")
            return
        if rng.random() < 0.03:  # forgotten: stays open or pending
            return
        t += self.minutes(1, 60, 24 * 60)
        ending = rng.random()
        if ending < 0.45:
            self.add(t, "update", actor=worker, status="closed")
            return
        if ending < 0.6:  # waiting for the client to confirm; closed when no news comes
            self.add(t, "update", actor=worker, status="pending")
            self.add(t + timedelta(days=rng.uniform(2, 5)), "update", actor=worker, status="closed")
            return
        self.add(t, "update", actor=worker, status="resolved")
        # Now and then a "thank you" reopens the ticket, and the agent resolves it again.
        if rng.random() < 0.1 and self.planned_messages < MAX_MESSAGES:
            t += self.minutes(10, 120, 24 * 60)
            self.add(t, "incoming", body=rng.choice(corpus.CLIENT_THANKS[self.lang]))
            t += self.minutes(5, 45, 600)
            self.add(t, "update", actor=worker, status="resolved")
        self.add(
            t + timedelta(days=rng.uniform(2, 7)), "update", actor=rng.choice((worker, lead)), status="closed"
        )

    def fmt(self, template: str, **extra) -> str:
        return template.format_map({**self.values, **extra})

    def reply_text(self, text: str, worker: str) -> str:
        rng, lang, kind = self.rng, self.lang, self.p.kind
        first, last = STAFF[worker][1], STAFF[worker][2]
        body = self.fmt(text, agent=first)
        if kind == "comment":
            return f"{'Bonjour' if lang == 'fr' else 'Hello'} {self.p.person.first}! {body}"
        if kind == "mention":
            return f"@{self.p.person.x_handle} {body}"
        greeting = self.fmt(rng.choice(corpus.AGENT_GREETINGS[lang]))
        closing = rng.choice([c for c in corpus.AGENT_CLOSINGS[lang] if c not in body])
        if kind == "email":
            return f"{greeting}\n\n{body}\n\n{closing}\n\n{first} {last}\n{corpus.DEPARTMENT[lang]}"
        signature = corpus.SOCIAL_SIGNATURE[lang].format(agent=first)
        return f"{greeting}{_after(greeting)}{body} {closing}\n{signature}"

    # -- replay: the services' rules, step by step
    def replay(self) -> None:
        p, now = self.p, self.gen.now
        p.updated_at = p.created_at
        previous = p.created_at - timedelta(seconds=1)
        for at, _seq, name, kw in sorted(self.steps, key=lambda s: (s[0], s[1])):
            at = max(at, previous + timedelta(seconds=1))  # strictly increasing: history reads in order
            if at > now:
                break
            previous = at
            getattr(self, f"do_{name}")(at, **kw)

    def event(self, event_kind: str, at: datetime, actor: str | None, **data) -> None:
        self.p.events.append((event_kind, at, actor, "web" if actor else "ingest", data))

    def touch(self, at: datetime) -> None:
        self.p.version += 1
        self.p.updated_at = at

    def message(self, direction: str, at: datetime, body: str, author: str | None) -> int:
        ext, link = self.ids.next(direction)
        msg = MessagePlan(
            direction=direction, at=at, body=body, author=author, external_id=ext, permalink=link
        )
        if self.p.kind == "email":
            subject = self.p.subject if direction == "in" else f"RE: {self.p.subject}"
            mailbox, client = self.p.group.account, self.p.person.email
            msg.metadata = {
                "subject": subject,
                "from": client if direction == "in" else mailbox,
                "to": mailbox if direction == "in" else client,
            }
        self.p.messages.append(msg)
        return len(self.p.messages) - 1

    def do_incoming(self, at, body, first=False) -> None:
        p = self.p
        if first:
            self.event("ticket.created", at, None, channel_group=Ref("group"), kind=p.kind)
        elif p.status == "closed":
            return  # ingest would open a new ticket; the story ends here
        index = self.message("in", at, body, None)
        self.last_in = index
        if first:
            return
        self.event("message.received", at, None, message=Ref("msg", index))
        if p.status in ("resolved", "pending"):
            self.event("ticket.status_changed", at, None, **{"from": p.status, "to": "open"})
            p.status, p.resolved_at = "open", None
        self.touch(at)

    def do_reply(self, at, actor, body) -> None:
        p = self.p
        if p.status == "closed":
            return
        index = self.message("out", at, body, actor)
        msg = p.messages[index]
        msg.parent = self.last_in
        msg.idempotency_key = f"{self.rng.getrandbits(128):032x}"
        last_in_at = p.messages[self.last_in].at if self.last_in is not None else p.created_at
        if p.group.platform == "whatsapp" and at - last_in_at > timedelta(hours=24):
            msg.delivery, msg.external_id, msg.permalink = "failed", "", ""
            msg.error_code = "131047"
            msg.error = (
                "Re-engagement message: more than 24 hours have passed since the customer last replied."
            )
        else:
            msg.delivery = {"whatsapp": "read", "messenger": "delivered"}.get(p.group.platform, "sent")
        if p.first_response_at is None:
            p.first_response_at = at
        if p.status == "new":
            self.event("ticket.status_changed", at, actor, **{"from": "new", "to": "open"})
            p.status = "open"
        self.event("reply.sent", at, actor, message=Ref("msg", index), attachments=0)
        self.touch(at)

    def do_note(self, at, actor, body) -> None:
        self.p.notes.append((at, actor, body))
        self.event("note.added", at, actor, note=Ref("note", len(self.p.notes) - 1))
        self.touch(at)

    def do_update(
        self, at, actor, status=None, priority=None, spam=None, assignee=UNSET, tags=(), tracker=None
    ):
        """``update_ticket``: one history row per change, in the order ``_apply`` writes them."""
        p, changed = self.p, False
        if status and status != p.status:
            if status == "resolved":
                p.resolved_at = at
            elif status == "closed":
                p.closed_at, p.closed_by = at, actor
                p.resolved_at = p.resolved_at or at
            else:
                p.resolved_at = p.closed_at = p.closed_by = None
            self.event("ticket.status_changed", at, actor, **{"from": p.status, "to": status})
            p.status, changed = status, True
        if priority and priority != p.priority:
            self.event("ticket.priority_changed", at, actor, **{"from": p.priority, "to": priority})
            p.priority, changed = priority, True
        if spam is not None and spam != p.is_spam:
            self.event("ticket.spam_changed", at, actor, **{"from": p.is_spam, "to": spam})
            p.is_spam, changed = spam, True
        if assignee is not UNSET and assignee != p.assignee:
            self.event(
                "ticket.assigned", at, actor, **{"from": Ref("user", p.assignee), "to": Ref("user", assignee)}
            )
            p.assignee, changed = assignee, True
        present = {slug for slug, _a, _t in p.tags}
        new_tags = [s for s in dict.fromkeys(tags) if s not in present]
        if new_tags:
            p.tags += [(s, actor, at) for s in new_tags]
            self.event("tags.added", at, actor, tags=Ref("tags", new_tags))
            changed = True
        if tracker and tracker not in {k for k, _a, _t in p.trackers}:
            p.trackers.append((tracker, actor, at))
            self.event("tracker.added", at, actor, tracker=Ref("tracker", tracker))
            changed = True
        if changed:
            self.touch(at)
