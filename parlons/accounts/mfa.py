"""Two-step sign-in with time-based one-time passwords (TOTP, RFC 6238) through django-otp (ADM-1).

A user enrols by scanning a QR code (or typing the key) into an authenticator app and confirming one code.
From then on every sign-in asks for a code; sessions that have not passed that step reach nothing but the
verification page. With ``PARLONS_MFA_REQUIRED`` every user must enrol at their next sign-in."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from parlons.accounts.permissions import ADMIN, require
from parlons.accounts.services import record_security_event
from parlons.core.errors import Invalid


def has_mfa(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed TOTP device (created on first call); its key is shown until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app")
    )


def _clean(code: str) -> str:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        raise Invalid(_("Enter the 6-digit code from your authenticator app."), code="bad_code")
    return code


@transaction.atomic
def confirm_enrolment(user, code: str) -> TOTPDevice:
    """Confirm the pending device with a first code. Publishes a security event."""
    device = pending_device(user)
    if not device.verify_token(_clean(code)):
        raise Invalid(
            _("That code is not right. Check the time on your phone and try again."), code="bad_code"
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    record_security_event("mfa.enrolled", actor=user, target_user=user)
    return device


def verify(request, code: str) -> None:
    """Check a code for the signed-in user and mark the session as verified, or raise Invalid."""
    code = _clean(code)
    for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
        if device.verify_token(code):
            otp_login(request, device)
            record_security_event("mfa.verified", actor=request.user, target_user=request.user)
            return
    record_security_event("mfa.failed", severity="warning", actor=request.user, target_user=request.user)
    raise Invalid(_("That code is not right. Check the time on your phone and try again."), code="bad_code")


@transaction.atomic
def reset_mfa(user, *, actor) -> None:
    """Remove a user's authenticator (lost phone). Own account, or system.admin for others."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, ADMIN)
    TOTPDevice.objects.filter(user=user).delete()
    record_security_event("mfa.reset", actor=actor, target_user=user, severity="warning")
