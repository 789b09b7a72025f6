"""Sign-in second step and authenticator set-up pages (thin: forms call parlons.accounts.mfa and services)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.accounts import mfa, services
from parlons.core.errors import Invalid


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return (
        target if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()) else "/"
    )


@login_required
def verify(request):
    if not mfa.has_mfa(request.user) or request.user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.verify(request, form.cleaned_data["code"])
        except Invalid as exc:
            form.add_error("code", str(exc.message))
        else:
            return redirect(_next(request))
    return render(request, "accounts/pages/mfa_verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request):
    if mfa.has_mfa(request.user):
        messages.info(request, _("Two-step sign-in is already on for your account."))
        return redirect("/")
    device = services.pending_mfa_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.confirm_mfa_enrolment(request.user, form.cleaned_data["code"])
        except Invalid as exc:
            form.add_error("code", str(exc.message))
        else:
            from django_otp import login as otp_login

            otp_login(request, confirmed)
            messages.success(
                request, _("Two-step sign-in is on. You will be asked for a code at each sign-in.")
            )
            return redirect("/")
    return render(
        request,
        "accounts/pages/mfa_setup.html",
        {"form": form, "secret": mfa.secret_of(device), "qr_svg": mfa.qr_svg(device)},
    )
