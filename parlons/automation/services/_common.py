"""What every change of automation data does after it is saved: every process compiles the rules and the
assignment policies again, and the change is published."""

from __future__ import annotations

from parlons.automation import engine
from parlons.automation.models import RuleSetState
from parlons.core.event_types import Event
from parlons.core.events import publish


def _forget_compiled() -> None:
    """Every process compiles the rules and the assignment policies again (RuleSetState's token)."""
    RuleSetState.bump()
    engine.forget_compiled_rules()


def _changed(event: type[Event], actor, via: str, **data) -> None:
    _forget_compiled()
    publish(event(actor_id=getattr(actor, "pk", None), via=via, **data))
