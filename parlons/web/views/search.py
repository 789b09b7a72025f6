"""The search page (SRCH-1..9, UI-3, OPS-3, OPS-23): one box for the query language, an advanced form that
builds the same query, results with highlighted snippets and facets, bulk actions on the results, saved
searches, and exports of every result."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import EXPORT, READ, WRITE, has_perm, require
from parlons.core.errors import Invalid
from parlons.search.models import SavedSearch
from parlons.search.query import KINDS, build_query, quote_value
from parlons.search.selectors import RANK_CANDIDATES, search_facets, search_tickets
from parlons.search.services import delete_saved_search, save_search
from parlons.tickets.models import Platform, Tag, Ticket
from parlons.web.forms import BulkForm, InboxFilterForm
from parlons.web.views._common import friendly_errors, safe_next
from parlons.web.views.lists import with_last_lines

PAGE_SIZE = 50
ORDER_CHOICES = [
    ("relevance", gettext_lazy("Most relevant first")),
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
    ("-updated", gettext_lazy("Recently updated first")),
    ("updated", gettext_lazy("Least recently updated first")),
]
KIND_LABELS = {
    "comment": gettext_lazy("Comment"),
    "message": gettext_lazy("Private message"),
    "dm": gettext_lazy("Direct message"),
    "mention": gettext_lazy("Mention"),
    "email": gettext_lazy("E-mail"),
    "chat": gettext_lazy("Chat"),
    "call": gettext_lazy("Call"),
}
FACET_TITLES = {
    "channel": gettext_lazy("Channel"),
    "status": gettext_lazy("Status"),
    "tag": gettext_lazy("Tags"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=1000)
    order = forms.ChoiceField(label=gettext_lazy("Order"), required=False, choices=ORDER_CHOICES)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)


def _date(label):
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AdvancedSearchForm(forms.Form):
    """Every field of the query language as a form field; ``query()`` writes the line it stands for."""

    words = forms.CharField(label=gettext_lazy("All these words"), required=False, max_length=300)
    phrase = forms.CharField(label=gettext_lazy("This exact phrase"), required=False, max_length=300)
    without = forms.CharField(label=gettext_lazy("None of these words"), required=False, max_length=300)
    tag = forms.CharField(
        label=gettext_lazy("With the tags (codes, separated by commas)"), required=False, max_length=500
    )
    exclude_tag = forms.CharField(
        label=gettext_lazy("Without the tags (codes, separated by commas)"), required=False, max_length=500
    )
    taggroup = forms.CharField(label=gettext_lazy("Tag group (code)"), required=False, max_length=80)
    lob = forms.CharField(label=gettext_lazy("Line of business (code)"), required=False, max_length=80)
    channel = forms.MultipleChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    group = forms.CharField(
        label=gettext_lazy("Group within the channel (name)"), required=False, max_length=120
    )
    type = forms.MultipleChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=list(KIND_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=Ticket.Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.MultipleChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        choices=Ticket.Priority.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    lang = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Any")), ("en", "English"), ("fr", "Français")],
    )
    spam = forms.ChoiceField(
        label=gettext_lazy("Spam"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("no", gettext_lazy("Not spam")),
            ("yes", gettext_lazy("Spam only")),
        ],
    )
    from_handle = forms.CharField(
        label=gettext_lazy("Username on the platform (@…)"), required=False, max_length=255
    )
    contact = forms.CharField(
        label=gettext_lazy("Contact (name, e-mail or handle)"), required=False, max_length=255
    )
    assignee = forms.CharField(
        label=gettext_lazy("Assigned agent (user name)"), required=False, max_length=150
    )
    closed_by = forms.CharField(label=gettext_lazy("Closed by (user name)"), required=False, max_length=150)
    replied_by = forms.CharField(label=gettext_lazy("Replied by (user name)"), required=False, max_length=150)
    team = forms.CharField(label=gettext_lazy("Team (name)"), required=False, max_length=120)
    created_from = _date(gettext_lazy("Created from"))
    created_to = _date(gettext_lazy("Created until"))
    updated_from = _date(gettext_lazy("Updated from"))
    updated_to = _date(gettext_lazy("Updated until"))
    resolved_from = _date(gettext_lazy("Resolved from"))
    resolved_to = _date(gettext_lazy("Resolved until"))

    def clean(self):
        data = super().clean()
        for name in ("created", "updated", "resolved"):
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if start and end and start > end:
                self.add_error(f"{name}_to", _("The end date is before the start date."))
        return data

    def query(self) -> str:
        d = self.cleaned_data

        def listed(value: str) -> list[str]:
            return [v.strip() for v in value.split(",") if v.strip()]

        single = {
            "taggroup": d["taggroup"],
            "lob": d["lob"],
            "group": d["group"],
            "lang": d["lang"],
            "spam": d["spam"],
            "from": d["from_handle"],
            "contact": d["contact"],
            "assignee": d["assignee"],
            "closed_by": d["closed_by"],
            "replied_by": d["replied_by"],
            "team": d["team"],
        }
        fields = {
            "tag": listed(d["tag"]),
            "channel": d["channel"],
            "type": d["type"],
            "status": d["status"],
            "priority": d["priority"],
            **{name: [value] for name, value in single.items() if value},
        }
        return build_query(
            words=d["words"],
            phrase=d["phrase"],
            without=d["without"],
            fields=fields,
            excluded={"tag": listed(d["exclude_tag"])},
            dates={name: (d[f"{name}_from"], d[f"{name}_to"]) for name in ("created", "updated", "resolved")},
        )


def _facet_links(query: str, order: str, facets: dict) -> list[dict]:
    """Each facet value as a link that narrows the search to it (the query gains ``field:value``)."""
    names = {}
    if facets.get("tag"):
        names = {t.slug: t for t in Tag.objects.filter(slug__in=[f["value"] for f in facets["tag"]])}
    french = (get_language() or "en").startswith("fr")
    groups = []
    for key, title in FACET_TITLES.items():
        values = facets.get(key) or []
        if not values:
            continue
        items = []
        for facet in values:
            value = facet["value"]
            term = f"{key}:{quote_value(value)}"
            if key == "status":
                label = dict(Ticket.Status.choices).get(value, value)
            elif key == "channel":
                label = dict(Platform.choices).get(value, value)
            else:
                tag = names.get(value)
                label = (tag.name_fr if french else tag.name_en) if tag else value
            already = term in query.split()
            url = "/search/?" + urlencode({"q": f"{query} {term}".strip(), "order": order})
            items.append({"label": label, "count": facet["count"], "url": url, "active": already})
        groups.append({"title": title, "items": items})
    return groups


@login_required
@friendly_errors
def search_page(request):
    require(request.user, READ)
    advanced = AdvancedSearchForm(request.GET if request.GET.get("advanced") else None)
    if advanced.is_bound and advanced.is_valid():
        built = advanced.query()
        return redirect("/search/?" + urlencode({"q": built, "order": request.GET.get("order", "relevance")}))
    form = SearchForm(request.GET or None)
    context = {
        "form": form,
        "advanced": advanced,
        "advanced_open": advanced.is_bound,
        "saved": SavedSearch.objects.filter(user=request.user, kind=SavedSearch.Kind.SEARCH),
        "can_write": has_perm(request.user, WRITE),
        "can_export": has_perm(request.user, EXPORT),
        "bulk_form": BulkForm(),
        "kinds": KINDS,
        "searched": False,
    }
    status = 200
    if form.is_bound and form.is_valid() and not advanced.is_bound:
        query = form.cleaned_data["q"].strip()
        order = form.cleaned_data["order"] or "relevance"
        context.update({"q": query, "order": order, "search_q": query})
        if query:
            try:
                # The counts (facets) are a second request (``search_facets_view``): the results never wait.
                result = search_tickets(
                    request.user,
                    query,
                    ordering=order,
                    cursor=form.cleaned_data["cursor"],
                    limit=PAGE_SIZE,
                    with_facets=False,
                )
            except Invalid as exc:
                context["query_error"] = str(exc)
                status = 400
            else:
                tickets = with_last_lines(list(result.items))
                for ticket in tickets:
                    ticket.snippet = result.snippets.get(ticket.pk, "")
                context.update(
                    {
                        "searched": True,
                        "tickets": tickets,
                        "total": result.total,
                        "facets_query": urlencode({"q": query, "order": order}),
                        "ranked_only": order == "relevance" and result.total is None,
                        "rank_candidates": number_format(RANK_CANDIDATES, force_grouping=True),
                        "export_query": urlencode(
                            {"q": query, "order": order if order != "relevance" else "-created"}
                        ),
                    }
                )
                if result.next_cursor:
                    context["next_url"] = "?" + urlencode(
                        {"q": query, "order": order, "cursor": result.next_cursor}
                    )
                if form.cleaned_data["cursor"]:
                    context["first_url"] = "?" + urlencode({"q": query, "order": order})
    elif advanced.is_bound:
        status = 400
    return render(request, "web/pages/search.html", context, status=status)


@login_required
@friendly_errors
def search_facets_view(request):
    """The counts of a search (how many results, per channel, status and tag), each a link that narrows the
    search. The search page loads this fragment into a live region after the results (htmx); without
    JavaScript its link opens it as a page of its own."""
    require(request.user, READ)
    query = request.GET.get("q", "").strip()  # parse_query refuses what is too long or not understood
    order = request.GET.get("order", "")
    order = order if order in dict(ORDER_CHOICES) else "relevance"
    context = {
        "q": query,
        "order": order,
        "back_url": "/search/?" + urlencode({"q": query}),
    }
    status = 200
    try:
        counted = search_facets(request.user, query)
    except Invalid as exc:
        context["query_error"] = str(exc)
        status = 400
    else:
        context.update(
            {
                "counted": counted,
                "sample_text": number_format(counted.sample, force_grouping=True),
                "facet_groups": _facet_links(query, order, counted.facets),
                "back_url": "/search/?" + urlencode({"q": query, "order": order}),
            }
        )
    template = "web/components/search_facets.html" if request.htmx else "web/pages/search_facets.html"
    return render(request, template, context, status=status)


@require_POST
@login_required
@friendly_errors
def saved_search_action(request):
    """Save the current search under a name, or forget a saved one."""
    kind = request.POST.get("kind", SavedSearch.Kind.SEARCH)
    back = safe_next(request, "/" if kind == SavedSearch.Kind.INBOX else "/search/")
    try:
        if request.POST.get("action") == "delete":
            delete_saved_search(request.user, int(request.POST.get("id") or 0))
            messages.success(request, _("Saved search deleted."))
        else:
            query = request.POST.get("q", "")
            if kind == SavedSearch.Kind.INBOX:
                # An inbox view: the filters as the inbox's address has them, checked by the inbox's own form.
                filters = QueryDict(query, mutable=True)
                filters.pop("cursor", None)
                if not InboxFilterForm(filters).is_valid():
                    raise Invalid(_("Some filters are not valid; correct them and apply again."))
                query = filters.urlencode()
            saved = save_search(
                request.user,
                name=request.POST.get("name", ""),
                query=query,
                ordering=request.POST.get("order", "relevance"),
                kind=kind,
            )
            if kind == SavedSearch.Kind.INBOX:
                messages.success(request, _("View saved as “%(name)s”.") % {"name": saved.name})
                back = "/?" + saved.query
            else:
                messages.success(request, _("Search saved as “%(name)s”.") % {"name": saved.name})
    except (Invalid, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, Invalid) else _("Unknown saved search."))
    return redirect(back)
