"""/api/v1: service standards (SLA policies, holidays, a ticket's due times) and "remind me" (OPS-7, OPS-8).

Thin routes over ``parlons.sla.services``; the services check permissions (reminders: tickets.write;
policies and holidays: system.admin)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.permissions import ADMIN, require
from parlons.api.common import ERRORS, via
from parlons.core.errors import NotFound
from parlons.sla import services
from parlons.sla.models import Holiday, Reminder, SlaPolicy, TicketSla
from parlons.tickets.selectors import get_visible_ticket

router = Router(tags=["service standards"])


# --- reminders -------------------------------------------------------------------------------------
class ReminderIn(Schema):
    remind_at: datetime | None = Field(None, description="When to be reminded (ISO 8601 with a time zone)")
    in_minutes: int | None = Field(None, description="Or: after this many minutes (e.g. 2880 = in 2 days)")
    note: str = Field("", max_length=500)


class ReminderOut(Schema):
    id: int
    ticket_id: int
    remind_at: datetime
    note: str
    created_at: datetime
    fired_at: datetime | None
    cancelled_at: datetime | None
    state: Literal["pending", "sent", "cancelled"]


def reminder_out(r: Reminder) -> dict:
    state = "cancelled" if r.cancelled_at else "sent" if r.fired_at else "pending"
    return {
        "id": r.pk,
        "ticket_id": r.ticket_id,
        "remind_at": r.remind_at,
        "note": r.note,
        "created_at": r.created_at,
        "fired_at": r.fired_at,
        "cancelled_at": r.cancelled_at,
        "state": state,
    }


@router.get(
    "/tickets/{int:ticket_id}/reminders",
    response={200: list[ReminderOut], **ERRORS},
    summary="Your reminders on a ticket",
)
def list_ticket_reminders(request, ticket_id: int):
    get_visible_ticket(request.user, ticket_id)
    return [reminder_out(r) for r in services.reminders_of(request.user, ticket_id=ticket_id)]


@router.post(
    "/tickets/{int:ticket_id}/reminders",
    response={201: ReminderOut, **ERRORS},
    summary="Remind me about this ticket (at a time, or after a delay)",
)
def create_ticket_reminder(request, ticket_id: int, payload: ReminderIn):
    reminder = services.create_reminder(
        ticket_id,
        actor=request.user,
        remind_at=payload.remind_at,
        in_minutes=payload.in_minutes,
        note=payload.note,
        via=via(request),
    )
    return Status(201, reminder_out(reminder))


@router.delete(
    "/tickets/{int:ticket_id}/reminders/{int:reminder_id}",
    response={200: ReminderOut, **ERRORS},
    summary="Cancel one of your reminders",
)
def cancel_ticket_reminder(request, ticket_id: int, reminder_id: int):
    if not Reminder.objects.filter(pk=reminder_id, ticket_id=ticket_id).exists():
        raise NotFound()
    return reminder_out(services.cancel_reminder(reminder_id, actor=request.user, via=via(request)))


@router.get("/reminders", response={200: list[ReminderOut], **ERRORS}, summary="Your pending reminders")
def my_reminders(request):
    return [reminder_out(r) for r in services.reminders_of(request.user, pending_only=True)]


# --- a ticket's due times ----------------------------------------------------------------------------
class TargetOut(Schema):
    target: Literal["first_response", "resolution"]
    due_at: datetime | None
    met_at: datetime | None
    state: Literal["due", "at_risk", "breached", "met", "met_late"]


class TicketSlaOut(Schema):
    ticket_id: int
    policy: str | None
    due_at: datetime | None = Field(description="The next due time still pending")
    targets: list[TargetOut]


@router.get(
    "/tickets/{int:ticket_id}/sla", response={200: TicketSlaOut, **ERRORS}, summary="A ticket's due times"
)
def ticket_sla(request, ticket_id: int):
    ticket = get_visible_ticket(request.user, ticket_id)
    sla = TicketSla.objects.select_related("policy").filter(ticket=ticket).first()
    return {
        "ticket_id": ticket.pk,
        "policy": sla.policy.name if sla and sla.policy else None,
        "due_at": ticket.sla_due_at,
        "targets": [
            {"target": t.target, "due_at": t.due_at, "met_at": t.met_at, "state": t.state}
            for t in services.target_states(sla)
        ],
    }


# --- policies and holidays (system.admin) ---------------------------------------------------------------
class PolicyIn(Schema):
    name: str = Field(max_length=120)
    channel_group_id: int | None = Field(None, description="Null: every channel group")
    priority: Literal["", "low", "normal", "high", "urgent"] = Field("", description="Empty: any priority")
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours: bool = True
    warn_before_minutes: int = 60
    is_active: bool = True


class PolicyOut(PolicyIn):
    id: int


def policy_out(p: SlaPolicy) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "channel_group_id": p.channel_group_id,
        "priority": p.priority,
        "first_response_minutes": p.first_response_minutes,
        "resolution_minutes": p.resolution_minutes,
        "business_hours": p.business_hours,
        "warn_before_minutes": p.warn_before_minutes,
        "is_active": p.is_active,
    }


@router.get("/sla/policies", response={200: list[PolicyOut], **ERRORS}, summary="Service standards")
def list_policies(request):
    require(request.user, ADMIN)
    return [policy_out(p) for p in SlaPolicy.objects.all()]


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS}, summary="Add a service standard")
def create_policy(request, payload: PolicyIn):
    policy = services.save_policy(
        services.PolicyInput(**payload.dict()), actor=request.user, via=via(request)
    )
    return Status(201, policy_out(policy))


@router.put("/sla/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS}, summary="Change one")
def update_policy(request, policy_id: int, payload: PolicyIn):
    policy = services.save_policy(
        services.PolicyInput(**payload.dict()), actor=request.user, policy_id=policy_id, via=via(request)
    )
    return policy_out(policy)


@router.delete("/sla/policies/{int:policy_id}", response={204: None, **ERRORS}, summary="Delete one")
def delete_policy(request, policy_id: int):
    services.delete_policy(policy_id, actor=request.user, via=via(request))
    return Status(204, None)


class HolidayIn(Schema):
    date: date
    name_en: str = Field(max_length=120)
    name_fr: str = Field(max_length=120)


class HolidayOut(HolidayIn):
    id: int


@router.get("/sla/holidays", response={200: list[HolidayOut], **ERRORS}, summary="Holidays")
def list_holidays(request):
    require(request.user, ADMIN)
    return [
        {"id": h.pk, "date": h.date, "name_en": h.name_en, "name_fr": h.name_fr}
        for h in Holiday.objects.all()
    ]


@router.post("/sla/holidays", response={201: HolidayOut, **ERRORS}, summary="Add a holiday")
def create_holiday(request, payload: HolidayIn):
    h = services.add_holiday(
        payload.date, payload.name_en, payload.name_fr, actor=request.user, via=via(request)
    )
    return Status(201, {"id": h.pk, "date": h.date, "name_en": h.name_en, "name_fr": h.name_fr})


@router.delete("/sla/holidays/{int:holiday_id}", response={204: None, **ERRORS}, summary="Remove a holiday")
def delete_holiday(request, holiday_id: int):
    services.delete_holiday(holiday_id, actor=request.user, via=via(request))
    return Status(204, None)
