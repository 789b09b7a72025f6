"""``/webhooks/meta``: the one callback URL for Facebook Page, Messenger, Instagram and WhatsApp.

GET answers Meta's subscription handshake. POST checks ``X-Hub-Signature-256`` over the raw body (a bad,
missing or wrong-algorithm signature is refused with 403 and a security event), splits the delivery into items
and stores each one (deduplicated by its platform id) before answering 200; the worker does the rest."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from parlons.connectors.meta import delivery, signature
from parlons.connectors.services import store_inbound_items

logger = logging.getLogger(__name__)
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256")


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _refuse(request, reason: str) -> HttpResponse:
    from parlons.accounts.services import record_security_event

    record_security_event(
        "webhook.signature_refused",
        severity="warning",
        ip=_ip(request),
        endpoint="meta",
        reason=reason,
        user_agent=request.headers.get("User-Agent", "")[:200],
    )
    return HttpResponseForbidden("invalid signature", content_type="text/plain")


def _handshake(request) -> HttpResponse:
    expected = settings.PARLONS_META_VERIFY_TOKEN
    given = request.GET.get("hub.verify_token", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(given.encode(), expected.encode())
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponseForbidden("verification failed", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta(request):
    if request.method == "GET":
        return _handshake(request)
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("payload too large", status=413, content_type="text/plain")
    problem = signature.check(
        body, request.headers.get("X-Hub-Signature-256"), settings.PARLONS_META_APP_SECRET
    )
    if problem:
        return _refuse(request, problem)
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("invalid JSON", content_type="text/plain")
    if not isinstance(envelope, dict):
        return HttpResponseBadRequest("invalid JSON", content_type="text/plain")
    items = delivery.split(envelope)
    headers = {k: request.headers[k] for k in KEPT_HEADERS if k in request.headers}
    stored, duplicates = store_inbound_items(
        [(i.platform, i.external_id, i.body, i.group_external_id) for i in items], headers=headers
    )
    return JsonResponse({"received": len(items), "stored": stored, "duplicates": duplicates})
