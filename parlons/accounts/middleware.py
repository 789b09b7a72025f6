import zoneinfo

from django.utils import timezone, translation


class UserLanguageMiddleware:
    """Applies the signed-in user's own language (EN/FR) and time zone to every page and API answer.

    The language switch saves the choice on the user's profile, so the profile is the one source of truth."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class MfaMiddleware:
    """A signed-in session that has not passed the second step reaches only the verification (or, when
    enrolment is required, the set-up) page, sign-out, static files and the language switch."""

    EXEMPT_PREFIXES = ("/accounts/mfa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.shortcuts import redirect
        from django.urls import reverse

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not request.path.startswith("/api/")  # the API answers for itself (tokens, or 401)
        ):
            from parlons.accounts.mfa import has_mfa

            if has_mfa(user):
                if not user.is_verified():
                    return redirect(f"{reverse('mfa-verify')}?next={request.get_full_path()}")
            elif getattr(settings, "PARLONS_MFA_REQUIRED", False):
                return redirect(reverse("mfa-setup"))
        return self.get_response(request)
