"""A fake Graph API on loopback (stdlib ``http.server`` in a thread).

It answers the calls Parlons makes: comment replies (``POST /{id}/comments``, ``/{id}/replies``), the Send API
(``POST /{page-id}/messages``), WhatsApp messages and media (``POST /{phone-id}/messages``, ``/{phone-id}/media``,
``GET /{media-id}`` then the Bearer-protected download) and public CDN files (``GET /cdn/{name}``). Every request
is recorded; ``fail_next`` makes the next calls answer 500/429 (with Retry-After) and ``delay`` slows answers.
Control over HTTP too: ``GET /_sim/requests``, ``POST /_sim/fail``, ``POST /_sim/reset``."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN_FREE_PREFIXES = ("/cdn/", "/_sim/")
PROFILE_NAMES = [("Marie", "Tremblay"), ("John", "Smith"), ("Émilie", "Gagnon"), ("Jean-François", "Roy")]

# Approved WhatsApp templates the simulator lists for a business account (GET /{waba-id}/message_templates).
DEFAULT_TEMPLATES = [
    {
        "name": "suivi_demande",
        "language": "fr_CA",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Bonjour {{1}}, nous avons une réponse à votre demande {{2}}."}
        ],
    },
    {
        "name": "request_follow_up",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hello {{1}}, we have an answer about your request {{2}}."}],
    },
    {
        "name": "draft_not_approved",
        "language": "en_US",
        "status": "PENDING",
        "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Not yet approved."}],
    },
]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    status: int = 0

    @property
    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def form(self) -> dict:
        """Form fields (urlencoded or multipart; files as bytes)."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}
        if ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + self.body)
            out = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                out[name] = payload if part.get_filename() else payload.decode()
            return out
        return {}


@dataclass
class Fault:
    status: int
    retry_after: str = ""
    path: str = ""  # a regular expression the path must match; "" matches every call
    body: dict = field(default_factory=dict)


