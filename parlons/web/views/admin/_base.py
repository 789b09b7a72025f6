"""What every administration view shares: the permission gate, accessible forms, service errors shown on
the right field, pagination."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, MANAGE, has_perm
from parlons.core.errors import ParlonsError
from parlons.web.views._common import error_page, friendly_errors

PAGE_SIZE = 50


def can_administer(user) -> bool:
    """Whether the user sees the administration home: administrators and holders of tickets.manage."""
    return has_perm(user, ADMIN) or has_perm(user, MANAGE)


def admin_view(*perms: str):
    """Sign-in required, then at least one of ``perms`` (else the friendly 403 page); service refusals and
    missing objects become the friendly 403/404 pages."""

    def decorate(view):
        @login_required
        @friendly_errors
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(has_perm(request.user, perm) for perm in perms):
                return error_page(request, 403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class AccessibleForm(forms.Form):
    """A form whose fields point at their hint and their errors (``aria-describedby``) and say when they are
    invalid (``aria-invalid``), so a screen reader reads the error with the field (WCAG 3.3.1, 1.3.1)."""

    #: Say "(optional)" beside optional fields; filter forms, whose fields are all optional, turn it off.
    mark_optional = True

    def _describe(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-hint")
            attrs = field.widget.attrs
            if self._errors and name in self._errors:  # never trigger validation from here
                ids.append(f"{bound.auto_id}-error")
                attrs["aria-invalid"] = "true"
            else:
                attrs.pop("aria-invalid", None)
            if ids:
                attrs["aria-describedby"] = " ".join(ids)
            else:
                attrs.pop("aria-describedby", None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()

    def full_clean(self):
        super().full_clean()
        self._describe()

    def add_service_error(self, exc: ParlonsError, default_field: str | None = None) -> None:
        """Show a service's refusal on the field it names (``details["field"]``), else on ``default_field``,
        else at the top of the form."""
        field = (exc.details or {}).get("field") or default_field
        if field not in self.fields:
            field = None
        self.add_error(field, str(exc))
        self._describe()


def save_form(
    request,
    form: AccessibleForm,
    save: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str] | None = None,
    error_field: str | None = None,
) -> tuple[bool, Any]:
    """The step every administration form shares: on a POST whose form is valid, call ``save`` (a service
    call) with the cleaned data. A service refusal is shown on the form (on the field it names, else
    ``error_field``); a success flashes ``success`` (a text, or a function of what ``save`` returned; "Changes
    saved." by default). Returns ``(saved, result)``: the caller redirects when ``saved``, else renders the
    form again with :func:`form_status`."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        result = save(form.cleaned_data)
    except ParlonsError as exc:
        form.add_service_error(exc, error_field)
        return False, None
    if callable(success):
        success = success(result)
    messages.success(request, success or _("Changes saved."))
    return True, result


def form_status(*forms_shown: forms.Form) -> int:
    """400 when a form on the page has errors (the browser and assistive tools learn the post failed), else
    200."""
    return 400 if any(form.errors for form in forms_shown) else 200


def paginate(request, queryset, size: int = PAGE_SIZE):
    """The page asked for in ``?page=`` (a bad number gives the first or last page, never an error)."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current query string minus ``page``, for pager links that keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def not_found_message() -> str:
    return _("This page does not exist, or you cannot see it.")
