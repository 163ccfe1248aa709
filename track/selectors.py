"""Reads of the public surface. What a resident sees is built here from an explicit list of safe facts."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Status

# The five steps a resident recognises, and how far each status has come along them.
STEPS = [_("受理"), _("派单"), _("办理"), _("办结"), _("回访")]
REACHED = {
    Status.NEW: 0,
    Status.DISPATCHED: 1,
    Status.ACCEPTED: 2,
    Status.IN_PROGRESS: 2,
    Status.ON_HOLD: 2,
    Status.RESOLVED: 3,
    Status.CLOSED: 4,
}


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    current: bool
    at: datetime | None


@dataclass(frozen=True)
class Progress:
    """Everything the public page shows. No name, phone, text of the request, note or remark is in here."""

    reference: str
    category: str
    status: str
    steps: list[Step]
    unit: str
    due_at: datetime | None
    public_reply: str
    rework: bool


def _last_event(case: Case, *actions: str) -> datetime | None:
    return case.events.filter(action__in=actions).aggregate(at=Max("created_at"))["at"]


def public_progress(case: Case) -> Progress:
    """The progress of `case` as the public lookup shows it."""
    reached = REACHED[case.status]
    dates = [
        case.received_at,
        _last_event(case, "dispatch"),
        case.accepted_at or _last_event(case, "accept", "start"),
        case.resolved_at,
        case.closed_at,
    ]
    steps = [
        Step(str(label), done=index <= reached, current=index == reached, at=dates[index] if index <= reached else None)
        for index, label in enumerate(STEPS)
    ]
    done = case.status in (Status.RESOLVED, Status.CLOSED)
    return Progress(
        reference=case.reference,
        category=case.category.name,
        status=case.get_status_display(),
        steps=steps,
        unit=case.lead_department.name if case.lead_department_id else settings.SUBDISTRICT_NAME,
        due_at=case.due_at,
        public_reply=case.public_reply if done else "",
        rework=bool(case.rework_count) and not done,
    )


def lookup_figures(case: Case) -> dict:
    """How often residents looked this case up, when last, and how many failed tries named its reference."""
    found = case.public_lookups.aggregate(count=Count("id"), last=Max("at"))
    failures = case.public_lookup_failures.aggregate(count=Count("id"), limited=Count("id", filter=Q(limited=True)))
    return {
        "count": found["count"],
        "last": found["last"],
        "failures": failures["count"],
        "limited": failures["limited"],
    }
