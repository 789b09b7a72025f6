"""REST API v1 (django-ninja): thin routes over the same services and selectors as the web UI.

Authentication: ``Authorization: Bearer <token>`` (tokens bound to a user and scopes) or the browser session
(with CSRF) so that the interactive docs work for a signed-in user. Errors are JSON ``{"code", "message",
"details"}`` with the HTTP status of the error type."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from parlons.accounts.services import authenticate_token
from parlons.core.errors import ParlonsError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
            request.api_via = "api"
        return user


class ActiveSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        from parlons.accounts.mfa import has_mfa

        if has_mfa(user) and not user.is_verified():  # the second sign-in step is not done yet
            return None
        request.api_via = "web"
        return user


api = NinjaAPI(
    title="Parlons API",
    version="1",
    description="Tickets, messages, notes, tags, trackers and administration of Parlons. "
    "Authenticate with `Authorization: Bearer <token>` (create one with `parlons token create USERNAME`).",
    auth=[BearerToken(), ActiveSession()],
    urls_namespace="api",
)


def error_body(code: str, message, details: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "details": details or {}}


@api.exception_handler(ParlonsError)
def _parlons_error(request, exc: ParlonsError):
    return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", [])]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
            loc = loc[1:]
        if loc and loc[0] in ("payload", "q"):  # the view's parameter name, not a field the caller sent
            loc = loc[1:]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "")})
    first = errors[0] if errors else {"field": "", "message": ""}
    message = _("Invalid input: %(field)s: %(message)s") % first if errors else _("Invalid input.")
    return api.create_response(request, error_body("invalid", message, {"errors": errors}), status=400)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request,
        error_body("unauthorized", _("Sign in or send a valid API token (Authorization: Bearer …).")),
        status=401,
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, error_body("error", exc.message), status=exc.status_code)


from parlons.api import accounts, catalogue, channels, tickets  # noqa: E402
from parlons.api import search as search_api  # noqa: E402

api.add_router("/v1/tickets", tickets.router)
api.add_router("/v1", catalogue.router)
api.add_router("/v1", accounts.router)
api.add_router("/v1", channels.router)
api.add_router("/v1/search", search_api.router)
from parlons.api import integrations as integrations_api  # noqa: E402

api.add_router("/v1", integrations_api.router)
from parlons.api import sla as sla_api  # noqa: E402

api.add_router("/v1", sla_api.router)
from parlons.api import reports as reports_api  # noqa: E402

api.add_router("/v1/reports", reports_api.router)
from parlons.api import rules as rules_api  # noqa: E402

api.add_router("/v1/rules", rules_api.router)
from parlons.api import exchange as exchange_api  # noqa: E402

api.add_router("/v1", exchange_api.router)
from parlons.api import email as email_api  # noqa: E402

api.add_router("/v1", email_api.router)
from parlons.api import notifications as notifications_api  # noqa: E402

api.add_router("/v1", notifications_api.router)
