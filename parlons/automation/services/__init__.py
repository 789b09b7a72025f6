"""The only writers of automation data, and the rule runner (OPS-12, OPS-25).

Managing rules and auto-tags needs ``system.admin``; reading them and trying them (dry run) also
``tickets.manage``. Rules act through the ticket services as the system with ``via="rule:<id>"``.

No loops: an event caused by a rule never triggers that same rule, and on one ticket at most
``MAX_CHAIN`` rule runs may follow each other because of rule-caused events before the chain is cut (A adds a
note, which triggers B, which adds a note, which triggers A…). The count starts again at the next event that
a person, a channel or the system caused.

The package's modules follow the sections of the work: ``rules`` (managing rules, the dry run), ``running``
(the rule runner), ``auto_assignment`` and ``auto_tags``. Callers import from here; a test or a benchmark that
replaces ``execute`` replaces it in ``running``, where ``run_rules`` looks it up.
"""

from parlons.automation.services.auto_assignment import (
    auto_assign,
    clear_assignment_policy,
    set_assignment_policy,
)
from parlons.automation.services.auto_tags import (
    apply_auto_tags,
    create_auto_tag,
    delete_auto_tag,
    update_auto_tag,
)
from parlons.automation.services.rules import (
    MAX_DRY_RUN,
    MAX_RULES,
    create_rule,
    delete_rule,
    dry_run,
    move_rule,
    reorder_rules,
    require_read,
    update_rule,
)
from parlons.automation.services.running import MAX_CHAIN, execute, run_idle_rules, run_rules

__all__ = [
    "MAX_CHAIN",
    "MAX_DRY_RUN",
    "MAX_RULES",
    "apply_auto_tags",
    "auto_assign",
    "clear_assignment_policy",
    "create_auto_tag",
    "create_rule",
    "delete_auto_tag",
    "delete_rule",
    "dry_run",
    "execute",
    "move_rule",
    "reorder_rules",
    "require_read",
    "run_idle_rules",
    "run_rules",
    "set_assignment_policy",
    "update_auto_tag",
    "update_rule",
]
