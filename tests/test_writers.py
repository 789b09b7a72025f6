"""Only service modules write (the rule of the house, docs/architecture.md; issue 14 item 4).

Every ``.save()``, ``.create()``, ``.bulk_create()``, ``.bulk_update()``, ``.get_or_create()``,
``.update_or_create()``, ``.delete()`` and ``.update(field=...)`` on a model, a manager or a queryset in
``parlons/`` is in a service module (``<app>/services.py`` or ``<app>/services/``) or in the short allow-list
below, each entry with the reason it is not a change of domain state. Migrations are not scanned. The demo bulk
loader (ADR 0004) writes with ``COPY``/``executemany``, not with these calls, so it needs no entry.

The calls are found by their shape: ``.save()`` without positional arguments (a workbook's or an image's
``save(path)`` has one), ``.update()`` with keyword arguments only (``dict.update``/``set.update`` take a
positional one here), ``router.delete`` (a django-ninja route) is not a write, and a call on a services module
(``services.bulk_update(...)``) is a service call, not a queryset's."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "parlons"
WRITES = {
    "save",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
    "update",
}

# (file, function) -> why it writes outside a service module. Keep it short: each entry must still be needed.
ALLOWED = {
    # The scheduler's and the worker's own bookkeeping rows (which job ran when, which worker is alive, the
    # task rows a batch finished): no domain state, no user acting, nothing to publish.
    ("parlons/core/scheduler.py", "_claim"): "ScheduledJob claim: a conditional UPDATE one worker wins",
    ("parlons/core/scheduler.py", "run_job"): "ScheduledJob: when the job last finished, its error",
    ("parlons/core/worker.py", "_beat"): "WorkerHeartbeat: the worker's heartbeat row",
    ("parlons/core/worker.py", "finish_ready_tasks"): "DBTaskResult: the task rows a batch task finished",
    # The event outbox (ADR 0006): the bus's own bookkeeping of which durable subscribers must still run.
    ("parlons/core/events.py", "_write_outbox"): "EventOutbox: the events of a unit of work, in its transaction",
    ("parlons/core/events.py", "_settle"): "EventOutbox: the row deleted, or kept for the subscribers that failed",
    ("parlons/core/events.py", "redeliver_due"): "EventOutbox: a due row claimed by a conditional UPDATE",
    # A cache token every process compares with its compiled rules; the automation services bump it.
    ("parlons/automation/models.py", "RuleSetState.bump"): "RuleSetState: the rule-set cache token",
    # Report figures derived from the tickets and their history, recomputed (never edited) by the reports
    # listeners and `parlons reports rebuild`, like a search index: nobody acts, nothing is published.
    ("parlons/reports/metrics.py", "_compute_batch"): "TicketMetrics, AgentTicketTime, TicketTerm rebuilt",
    ("parlons/reports/metrics.py", "refresh_facets"): "TicketFacet rows of some tickets rebuilt",
    ("parlons/reports/metrics.py", "rebuild_facets"): "TicketFacet rows rebuilt in id ranges",
    ("parlons/reports/metrics.py", "_move_term_days"): "TermDay counts moved, empty days dropped",
    ("parlons/reports/metrics.py", "_insert"): "the derived rows written in chunks",
}


def _is_service_module(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return path.name == "services.py" or "services" in parts[:-1]


def _service_module_names(tree: ast.Module) -> set[str]:
    """The names a module binds to service modules (``from parlons.x import services as x_services``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "services":
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.endswith(".services") and alias.asname:
                    names.add(alias.asname)
    return names


def _is_write(call: ast.Call, services: set[str]) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in WRITES:
        return False
    if isinstance(func.value, ast.Name) and func.value.id in services | {"router"}:
        return False
    if func.attr == "save":
        return not call.args
    if func.attr == "update":
        return not call.args and bool(call.keywords)
    return True


class _Finder(ast.NodeVisitor):
    def __init__(self, services: set[str]):
        self.services = services
        self.scope: list[str] = []
        self.found: list[tuple[str, int, str]] = []

    def _enter(self, node) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _enter

    def visit_Call(self, node: ast.Call) -> None:
        if _is_write(node, self.services):
            self.found.append((".".join(self.scope) or "<module>", node.lineno, ast.unparse(node.func)))
        self.generic_visit(node)


def writes_outside_services() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or _is_service_module(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        finder = _Finder(_service_module_names(tree))
        finder.visit(tree)
        rel = str(path.relative_to(ROOT))
        for scope, line, call in finder.found:
            found.setdefault((rel, scope), []).append(f"{rel}:{line} {call}(...)")
    return found


def test_only_service_modules_write():
    found = writes_outside_services()
    unexpected = [where for key, calls in found.items() if key not in ALLOWED for where in calls]
    assert not unexpected, (
        "Writes outside a service module (move them into the app's services):\n" + "\n".join(unexpected)
    )


def test_every_allowed_writer_still_writes():
    stale = sorted(set(ALLOWED) - set(writes_outside_services()))
    assert not stale, f"Allow-list entries that no longer write (remove them): {stale}"


def test_the_scan_sees_the_shapes_it_looks_for():
    source = """
from parlons.tickets import services
from parlons.accounts import services as accounts

def writer(ticket, wb, qs, data):
    ticket.save(update_fields=["status"])
    Ticket.objects.create(subject="x")
    qs.filter(pk=1).update(status="open")
    qs.delete()
    Tag.objects.bulk_create([])
    Tag.objects.get_or_create(slug="x")
    wb.save("out.xlsx")
    data.update({"a": 1})
    services.bulk_update([1], changes)
    accounts.create_user(actor=None, username="x")
    router.delete("/x")
"""
    tree = ast.parse(source)
    finder = _Finder(_service_module_names(tree))
    finder.visit(tree)
    assert [call for _scope, _line, call in finder.found] == [
        "ticket.save",
        "Ticket.objects.create",
        "qs.filter(pk=1).update",
        "qs.delete",
        "Tag.objects.bulk_create",
        "Tag.objects.get_or_create",
    ]
