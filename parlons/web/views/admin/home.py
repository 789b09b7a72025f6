"""The administration home (/admin/): one link per screen the reader may open."""

from __future__ import annotations

from django.shortcuts import render

from parlons.accounts.permissions import ADMIN, MANAGE, has_perm
from parlons.web.views.admin._base import admin_view


@admin_view(ADMIN, MANAGE)
def admin_home(request):
    """Other areas add their own screens to the list in ``web/pages/admin/home.html`` (one ``<li>`` each)."""
    return render(
        request,
        "web/pages/admin/home.html",
        {"is_admin": has_perm(request.user, ADMIN), "can_manage": has_perm(request.user, MANAGE)},
    )
