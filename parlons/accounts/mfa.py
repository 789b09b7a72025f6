"""Two-step sign-in with time-based one-time passwords (TOTP, RFC 6238) through django-otp (ADM-1).

A user enrols by scanning a QR code (or typing the key) into an authenticator app and confirming one code.
From then on every sign-in asks for a code; sessions that have not passed that step reach nothing but the
verification page. With ``PARLONS_MFA_REQUIRED`` every user must enrol at their next sign-in.

The reads and the session step live here; the changes of authenticators (``pending_mfa_device``,
``confirm_mfa_enrolment``, ``reset_mfa``) are in ``parlons.accounts.services``."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from parlons.accounts.services import record_security_event
from parlons.core.errors import Invalid


def has_mfa(user) -> bool:
    return user_has_device(user, confirmed=True)


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app")
    )


def clean_code(code: str) -> str:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        raise Invalid(_("Enter the 6-digit code from your authenticator app."), code="bad_code")
    return code


def verify(request, code: str) -> None:
    """Check a code for the signed-in user and mark the session as verified, or raise Invalid."""
    code = clean_code(code)
    for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
        if device.verify_token(code):
            otp_login(request, device)
            record_security_event("mfa.verified", actor=request.user, target_user=request.user)
            return
    record_security_event("mfa.failed", severity="warning", actor=request.user, target_user=request.user)
    raise Invalid(_("That code is not right. Check the time on your phone and try again."), code="bad_code")
