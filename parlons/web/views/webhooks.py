"""Administration of outgoing webhooks (OPS-2): list, create, edit, secret, test, deliveries, retry."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import ADMIN, require
from parlons.core.errors import Invalid, NotFound
from parlons.integrations import services
from parlons.integrations.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from parlons.web.views._common import friendly_errors


class WebhookForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    url = forms.CharField(
        label=gettext_lazy("Address (https://…)"),
        max_length=1000,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events to send (none ticked: all)"),
        choices=list(WEBHOOK_EVENTS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _endpoint(pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def _save(request, form: WebhookForm, endpoint: WebhookEndpoint | None):
    """Create or update from a valid form; service errors go back on the form. Returns the endpoint or None."""
    data = form.cleaned_data
    try:
        if endpoint is None:
            endpoint, secret = services.create_webhook(actor=request.user, **data)
            request.session["webhook_secret"] = {"id": endpoint.pk, "secret": secret}
            messages.success(request, _("Webhook created."))
        else:
            services.update_webhook(endpoint, actor=request.user, **data)
            messages.success(request, _("Webhook saved."))
        return endpoint
    except Invalid as exc:
        field = (exc.details or {}).get("field")
        form.add_error(field if field in form.fields else None, str(exc))
        return None


@login_required
@friendly_errors
def webhook_list(request):
    require(request.user, ADMIN)
    form = WebhookForm()
    status = 200
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid() and (endpoint := _save(request, form, None)):
            return redirect("webhook", pk=endpoint.pk)
        status = 400
    return render(
        request,
        "web/pages/webhooks.html",
        {"endpoints": WebhookEndpoint.objects.all(), "form": form, "events": WEBHOOK_EVENTS},
        status=status,
    )


@login_required
@friendly_errors
def webhook_detail(request, pk: int):
    require(request.user, ADMIN)
    endpoint = _endpoint(pk)
    status = 200
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid() and _save(request, form, endpoint):
            return redirect("webhook", pk=endpoint.pk)
        status = 400
    else:
        form = WebhookForm(
            initial={
                "name": endpoint.name,
                "url": endpoint.url,
                "events": endpoint.events,
                "is_active": endpoint.is_active,
            }
        )
    shown = request.session.pop("webhook_secret", None)
    secret = shown["secret"] if shown and shown.get("id") == endpoint.pk else ""
    return render(
        request,
        "web/pages/webhook.html",
        {
            "endpoint": endpoint,
            "form": form,
            "secret": secret,
            "deliveries": endpoint.deliveries.all()[:50],
        },
        status=status,
    )


@require_POST
@login_required
@friendly_errors
def webhook_action(request, pk: int):
    """The buttons of the webhook page: new secret, test event, retry a delivery, delete."""
    require(request.user, ADMIN)
    endpoint = _endpoint(pk)
    action = request.POST.get("action", "")
    try:
        if action == "rotate":
            secret = services.rotate_webhook_secret(endpoint, actor=request.user)
            request.session["webhook_secret"] = {"id": endpoint.pk, "secret": secret}
            messages.success(request, _("New signing secret made. Give it to the receiving system."))
        elif action == "ping":
            services.send_test_event(endpoint, actor=request.user)
            messages.success(request, _("Test event queued."))
        elif action == "retry":
            delivery = WebhookDelivery.objects.filter(
                pk=request.POST.get("delivery"), endpoint=endpoint
            ).first()
            if delivery is None:
                raise NotFound()
            services.retry_delivery(delivery, actor=request.user)
            messages.success(request, _("Delivery queued again."))
        elif action == "delete":
            services.delete_webhook(endpoint, actor=request.user)
            messages.success(request, _("Webhook deleted."))
            return redirect("webhooks")
        else:
            raise Invalid(_("Unknown action."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return redirect("webhook", pk=endpoint.pk)
