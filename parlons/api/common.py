"""Pieces shared by the API routers: error responses, lookups that answer 404 or a clear 400."""

from __future__ import annotations

from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Schema

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import READ, require
from parlons.api.schemas import Error
from parlons.core.errors import Invalid
from parlons.tickets.models import LineOfBusiness, TagGroup

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}
Lang = Literal["en", "fr"]


class Deleted(Schema):
    deleted: bool = True
    tickets_affected: int = 0


def get_or_404(model, pk, *, perm=READ, request):
    require(request.user, perm)
    return get_object_or_404(model, pk=pk)


def optional_ref(model, pk, field_name):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        messages = {
            TagGroup: _("No such tag group."),
            LineOfBusiness: _("No such line of business."),
            User: _("No such user."),
            Team: _("No such team."),
        }
        raise Invalid(messages.get(model, _("Not found.")), details={"field": field_name})
    return obj


def all_by_key(model, values: list, field_name: str, message: str, *, key: str = "pk") -> list:
    """Every object whose ``key`` is in ``values``, or a 400 naming the field when any one is missing."""
    found = list(model.objects.filter(**{f"{key}__in": values}))
    if len(found) != len(set(values)):
        raise Invalid(message, details={"field": field_name})
    return found


def via(request) -> str:
    """How the request came: ``api`` (a token) or ``web`` (the browser session), set by the authentication; the
    ``via`` of the services' history rows and events."""
    return getattr(request, "api_via", "api")
