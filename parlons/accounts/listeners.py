"""Sign-in outcomes go into the security audit trail (ENV-2, ENV-3)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from parlons.accounts.services import record_security_event


def _ip(request):
    return getattr(request, "axes_ip_address", None) or (request.META.get("REMOTE_ADDR") if request else None)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record_security_event("auth.signed_in", actor=user, target_user=user, ip=_ip(request))


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record_security_event(
        "auth.failed",
        severity="warning",
        ip=_ip(request),
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record_security_event(
        "auth.locked_out", severity="critical", ip=ip_address, username=(username or "")[:150]
    )