class GraphSimulator:
    """``with GraphSimulator() as sim:`` runs the fake Graph API; ``sim.graph_url`` is its versioned base URL."""

    version = "v23.0"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str = ""):
        self.host, self.port, self.token = host, port, token
        self.requests: list[Recorded] = []
        self.created: list[Recorded] = []  # calls that made something (a post, a message, an upload)
        self.faults: list[Fault] = []
        self.delay = 0.0
        self.media: dict[str, tuple[bytes, str]] = {}
        self.profiles: dict[str, dict] = {}  # User Profile API answers by id (else a made-up bilingual name)
        self.cdn: dict[str, tuple[bytes, str]] = {}
        # WhatsApp message templates by business account id (any other account gets DEFAULT_TEMPLATES).
        self.templates: dict[str, list[dict]] = {}
        self.private_replied: set[str] = set()  # comment ids that already had their one private reply
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{self.version}"

    def fail_next(self, status: int = 500, *, count: int = 1, retry_after: str = "", path: str = "") -> None:
        with self._lock:
            self.faults += [Fault(status, retry_after, path) for _ in range(count)]

    def add_media(self, media_id: str, data: bytes, mime_type: str) -> None:
        self.media[str(media_id)] = (data, mime_type)

    def add_cdn_file(self, name: str, data: bytes, mime_type: str) -> str:
        self.cdn[name] = (data, mime_type)
        return f"{self.url}/cdn/{name}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.created.clear()
            self.faults.clear()
            self.delay = 0.0
            self.private_replied.clear()

    def posts(self, pattern: str = "") -> list[Recorded]:
        """Successful creating calls whose path matches ``pattern``."""
        return [r for r in self.created if re.search(pattern, r.path)]

    def start(self) -> GraphSimulator:
        sim = self

        class Handler(_Handler):
            simulator = sim

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="graph-simulator"
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GraphSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- behaviour ----------------------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if not fault.path or re.search(fault.path, path):
                    return self.faults.pop(i)
        return None

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def handle(self, rec: Recorded) -> tuple[int, dict, bytes | dict]:
        """(status, headers, body) for one request."""
        path = rec.path
        if path.startswith("/_sim/"):
            return self._control(rec)
        if self.delay:
            time.sleep(self.delay)
        fault = self._take_fault(path)
        if fault:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            code = 4 if fault.status == 429 else 2
            return (
                fault.status,
                headers,
                fault.body
                or {"error": {"message": "Simulated failure", "type": "OAuthException", "code": code}},
            )
        if path.startswith("/cdn/"):
            found = self.cdn.get(path[5:])
            return (
                (200, {"Content-Type": found[1]}, found[0]) if found else (404, {}, {"error": {"code": 100}})
            )
        if self.token and rec.headers.get("authorization") != f"Bearer {self.token}":
            return (
                401,
                {},
                {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
            )
        if path.startswith("/media-download/"):
            found = self.media.get(path.rsplit("/", 1)[-1])
            if not found:
                return 404, {}, {"error": {"code": 100}}
            if not rec.headers.get("authorization", "").startswith("Bearer "):
                return 401, {}, {"error": {"code": 190, "message": "Missing token"}}
            return 200, {"Content-Type": found[1]}, found[0]
        m = re.fullmatch(rf"/{self.version}/([^/]+)(?:/([a-z_]+))?", path)
        if not m:
            return 404, {}, {"error": {"message": "Unknown path", "code": 100}}
        node, edge = m.group(1), m.group(2)
        if rec.method == "GET" and edge == "message_templates":
            return 200, {}, {"data": self.templates.get(node, DEFAULT_TEMPLATES), "paging": {}}
        if rec.method == "GET" and edge is None and node not in self.media and "fields" in rec.query:
            profile = self.profiles.get(node)
            if profile is None:
                first, last = PROFILE_NAMES[
                    int(hashlib.sha256(node.encode()).hexdigest(), 16) % len(PROFILE_NAMES)
                ]
                profile = {
                    "first_name": first,
                    "last_name": last,
                    "profile_pic": f"{self.url}/cdn/avatar-{node}.jpg",
                }
            wanted = rec.query["fields"].split(",")
            return 200, {}, {"id": node, **{k: v for k, v in profile.items() if k in wanted}}
        if rec.method == "GET" and edge is None:
            found = self.media.get(node)
            if not found:
                return 404, {}, {"error": {"message": "Unsupported get request.", "code": 100}}
            data, mime = found
            return (
                200,
                {},
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/media-download/{node}",
                    "mime_type": mime,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "file_size": str(len(data)),
                    "id": node,
                },
            )
        if rec.method != "POST":
            return 405, {}, {"error": {"message": "Method not allowed", "code": 100}}
        n = self._next_id()
        self.created.append(rec)
        if edge in ("comments", "replies"):
            return 200, {}, {"id": f"{node.rsplit('_', 1)[0]}_{9000000 + n}"}
        if edge == "media":
            return 200, {}, {"id": f"{7000000 + n}"}
        if edge == "messages":
            payload = rec.json if rec.headers.get("content-type", "").startswith("application/json") else None
            if payload and payload.get("messaging_product") == "whatsapp":
                return (
                    200,
                    {},
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": payload.get("to", ""), "wa_id": payload.get("to", "")}],
                        "messages": [{"id": f"wamid.SIM{n:08d}"}],
                    },
                )
            recipient = (payload or {}).get("recipient") or json.loads(
                rec.form.get("recipient", "{}") or "{}"
            )
            comment = recipient.get("comment_id", "")
            if comment:  # a private reply: once per comment, as on the platform
                with self._lock:
                    if comment in self.private_replied:
                        return 400, {}, {"error": {"message": "Activity already replied to", "code": 10900}}
                    self.private_replied.add(comment)
            return 200, {}, {"recipient_id": recipient.get("id", ""), "message_id": f"m_SIM{n:08d}"}
        if edge is None:  # POST /{comment-id} with is_hidden
            return 200, {}, {"success": True}
        return 200, {}, {"success": True}

    def _control(self, rec: Recorded) -> tuple[int, dict, dict]:
        if rec.path == "/_sim/requests":
            return (
                200,
                {},
                {
                    "requests": [
                        {
                            "method": r.method,
                            "path": r.path,
                            "status": r.status,
                            "body": r.body.decode("utf-8", "replace"),
                        }
                        for r in self.requests
                        if not r.path.startswith("/_sim/")
                    ]
                },
            )
        if rec.path == "/_sim/fail" and rec.method == "POST":
            data = rec.json or {}
            self.fail_next(
                int(data.get("status", 500)),
                count=int(data.get("count", 1)),
                retry_after=str(data.get("retry_after", "")),
                path=str(data.get("path", "")),
            )
            return 200, {}, {"faults": len(self.faults)}
        if rec.path == "/_sim/delay" and rec.method == "POST":
            self.delay = float((rec.json or {}).get("seconds", 0))
            return 200, {}, {"delay": self.delay}
        if rec.path in ("/_sim/media", "/_sim/cdn") and rec.method == "POST":
            data = rec.json or {}
            content = base64.b64decode(data.get("data_b64", ""))
            if rec.path == "/_sim/media":
                self.add_media(str(data.get("id", "")), content, str(data.get("mime_type", "")))
                return 200, {}, {"id": data.get("id")}
            return (
                200,
                {},
                {
                    "url": self.add_cdn_file(
                        str(data.get("name", "")), content, str(data.get("mime_type", ""))
                    )
                },
            )
        if rec.path == "/_sim/reset" and rec.method == "POST":
            self.reset()
            return 200, {}, {"reset": True}
        return 404, {}, {"error": "unknown control"}


class RemoteSimulator:
    """The media-hosting part of a simulator running in another process (``parlons simulate graph``)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _post(self, path: str, payload: dict) -> dict:
        import httpx

        return httpx.post(f"{self.url}{path}", json=payload, timeout=10).json()

    def add_media(self, media_id: str, data: bytes, mime_type: str) -> None:
        self._post(
            "/_sim/media",
            {"id": media_id, "mime_type": mime_type, "data_b64": base64.b64encode(data).decode()},
        )

    def add_cdn_file(self, name: str, data: bytes, mime_type: str) -> str:
        payload = {"name": name, "mime_type": mime_type, "data_b64": base64.b64encode(data).decode()}
        return self._post("/_sim/cdn", payload)["url"]


class _Handler(BaseHTTPRequestHandler):
    simulator: GraphSimulator
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waited for the client's delayed
    # acknowledgement (~40 ms) on every kept-alive request, which capped the simulator near 170 requests/s.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # quiet
        pass

    def _serve(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = Recorded(
            method=self.command,
            path=parts.path,
            query={k: v[0] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.simulator.requests.append(rec)
        status, headers, payload = self.simulator.handle(rec)
        rec.status = status
        if status >= 400 and rec in self.simulator.created:
            self.simulator.created.remove(rec)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        headers = {"Content-Type": "application/json", **headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve
