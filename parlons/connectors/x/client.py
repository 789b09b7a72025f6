"""A small X API v2 client: a timeout on every call, the channel group's token as Bearer, and failures turned
into ``SendError`` that says whether trying again can help. A 429 (or a 5xx) is retryable after the time X
gives in ``x-rate-limit-reset`` (epoch seconds); 401/403 and other 4xx are not. Retrying is the outbound
queue's job (and the polling job's); only media downloads retry here, briefly."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from parlons.connectors.base import MAX_MEDIA_BYTES, SendError, download_media, json_answer, platform_request


def reset_in(headers, now: float | None = None) -> float:
    """Seconds until ``x-rate-limit-reset`` (or ``Retry-After``), 0 when absent, at most one hour."""
    now = time.time() if now is None else now
    reset = headers.get("x-rate-limit-reset", "")
    try:
        if reset:
            return max(0.0, min(float(reset) - now, 3600.0))
        return max(0.0, min(float(headers.get("Retry-After", "") or 0), 3600.0))
    except ValueError:
        return 0.0


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if not isinstance(data, dict):
        return ""
    errors = data.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(data.get("detail") or first.get("message") or data.get("title") or "")[:500]


def error_from(response: httpx.Response) -> SendError:
    status = response.status_code
    if status == 429:
        return SendError(
            _("The platform asks us to slow down; the message will be sent again shortly."),
            code="rate_limited",
            retryable=True,
            retry_after=reset_in(response.headers) or 60,
        )
    if status >= 500:
        return SendError(
            _("The platform is unavailable (HTTP %(status)s); the message will be sent again.")
            % {"status": status},
            code="platform_unavailable",
            retryable=True,
            retry_after=reset_in(response.headers),
        )
    detail = _detail(response)
    if status == 401:
        return SendError(
            _("The platform refused the channel's credentials: %(detail)s") % {"detail": detail},
            code="credentials_refused",
            retryable=False,
        )
    if status == 403:
        return SendError(
            _("X refused the message: %(detail)s") % {"detail": detail},
            code="x_forbidden",
            retryable=False,
        )
    return SendError(
        _("The platform refused the message: %(detail)s") % {"detail": detail},
        code=f"http_{status}",
        retryable=False,
    )


@dataclass
class XClient:
    token: str
    base_url: str = ""
    timeout: float = 0
    last_headers: dict = field(default_factory=dict)

    def __post_init__(self):
        self.base_url = (self.base_url or settings.PARLONS_X_API_URL).rstrip("/")
        self.timeout = self.timeout or settings.PARLONS_X_TIMEOUT_SECONDS

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, **kwargs) -> dict:
        """Call ``{base}/{path}`` and return the JSON answer, or raise ``SendError``. The response's
        rate-limit headers are kept on ``last_headers``."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        response = platform_request(method, url, headers=self._headers(), timeout=self.timeout, **kwargs)
        self.last_headers = {
            k.lower(): v for k, v in response.headers.items() if k.lower().startswith("x-rate")
        }
        if response.status_code >= 400:
            raise error_from(response)
        return json_answer(response)

    def get(self, path: str, **kwargs) -> dict:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> dict:
        return self.request("POST", path, **kwargs)

    def download(self, url: str, *, authenticated: bool = True, attempts: int = 3) -> tuple[bytes, str]:
        """Fetch a media file (content, declared content type). DM media needs the account's token; post media
        is public. Tries again briefly on 5xx/429/timeouts."""
        return download_media(
            url,
            headers=self._headers() if authenticated else {},
            timeout=self.timeout,
            error_from=error_from,
            attempts=attempts,
            max_bytes=MAX_MEDIA_BYTES,
        )
