"""The pure, seeded demo generator: ``DemoGenerator`` plans tickets without touching the database.

Every ticket is generated from ``random.Random`` seeded with the seed and the ticket's position, so the same
seed gives the same texts and choices. Ticket times follow a daily and weekly rhythm over the last 200 days,
with an outage surge; each ticket's story (``parlons.demo.story``) is cut at "now", so old tickets are mostly
closed and recent ones new, open or pending.

The order of every draw from a ticket's ``rng`` is part of the data: moving a draw changes every ticket after
it (``texts_digest`` and the tests notice).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import random
import unicodedata
from datetime import datetime, timedelta

from parlons.demo import corpus
from parlons.demo.plans import HISTORY_DAYS, STAFF, Person, TicketPlan, weighted
from parlons.demo.story import Story

_TOPIC_PREFIX = {
    "study_permit": "S30", "work_permit": "W30", "visitor": "V30", "express_entry": "E00", "family": "F00",
    "citizenship": "C00", "passport": "PP0", "refugee": "R00", "pr_card": "Q00",
}  # fmt: skip


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


class DemoGenerator:
    """Plans demo tickets without touching the database: the same (seed, total, now, offset) always gives the
    same plans. ``offset`` shifts the ticket positions (and so the platform ids) of a second load."""

    def __init__(self, *, seed: int, total: int, now: datetime, offset: int = 0):
        self.seed, self.total, self.now, self.offset = seed, max(total, 1), now, offset
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.surge = (self.start + timedelta(days=118), self.start + timedelta(days=121))
        self.persons = max(40, int(self.total * 0.65))
        self._hour_weights = self._rhythm()
        self._cumulative = list(itertools.accumulate(self._hour_weights))

    # time: the i-th of N tickets sits at quantile (i + 0.5) / N of the traffic curve, so ids follow time.
    def _rhythm(self) -> list[float]:
        hour_w = (0.15, 0.1, 0.08, 0.07, 0.08, 0.15, 0.35, 0.7, 1.1, 1.4, 1.5, 1.5, 1.4, 1.45, 1.45, 1.35,
                  1.2, 1.05, 0.95, 0.9, 0.85, 0.7, 0.5, 0.3)  # fmt: skip
        day_w = (1.2, 1.1, 1.05, 1.0, 0.9, 0.5, 0.45)
        hours = HISTORY_DAYS * 24
        weights = []
        for h in range(hours):
            local = self.start + timedelta(hours=h - 5)  # Eastern time, near enough
            w = hour_w[local.hour] * day_w[local.weekday()] * (0.8 + 0.4 * h / hours)
            if self.surge[0] <= self.start + timedelta(hours=h) < self.surge[1]:
                w *= 3
            if h >= hours - 48:  # the last two days are busy (news about processing times): a live queue
                w *= 3
            weights.append(w)
        return weights

    def created_at(self, i: int) -> datetime:
        target = (i + 0.5) / self.total * self._cumulative[-1]
        h = min(bisect.bisect_left(self._cumulative, target), len(self._cumulative) - 1)
        before = self._cumulative[h - 1] if h else 0.0
        within = (target - before) / self._hour_weights[h]
        return self.start + timedelta(hours=h + min(max(within, 0.0), 0.9999))

    def person(self, k: int) -> Person:
        r = random.Random(f"parlons-demo:{self.seed}:person:{k}")
        language = "fr" if r.random() < 0.5 else "en"
        names = language if r.random() < 0.85 else ("en" if language == "fr" else "fr")
        first, last = r.choice(corpus.FIRST_NAMES[names]), r.choice(corpus.LAST_NAMES[names])
        a_first, a_last = _ascii(first), _ascii(last)
        local = r.choice(
            (
                f"{a_first}.{a_last}{k}",
                f"{a_first}{a_last[:1]}{k}",
                f"{a_first[:1]}{a_last}{k}",
                f"{a_last}.{a_first}{k}",
            )
        )
        line = r.randrange(10000)
        return Person(
            k=k,
            language=language,
            first=first,
            last=last,
            city=r.randrange(len(corpus.CITIES)),
            country=r.randrange(len(corpus.COUNTRIES)),
            born=datetime(1950 + r.randrange(55), 1 + r.randrange(12), 1 + r.randrange(28)),
            x_handle=r.choice((f"{a_first}{a_last}", f"{a_first}_{a_last[:1]}", f"{a_last}{a_first[:1]}"))
            + str(r.randrange(100)),
            x_id=str(10**15 + r.getrandbits(59)),
            email=f"{local}@{r.choice(corpus.EMAIL_DOMAINS)}",
            wa_id=f"1{r.choice(corpus.AREA_CODES)}555{line if line != 1212 else 1213:04d}",
            fb_id=str(3 * 10**15 + r.getrandbits(49)),
            ms_id=str(5 * 10**15 + r.getrandbits(49)),
            bio=r.randrange(len(corpus.X_BIOS["en"])),
        )

    def _date(self, d: datetime, lang: str) -> str:
        month = corpus.MONTHS[lang][d.month - 1]
        if lang == "fr":
            return f"{'1er' if d.day == 1 else d.day} {month} {d.year}"
        return f"{month.capitalize()} {d.day}, {d.year}"

    def _values(self, rng: random.Random, person: Person, topic: str, lang: str, at: datetime) -> dict:
        city = corpus.CITIES[person.city][lang == "fr"]
        country = corpus.COUNTRIES[person.country]
        office = rng.choice(corpus.OFFICES)[lang == "fr"]
        weeks = rng.randint(2, 16)
        prefix = _TOPIC_PREFIX.get(topic, "E00")
        past = at - timedelta(days=30 * rng.randint(1, 6))
        return {
            "app": prefix + str(rng.randrange(10 ** (10 - len(prefix)))).zfill(10 - len(prefix)),
            "applied_on": self._date(at - timedelta(days=rng.randint(20, 300)), lang),
            "date": self._date(at + timedelta(days=rng.randint(3, 60)), lang),
            "month": corpus.MONTHS[lang][past.month - 1],
            "days": rng.randint(3, 45),
            "weeks": weeks,
            "weeks2": weeks + rng.randint(3, 20),
            "months": rng.randint(3, 26),
            "year": at.year - rng.randint(2, 9),
            "crs": rng.randint(470, 560),
            "city": city,
            "in_country": country[2] if lang == "fr" else country[0],
            "from_country": country[3] if lang == "fr" else country[1],
            "scam_url": f"https://{rng.choice(corpus.SCAM_WORDS)}.{rng.choice(corpus.EMAIL_DOMAINS)}/"
            f"{rng.getrandbits(24):06x}",
            "name": person.first,
            "agent": "",
            "office": office,
            "colleague": STAFF[rng.choice(corpus.AGENTS)[0]][1],
            "ref": str(rng.randrange(100000, 999999)),
            "dob": self._date(person.born, lang),
            "handle": person.x_handle,
        }

    def _identity(self, person: Person, group: corpus.GroupSpec) -> dict:
        """The sender as the platform describes them (what ingest stores on the ContactIdentity)."""
        lang = person.language
        locale = "fr_CA" if lang == "fr" else "en_CA"
        ident = {
            "platform": group.platform,
            "name": person.full,
            "email": "",
            "language": lang,
            "profile_url": "",
        }
        describe = _PLATFORM_IDENTITIES.get(group.platform)
        ident.update(describe(person, locale) if describe else self._chat_identity(person, locale))
        return ident

    def _chat_identity(self, person: Person, locale: str) -> dict:
        """On the API channel: a chatbot that collected a name (the visitor id is stable for a seed)."""
        visitor = hashlib.blake2b(f"{self.seed}:{person.k}".encode(), digest_size=6).hexdigest()
        return {
            "external_id": f"visitor-{visitor}",
            "handle": f"visitor-{visitor[:6]}",
            "profile": {"name": person.full, "locale": locale.replace("_", "-"), "source": "web chat widget"},
        }

    def plan(self, i: int) -> TicketPlan:
        g = self.offset + i
        rng = random.Random(f"parlons-demo:{self.seed}:ticket:{g}")
        created = self.created_at(i)
        person = self.person(rng.randrange(self.persons))
        lang = person.language
        groups = [s for s in corpus.CHANNEL_GROUPS if s.language in ("", lang)]
        group = weighted(rng, groups, [s.weight for s in groups])
        kind = weighted(rng, [k for k, _w in group.kinds], [w for _k, w in group.kinds])
        in_surge = self.surge[0] <= created < self.surge[1]
        bias = corpus.GROUP_TOPIC_BIAS.get(group.key, {})
        weights = [
            t.weight * bias.get(t.key, 1) * (6 if in_surge and t.key == "website" else 1)
            for t in corpus.TOPICS
        ]
        topic = weighted(rng, corpus.TOPICS, weights)
        case = rng.choice(topic.cases)
        subject_t, question_t, answer_t = case.fr if lang == "fr" else case.en
        values = self._values(rng, person, topic.key, lang, created)
        is_spam = rng.random() < (0.07 if kind in ("comment", "mention") else 0.01)
        if is_spam:
            first = rng.choice(corpus.SPAM[lang]).format_map(values)
        else:
            first = self._first_body(rng, lang, kind, question_t.format_map(values), person, group)
        subject = (
            subject_t.format_map(values) if kind == "email" and not is_spam else first.splitlines()[0]
        )[:120]
        ids = PlatformIds(rng, g, group, person, kind, created)
        plan = TicketPlan(
            index=g,
            group=group,
            kind=kind,
            language=lang,
            person=person,
            identity=self._identity(person, group),
            subject=subject[:255],
            created_at=created,
            conversation_key="",
        )
        Story(self, rng, plan, ids, topic.key, case, values, answer_t, first, is_spam, in_surge).run()
        plan.conversation_key = ids.conversation_key
        return plan

    def _first_body(self, rng, lang, kind, question, person, group) -> str:
        if kind == "email":
            greeting, sign_off = rng.choice(corpus.GREETINGS[lang]), rng.choice(corpus.SIGN_OFFS[lang])
            return f"{greeting}\n\n{question}\n\n{sign_off}\n{person.full}"
        if kind == "comment":
            return question
        if kind == "mention":
            return f"@{group.account} {question}"
        if rng.random() < 0.5 or question.startswith(("Hello", "Hi", "Bonjour")):
            return question
        greeting = rng.choice(corpus.GREETINGS[lang])
        if greeting.endswith(","):  # "Bonjour, j'ai…": one line, so the subject is not just "Bonjour,"
            first_word = question.split()[0]
            if not (lang == "en" and first_word.split("'")[0] == "I") and (
                first_word[1:2].islower() or first_word[1:2] == "'"
            ):
                question = question[0].lower() + question[1:]
        return f"{greeting} {question}"


# --- the sender as each platform describes them (ContactIdentity fields, in the platforms' own shapes) -----
def _facebook_identity(person: Person, locale: str) -> dict:
    profile = {
        "id": person.fb_id,
        "name": person.full,
        "first_name": person.first,
        "last_name": person.last,
        "locale": locale,
    }
    return {"external_id": person.fb_id, "handle": person.full, "profile": profile}


def _messenger_identity(person: Person, locale: str) -> dict:
    profile = {"first_name": person.first, "last_name": person.last, "locale": locale, "timezone": -5}
    return {"external_id": person.ms_id, "handle": person.full, "profile": profile}


def _whatsapp_identity(person: Person, locale: str) -> dict:
    number = f"+1 {person.wa_id[1:4]}-{person.wa_id[4:7]}-{person.wa_id[7:]}"
    shown = f"{person.first} {person.last[:1]}."  # the WhatsApp profile name
    return {
        "external_id": person.wa_id,
        "handle": number,
        "name": shown,
        "profile": {"wa_id": person.wa_id, "profile": {"name": shown}},
    }


def _x_identity(person: Person, locale: str) -> dict:
    lang = person.language
    city = corpus.CITIES[person.city][lang == "fr"]
    r = random.Random(person.x_id)
    metrics = {
        "followers_count": int(r.paretovariate(1.2) * 40),
        "following_count": r.randint(20, 900),
        "tweet_count": r.randint(5, 20000),
    }
    return {
        "external_id": person.x_id,
        "handle": f"@{person.x_handle}",
        "profile_url": f"https://x.com/{person.x_handle}",
        "profile": {
            "id": person.x_id,
            "username": person.x_handle,
            "name": person.full,
            "description": corpus.X_BIOS[lang][person.bio].format(city=city),
            "location": city,
            "verified": False,
            "lang": lang,
            "public_metrics": metrics,
        },
    }


def _email_identity(person: Person, locale: str) -> dict:
    return {
        "external_id": person.email,
        "handle": person.email,
        "email": person.email,
        "profile": {"email": person.email, "name": person.full},
    }


_PLATFORM_IDENTITIES = {
    "facebook": _facebook_identity,
    "messenger": _messenger_identity,
    "whatsapp": _whatsapp_identity,
    "x": _x_identity,
    "email": _email_identity,
}


class PlatformIds:
    """Platform ids and permalinks for one ticket's messages (unique by the ticket's global position)."""

    def __init__(self, rng, g, group, person, kind, created):
        self.rng, self.g, self.group, self.person, self.kind, self.n = rng, g, group, person, kind, 0
        self.post = str(10**15 + created.toordinal() * 10 + rng.randrange(3))
        self.first = ""
        self.conversation_key = ""

    def next(self, direction: str) -> tuple[str, str]:
        """(external id, permalink) of the next message."""
        g, n, p = self.g, self.n, self.group.platform
        self.n += 1
        serial = g * 16 + min(n, 15)
        ext, link = "", ""
        if p == "facebook":
            comment = str(10**15 + serial)
            ext = f"{self.post}_{comment}"
            link = (
                f"https://www.facebook.com/permalink.php?story_fbid={self.post}&id={self.group.external_id}"
                f"&comment_id={comment}"
            )
        elif p == "x" and self.kind == "mention":
            ext = str(1_850_000_000_000_000_000 + serial)
            author = self.person.x_handle if direction == "in" else self.group.account
            link = f"https://x.com/{author}/status/{ext}"
        elif p == "x":
            ext = str(1_860_000_000_000_000_000 + serial)
        elif p == "messenger":
            ext = "m_" + base64.urlsafe_b64encode(self.rng.getrandbits(192).to_bytes(24, "big")).decode()
        elif p == "whatsapp":
            ext = "wamid.HBgL" + base64.b64encode(self.rng.getrandbits(216).to_bytes(27, "big")).decode()
        elif p == "email":
            domain = corpus.STAFF_EMAIL_DOMAIN if direction == "out" else self.person.email.split("@")[1]
            ext = f"<{self.rng.getrandbits(96):024x}.{serial}@{domain}>"
        else:
            ext = f"chat-{self.rng.getrandbits(64):016x}-{serial}"
        if not self.first:
            self.first = ext
            self.conversation_key = {
                "facebook": f"facebook:{self.post}:{self.person.fb_id}",
                "x": f"x:conversation:{ext}" if self.kind == "mention" else f"x:{self.person.x_id}",
                "messenger": f"messenger:{self.person.ms_id}",
                "whatsapp": f"whatsapp:{self.person.wa_id}",
                "email": f"email:{ext}",
            }.get(p, f"api:{ext[:21]}")
        return ext, link


def texts_digest(*, seed: int, count: int, now: datetime) -> str:
    """A digest of what the generator writes for ``count`` tickets (texts and choices): the same seed gives
    the same digest."""
    gen = DemoGenerator(seed=seed, total=count, now=now)
    digest = hashlib.sha256()
    for i in range(count):
        p = gen.plan(i)
        parts = [
            p.group.key,
            p.kind,
            p.language,
            p.subject,
            p.status,
            p.priority,
            str(p.assignee),
            p.person.full,
        ]
        parts += [m.body for m in p.messages] + [n[2] for n in p.notes] + [t[0] for t in p.tags]
        digest.update("\x1f".join(parts).encode())
    return digest.hexdigest()
