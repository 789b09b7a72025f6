"""Users (ADM-6, ADM-3, ENV-3): list with search, create, edit profile, teams and roles, lock and unlock,
reset the two-step sign-in. Needs system.admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts import services
from parlons.accounts.models import RoleGrant, User
from parlons.accounts.permissions import ADMIN
from parlons.core.errors import ParlonsError
from parlons.web.views.admin._base import admin_view, form_status, paginate, query_without_page, save_form
from parlons.web.views.admin.forms import LockForm, PasswordForm, ShortcutsForm, UserForm, UserSearchForm


@admin_view(ADMIN)
def user_list(request):
    search = UserSearchForm(request.GET)
    users = User.objects.prefetch_related("teams").order_by("username")
    if search.is_valid() and search.cleaned_data["q"]:
        q = search.cleaned_data["q"]
        users = users.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    return render(
        request,
        "web/pages/admin/users.html",
        {"search": search, "page": paginate(request, users), "query": query_without_page(request)},
    )


@admin_view(ADMIN)
def user_create(request):
    form = UserForm(
        request.POST if request.method == "POST" else None,
        initial={"language": "en", "time_zone": "America/Toronto"},
    )
    saved, user = save_form(
        request,
        form,
        lambda data: _create(request.user, data),
        success=lambda user: (
            _("User “%(name)s” created. Set their first password below, or let them sign in another way.")
            % {"name": user.username}
        ),
        error_field="username",
    )
    if saved:
        return redirect("admin_user", pk=user.pk)
    context = {"form": form, "subject": None}
    return render(request, "web/pages/admin/user_form.html", context, status=form_status(form))


def _create(actor, data) -> User:
    return services.create_user(
        actor=actor,
        username=data["username"],
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        language=data["language"],
        time_zone=data["time_zone"],
        teams=list(data["teams"]),
        roles=list(data["roles"]),
    )


@admin_view(ADMIN)
def user_edit(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    initial = {
        "first_name": subject.first_name,
        "last_name": subject.last_name,
        "email": subject.email,
        "language": subject.language,
        "time_zone": subject.time_zone,
        "teams": list(subject.teams.all()),
        "roles": [g.role for g in RoleGrant.objects.filter(user=subject).select_related("role")],
    }
    action = request.POST.get("action", "profile") if request.method == "POST" else None
    form = UserForm(request.POST if action == "profile" else None, initial=initial, editing=True)
    password_form = PasswordForm(request.POST if action == "password" else None, prefix="pw")
    if action == "password":
        saved, _result = save_form(
            request,
            password_form,
            lambda data: services.set_password(subject, data["password"], actor=request.user),
            success=_("Password set. Give it to the person in a secure way."),
            error_field="password",
        )
        if saved:
            return redirect("admin_user", pk=subject.pk)
    if action == "profile":
        saved, _result = save_form(request, form, lambda data: _update(request.user, subject, data))
        if saved:
            return redirect("admin_user", pk=subject.pk)
    from parlons.accounts.mfa import has_mfa

    context = {
        "form": form,
        "password_form": password_form,
        "subject": subject,
        "lock_form": LockForm(),
        "team_grants": RoleGrant.objects.filter(team__members=subject).select_related("role", "team"),
        "has_mfa": has_mfa(subject),
    }
    return render(request, "web/pages/admin/user_form.html", context, status=form_status(form, password_form))


def _update(actor, subject: User, data) -> None:
    data = {**data, "teams": list(data["teams"]), "roles": list(data["roles"])}
    services.update_user(subject, actor=actor, **data)


@require_POST
@admin_view(ADMIN)
def user_lock(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    form = LockForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("action") == "unlock":
            services.unlock_user(subject, actor=request.user)
            messages.success(request, _("The account is unlocked."))
        else:
            services.lock_user(subject, actor=request.user, reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("The account is locked: its sessions and API tokens are ended."))
    except ParlonsError as exc:
        messages.error(request, str(exc))
    return redirect("admin_user", pk=subject.pk)


@require_POST
@admin_view(ADMIN)
def user_reset_mfa(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    services.reset_mfa(subject, actor=request.user)
    messages.success(
        request, _("Two-step sign-in is reset: the person enrols a new authenticator at sign-in.")
    )
    return redirect("admin_user", pk=subject.pk)


@login_required
def preferences(request):
    """The signed-in person's own preferences: single-key keyboard shortcuts on or off (WCAG 2.1.4), kept on
    the profile so the choice holds on every device. Any signed-in user. The shortcut help dialog posts here
    too (htmx-free ``fetch``), and gets 204 back."""
    form = ShortcutsForm(
        request.POST if request.method == "POST" else None,
        initial={"shortcuts_enabled": request.user.shortcuts_enabled},
    )
    if request.method == "POST" and form.is_valid():
        services.update_user(
            request.user, actor=request.user, shortcuts_enabled=form.cleaned_data["shortcuts_enabled"]
        )
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(status=204)
        messages.success(request, _("Preferences saved."))
        return redirect("preferences")
    return render(request, "web/pages/admin/preferences.html", {"form": form})
