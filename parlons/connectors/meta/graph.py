"""A small Graph API client: one request at a time, a timeout on every call, and failures turned into
``SendError`` that says whether trying again can help (5xx, 429 with its Retry-After, Meta's throttling codes)
or not (other 4xx). Retrying is the outbound queue's job; only media downloads retry here, briefly."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from parlons.connectors.base import MAX_MEDIA_BYTES, SendError, download_media, json_answer, platform_request

logger = logging.getLogger(__name__)

# Graph error codes that mean "slow down" even when the HTTP status is 400 (application, user, page limits).
THROTTLING_CODES = {4, 17, 32, 613, 80001, 80006, 130429, 131056}


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, min(float(value), 3600.0))
    except ValueError:
        return 0.0


def _graph_error(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data.get("error") or {} if isinstance(data, dict) else {}


def error_from(response: httpx.Response) -> SendError:
    """The ``SendError`` for a failed Graph response."""
    error = _graph_error(response)
    code = error.get("code")
    detail = str(error.get("message") or response.reason_phrase or "")[:500]
    status = response.status_code
    if status == 429 or code in THROTTLING_CODES:
        return SendError(
            _("The platform asks us to slow down; the message will be sent again shortly."),
            code="rate_limited",
            retryable=True,
            retry_after=_retry_after(response) or 60,
        )
    if status >= 500:
        return SendError(
            _("The platform is unavailable (HTTP %(status)s); the message will be sent again.")
            % {"status": status},
            code="platform_unavailable",
            retryable=True,
            retry_after=_retry_after(response),
        )
    if status in (401, 403) or code in (10, 190, 200):
        return SendError(
            _("The platform refused the channel's credentials: %(detail)s") % {"detail": detail},
            code="credentials_refused",
            retryable=False,
        )
    return SendError(
        _("The platform refused the message: %(detail)s") % {"detail": detail},
        code=f"graph_{code}" if code else f"http_{status}",
        retryable=False,
    )


@dataclass
class GraphClient:
    token: str
    base_url: str = ""
    timeout: float = 0

    def __post_init__(self):
        self.base_url = (self.base_url or settings.PARLONS_META_GRAPH_URL).rstrip("/")
        self.timeout = self.timeout or settings.PARLONS_META_TIMEOUT_SECONDS

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, **kwargs) -> dict:
        """Call ``{base}/{path}`` and return the JSON answer, or raise ``SendError``."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        response = platform_request(method, url, headers=self._headers(), timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise error_from(response)
        return json_answer(response)

    def post(self, path: str, **kwargs) -> dict:
        return self.request("POST", path, **kwargs)

    def get(self, path: str, **kwargs) -> dict:
        return self.request("GET", path, **kwargs)

    def download(self, url: str, *, authenticated: bool = True, attempts: int = 3) -> tuple[bytes, str]:
        """Fetch a media file (content, declared content type), trying again briefly on 5xx/429/timeouts."""
        return download_media(
            url,
            headers=self._headers() if authenticated else {},
            timeout=self.timeout,
            error_from=error_from,
            attempts=attempts,
            max_bytes=MAX_MEDIA_BYTES,
        )
