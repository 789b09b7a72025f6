"""Realistic Meta webhook deliveries, in English and French, signed like Meta signs them.

The builders return the JSON Meta sends (shapes from the platform contracts); ``Traffic`` posts a stream of
them (comments, Messenger messages with images and PDFs, WhatsApp messages and statuses, duplicates, bursts)
to a running Parlons."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field

import httpx

from parlons.connectors.meta.signature import sign

COMMENTS = [
    ("en", "How long does it take to renew a passport right now?"),
    ("fr", "Combien de temps faut-il pour renouveler un passeport en ce moment?"),
    ("en", "I applied 6 weeks ago and still have no news. Can someone help?"),
    ("fr", "J'ai fait ma demande il y a 6 semaines et toujours rien. Quelqu'un peut m'aider?"),
    ("en", "Is the Ottawa office open on Saturday?"),
    ("fr", "Le bureau de Gatineau est-il ouvert le samedi?"),
]
MESSAGES = [
    ("en", "Hello, I need to change the address on my application."),
    ("fr", "Bonjour, je dois changer l'adresse sur ma demande."),
    ("en", "Here is a photo of the letter I received."),
    ("fr", "Voici le formulaire rempli en PDF."),
    ("en", "Thanks for your help!"),
    ("fr", "Merci beaucoup pour votre aide!"),
]
NAMES = ["Marie Tremblay", "John Smith", "Émilie Gagnon", "Jean-François Roy", "Priya Patel", "Noah Côté"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ms() -> int:
    return int(time.time() * 1000)


def page_comment(
    page_id: str,
    post_id: str,
    comment_id: str,
    user_id: str,
    name: str,
    message: str,
    *,
    verb="add",
    parent_id="",
) -> dict:
    value = {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": parent_id or post_id,
        "from": {"id": user_id, "name": name},
        "created_time": int(time.time()),
        "message": message,
    }
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": int(time.time()), "changes": [{"field": "feed", "value": value}]}],
    }


def messenger_message(
    page_id: str, psid: str, mid: str, text: str = "", *, attachments=None, obj="page"
) -> dict:
    message: dict = {"mid": mid}
    if text:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    event = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": _ms(), "message": message}
    return {"object": obj, "entry": [{"id": page_id, "time": _ms(), "messaging": [event]}]}


def _wa(phone_id: str, value: dict) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "16135550000", "phone_number_id": phone_id},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba-1", "changes": [{"field": "messages", "value": value}]}],
    }


def whatsapp_message(phone_id: str, wa_id: str, name: str, wamid: str, kind: str = "text", **content) -> dict:
    message = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())), "type": kind, kind: content}
    return _wa(phone_id, {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})


def whatsapp_status(phone_id: str, wamid: str, status: str, recipient: str, errors=None) -> dict:
    item = {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient}
    if errors:
        item["errors"] = errors
    return _wa(phone_id, {"statuses": [item]})


def deliver(url: str, payload: dict, secret: str, *, client: httpx.Client | None = None) -> httpx.Response:
    """POST one delivery to Parlons, signed with the app secret."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}
    if client is not None:
        return client.post(url, content=body, headers=headers)
    return httpx.post(url, content=body, headers=headers, timeout=30)


@dataclass
class Traffic:
    """A stream of deliveries for one page / WhatsApp number. Media (images, PDFs) is served by the Graph
    simulator ``graph`` when given (Messenger CDN files and WhatsApp media ids)."""

    page_id: str = "100000000000001"
    ig_id: str = "17841400000000001"
    phone_id: str = "100000000000002"
    graph: object | None = None
    seed: int = 1
    sent: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.random = random.Random(self.seed)
        self.n = 0

    def _id(self) -> int:
        self.n += 1
        return self.n

    def _person(self) -> tuple[str, str]:
        i = self.random.randrange(len(NAMES))
        return str(5550000 + i), NAMES[i]

    def comment(self) -> dict:
        user, name = self._person()
        _lang, text = self.random.choice(COMMENTS)
        post = f"{self.page_id}_{200 + self.random.randrange(3)}"
        return page_comment(self.page_id, post, f"{post.split('_')[1]}_{self._id():06d}", user, name, text)

    def messenger(self, attachment: str = "") -> dict:
        user, _name = self._person()
        _lang, text = self.random.choice(MESSAGES)
        attachments = None
        if attachment and self.graph is not None:
            data, mime, kind = (
                (JPEG, "image/jpeg", "image") if attachment == "image" else (PDF, "application/pdf", "file")
            )
            url = self.graph.add_cdn_file(
                f"file-{self.n + 1}.{'jpg' if kind == 'image' else 'pdf'}", data, mime
            )
            attachments = [{"type": kind, "payload": {"url": url}}]
        return messenger_message(self.page_id, user, f"m_{self._id():08d}", text, attachments=attachments)

    def whatsapp(self, attachment: str = "") -> dict:
        user, name = self._person()
        wa_id = f"1613555{user[-4:]}"
        _lang, text = self.random.choice(MESSAGES)
        wamid = f"wamid.TRAFFIC{self._id():08d}"
        if attachment and self.graph is not None:
            media_id = f"{880000 + self.n}"
            if attachment == "image":
                self.graph.add_media(media_id, JPEG, "image/jpeg")
                return whatsapp_message(
                    self.phone_id,
                    wa_id,
                    name,
                    wamid,
                    "image",
                    id=media_id,
                    mime_type="image/jpeg",
                    caption=text,
                )
            self.graph.add_media(media_id, PDF, "application/pdf")
            return whatsapp_message(
                self.phone_id,
                wa_id,
                name,
                wamid,
                "document",
                id=media_id,
                mime_type="application/pdf",
                filename="formulaire.pdf",
            )
        return whatsapp_message(self.phone_id, wa_id, name, wamid, "text", body=text)

    def mix(self, count: int) -> list[dict]:
        makers = [
            self.comment,
            self.messenger,
            lambda: self.messenger("image"),
            lambda: self.messenger("pdf"),
            self.whatsapp,
            lambda: self.whatsapp("image"),
            lambda: self.whatsapp("pdf"),
        ]
        return [self.random.choice(makers)() for _ in range(count)]

    def run(
        self, url: str, secret: str, *, count: int = 20, duplicates: float = 0.1, burst: int = 1, pause=0.0
    ):
        """Post ``count`` deliveries (``burst`` at a time, some sent twice); returns (status counts, seconds)."""
        payloads = self.mix(count)
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        with httpx.Client(timeout=30) as client:
            for i, payload in enumerate(payloads):
                times = 2 if self.random.random() < duplicates else 1
                for _ in range(times):
                    status = deliver(url, payload, secret, client=client).status_code
                    statuses[status] = statuses.get(status, 0) + 1
                self.sent.append(payload)
                if pause and (i + 1) % burst == 0:
                    time.sleep(pause)
        return statuses, time.perf_counter() - started
