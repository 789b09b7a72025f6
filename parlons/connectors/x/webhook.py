"""``/webhooks/x``: the callback URL registered with X (``POST /2/webhooks``).

GET answers the CRC challenge (``response_token`` = ``sha256=`` + base64 HMAC-SHA256 of ``crc_token`` with the
consumer secret). POST checks ``x-twitter-webhooks-signature`` over the raw body (a bad, missing or
wrong-algorithm signature is refused with 403 and a security event), splits the delivery into items and
stores each one (deduplicated by post or DM id) before answering 200; the worker does the rest."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from parlons.connectors.services import store_inbound
from parlons.connectors.x import delivery, signature
from parlons.tickets.models import ChannelGroup, Platform

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Twitter-Webhooks-Signature")


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _refuse(request, reason: str, what: str = "invalid signature") -> HttpResponse:
    from parlons.accounts.services import record_security_event

    record_security_event(
        "webhook.signature_refused",
        severity="warning",
        ip=_ip(request),
        endpoint="x",
        reason=reason,
        user_agent=request.headers.get("User-Agent", "")[:200],
    )
    return HttpResponseForbidden(what, content_type="text/plain")


def _crc(request) -> HttpResponse:
    crc_token = request.GET.get("crc_token", "")
    secret = settings.PARLONS_X_CONSUMER_SECRET
    if not crc_token:
        return HttpResponseBadRequest("crc_token is required", content_type="text/plain")
    if not secret:
        return _refuse(request, "no_secret", "not configured")
    return JsonResponse(signature.crc_response(crc_token, secret))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request):
    if request.method == "GET":
        return _crc(request)
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("payload too large", status=413, content_type="text/plain")
    problem = signature.check(body, request.headers.get(signature.HEADER), settings.PARLONS_X_CONSUMER_SECRET)
    if problem:
        return _refuse(request, problem)
    try:
        text = body.decode("utf-8")
        envelope = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("invalid JSON", content_type="text/plain")
    if not isinstance(envelope, dict):
        return HttpResponseBadRequest("invalid JSON", content_type="text/plain")
    items = delivery.split(envelope, text)
    accounts = {i.account_id for i in items if i.account_id}
    groups = {
        g.external_id: g
        for g in ChannelGroup.objects.filter(channel__platform=Platform.X, external_id__in=accounts)
    }
    headers = {k: request.headers[k] for k in KEPT_HEADERS if k in request.headers}
    stored = duplicates = 0
    for item in items:
        _event, created = store_inbound(
            Platform.X,
            item.external_id,
            item.body,
            headers=headers,
            channel_group=groups.get(item.account_id),
        )
        stored += created
        duplicates += not created
    return JsonResponse({"received": len(items), "stored": stored, "duplicates": duplicates})
