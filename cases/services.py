"""Every write to a case: create, edit, status moves, extensions. Each writes timeline events."""

from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import roles
from cases.deadlines import add_working_days, deadlines_for
from cases.models import (
    SATISFIED_RESULTS,
    Case,
    CaseCounter,
    CaseEvent,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    VisitResult,
)
from cases.validators import normalise_phone
from cases.workflow import MOVES

# Fields a person edits on the case form; everything else changes only through moves.
EDITABLE_FIELDS = [
    "title",
    "description",
    "request_type",
    "category",
    "channel",
    "received_at",
    "urgency",
    "reporter_name",
    "reporter_phone",
    "reporter_confidential",
    "neighbourhood",
    "estate",
    "building",
    "address",
    "lead_department",
    "assisting_departments",
    "team",
    "assignee",
    "method",
    "external_id",
]
DEADLINE_INPUTS = {"category", "urgency", "received_at"}


class CaseError(Exception):
    """A refused write, with a message meant for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class IllegalMove(CaseError):
    pass


class NotPermitted(CaseError):
    pass


class StaleEdit(CaseError):
    """Somebody else saved the case after this person opened the form."""

    def __init__(self, message: str, *, events: list[CaseEvent]):
        super().__init__(message)
        self.events = events


def _readable(case: Case, name: str, value) -> str:
    field = Case._meta.get_field(name)
    if value is None or value == "":
        return ""
    if isinstance(field, models.ManyToManyField):
        return "、".join(sorted(str(item) for item in value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _label(name: str) -> str:
    return str(Case._meta.get_field(name).verbose_name)


def _log(
    case: Case,
    *,
    actor,
    at: datetime | None = None,
    kind: str,
    action: str = "",
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    changes: list | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        actor=actor,
        note=note,
        from_status=from_status,
        to_status=to_status,
        changes=changes or [],
        case_version=case.version,
        created_at=at or timezone.now(),
    )


def _next_reference(year: int) -> str:
    """Hand out the next number of `year`. The counter row stays locked until the case is saved,
    so numbers are unique and, because a rollback returns the number, gap-free."""
    CaseCounter.objects.bulk_create([CaseCounter(year=year)], ignore_conflicts=True)
    counter = CaseCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.CASE_REFERENCE_PREFIX}-{year}-{counter.last:06d}"


def _visible_for_update(case_id: int, actor) -> Case:
    try:
        return Case.objects.visible_to(actor).select_for_update().get(pk=case_id)
    except Case.DoesNotExist:
        raise NotPermitted(_("案件不存在，或您无权处理该案件。")) from None


def _set_fields(case: Case, data: dict) -> dict:
    """Assign plain fields and return the many-to-many ones to set after saving."""
    many = {}
    for name, value in data.items():
        if isinstance(Case._meta.get_field(name), models.ManyToManyField):
            many[name] = list(value)
        else:
            setattr(case, name, value)
    if "reporter_phone" in data:
        case.reporter_phone = normalise_phone(case.reporter_phone)
    if "external_id" in data:
        case.external_id = case.external_id or None
    return many


@transaction.atomic
def case_create(*, actor, data: dict, at: datetime | None = None) -> Case:
    """Log a new case: number it, compute its deadlines, validate it, write the first timeline line.

    `at` backdates the timeline line (imports and demo data of past cases); the default is now."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not (roles.is_staff_member(actor) or roles.is_committee_member(actor)):
        raise NotPermitted(_("只有街道工作人员和居委会可以登记案件。"))
    case = Case(created_by=actor)
    many = _set_fields(case, data)
    hood = roles.committee_neighbourhood_id(actor)
    if hood and case.neighbourhood_id != hood:
        raise NotPermitted(_("居委会只能登记本居民区的案件。"), field="neighbourhood")
    case.first_contact_due, case.due_at = deadlines_for(case.category, case.urgency, case.received_at)
    case.reference = "pending"
    case.full_clean(exclude=["reference"])
    # Numbered in the year the case was received, so imported history keeps its own year.
    case.reference = _next_reference(timezone.localtime(case.received_at).year)
    case.save()
    for name, values in many.items():
        getattr(case, name).set(values)
    _log(case, actor=actor, kind=EventKind.CREATED, to_status=case.status, at=at)
    _flag_similar_on_commit(case.pk)
    return case


@transaction.atomic
def case_update(*, case_id: int, actor, expected_version: int, data: dict) -> Case:
    """Save an edit made on a form opened at `expected_version`; refuse it if the case changed since."""
    case = _visible_for_update(case_id, actor)
    if case.version != expected_version:
        events = list(case.events.filter(case_version__gt=expected_version).select_related("actor"))
        raise StaleEdit(_("在您编辑期间，其他人已修改了该案件。请查看以下变化后重新编辑。"), events=events)
    hood = roles.committee_neighbourhood_id(actor)
    if hood and data.get("neighbourhood") and data["neighbourhood"].pk != hood:
        raise NotPermitted(_("居委会只能登记本居民区的案件。"), field="neighbourhood")
    before = {name: _readable(case, name, _current(case, name)) for name in data}
    many = _set_fields(case, data)
    after = {name: _readable(case, name, many.get(name, getattr(case, name, None))) for name in data}
    changes = [
        {"field": name, "label": _label(name), "old": before[name], "new": after[name]}
        for name in data
        if before[name] != after[name]
    ]
    if not changes:
        return case
    if DEADLINE_INPUTS & {change["field"] for change in changes}:
        case.first_contact_due, case.due_at = deadlines_for(case.category, case.urgency, case.received_at)
    case.full_clean()
    case.version += 1
    case.save()
    for name, values in many.items():
        getattr(case, name).set(values)
    _log(case, actor=actor, kind=EventKind.EDITED, changes=changes)
    if SIMILARITY_INPUTS & {change["field"] for change in changes}:
        _flag_similar_on_commit(case.pk)
    return case


SIMILARITY_INPUTS = {"title", "description", "category", "neighbourhood", "estate", "building", "address"}


def _flag_similar_on_commit(case_id: int) -> None:
    """Once committed, ask the worker for similar cases (matters app); a broker outage is logged, never raised."""
    from matters.services import enqueue_flag

    transaction.on_commit(lambda: enqueue_flag(case_id))


def _current(case: Case, name: str):
    field = Case._meta.get_field(name)
    if isinstance(field, models.ManyToManyField):
        return list(getattr(case, name).all())
    return getattr(case, name)


@transaction.atomic
def case_transition(
    *,
    case_id: int,
    actor,
    action: str,
    note: str = "",
    resolution: str = "",
    method=None,
    visit_result: str = "",
    lead_department=None,
    assisting_departments=None,
    team=None,
    assignee=None,
    at: datetime | None = None,
) -> Case:
    """Make one move from the table in cases/workflow.py, with its checks and its timeline line.

    `at` backdates the move (imports and demo data of past cases); the default is now."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalMove(_("未知的操作。"))
    case = _visible_for_update(case_id, actor)
    from cases.merging import check_move  # merging builds on this module: imported here, not at the top

    check_move(case, action)  # a merged case takes no move; a parent waits for its open children
    if move.staff_only and not roles.is_staff_member(actor):
        raise NotPermitted(_("只有街道工作人员可以%(action)s。") % {"action": move.label})
    if case.status not in move.sources:
        raise IllegalMove(
            _("案件当前状态为“%(status)s”，不能%(action)s。")
            % {"status": case.get_status_display(), "action": move.label}
        )
    note = note.strip()
    if move.needs_note and not note:
        raise CaseError(_("请填写%(action)s的理由或内容。") % {"action": move.label}, field="note")

    from_status, now, changes = case.status, at or timezone.now(), []
    if action == "dispatch":
        if not (lead_department or team or assignee):
            raise CaseError(_("派单时请至少指定主办单位、工作专班或责任人之一。"), field="lead_department")
        for name, value in (("lead_department", lead_department), ("team", team), ("assignee", assignee)):
            if value is not None and getattr(case, name) != value:
                changes.append(
                    {
                        "field": name,
                        "label": _label(name),
                        "old": _readable(case, name, getattr(case, name)),
                        "new": _readable(case, name, value),
                    }
                )
                setattr(case, name, value)
        if assisting_departments is not None:
            case.assisting_departments.set(assisting_departments)
    elif action == "accept":
        case.accepted_at = case.accepted_at or now
    elif action == "hold":
        case.status_before_hold = case.status
    elif action == "resolve":
        if not resolution.strip():
            raise CaseError(_("请填写办理结果。"), field="resolution")
        if method is None:
            raise CaseError(_("办结前请选择本案使用的工作法。"), field="method")
        if case.method_id != method.pk:
            changes.append(
                {
                    "field": "method",
                    "label": _label("method"),
                    "old": _readable(case, "method", case.method),
                    "new": str(method),
                }
            )
        case.resolution, case.method, case.resolved_at = resolution.strip(), method, now
    elif action == "visit":
        if visit_result not in VisitResult.values:
            raise CaseError(_("请选择回访结果。"), field="visit_result")
        case.visit_result = visit_result

    case.status = _target(case, action)
    if action == "resume":
        case.status_before_hold = ""
    if action == "visit":
        if visit_result in SATISFIED_RESULTS:
            case.closed_at = now
        else:
            case.rework_count += 1
            case.resolved_at = None
    if action == "return":
        case.accepted_at = None

    case.version += 1
    case.save()
    if action == "resolve":
        note = "\n".join(part for part in (resolution.strip(), note) if part)
    if action == "visit":
        label = VisitResult(visit_result).label
        note = f"{label}" + (f"：{note}" if note else "")
    to_status = case.status if case.status != from_status else ""
    _log(
        case,
        actor=actor,
        kind=move.kind,
        action=action,
        note=note,
        from_status=from_status if to_status else "",
        to_status=to_status,
        changes=changes,
        at=now,
    )
    return case


def _target(case: Case, action: str) -> str:
    move = MOVES[action]
    if move.target is not None:
        return move.target
    if action == "resume":
        return case.status_before_hold or Status.IN_PROGRESS
    if action == "visit":
        return Status.CLOSED if case.visit_result in SATISFIED_RESULTS else Status.IN_PROGRESS
    return case.status


@transaction.atomic
def extension_request(*, case_id: int, actor, days: int, reason: str) -> ExtensionRequest:
    """Ask for `days` more working days; staff approve or refuse it."""
    case = _visible_for_update(case_id, actor)
    if case.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD):
        raise IllegalMove(_("案件当前状态为“%(status)s”，不能申请延期。") % {"status": case.get_status_display()})
    if not reason.strip():
        raise CaseError(_("请填写延期理由。"), field="reason")
    if not 1 <= days <= 60:
        raise CaseError(_("延期天数应在 1 到 60 个工作日之间。"), field="days")
    if case.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise IllegalMove(_("该案件已有待审批的延期申请。"))
    extension = ExtensionRequest.objects.create(case=case, requested_by=actor, days=days, reason=reason.strip())
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _log(
        case,
        actor=actor,
        kind=EventKind.EXTENSION_REQUESTED,
        action="request_extension",
        note=_("申请延期 %(days)s 个工作日：%(reason)s") % {"days": days, "reason": extension.reason},
    )
    return extension


@transaction.atomic
def extension_decide(*, extension_id: int, actor, approve: bool, note: str = "") -> ExtensionRequest:
    """Approve (the deadline moves) or refuse a pending extension request."""
    if not roles.is_staff_member(actor):
        raise NotPermitted(_("只有街道工作人员可以审批延期。"))
    extension = ExtensionRequest.objects.select_for_update().select_related("case").get(pk=extension_id)
    if extension.status != ExtensionStatus.PENDING:
        raise IllegalMove(_("该延期申请已审批。"))
    case = _visible_for_update(extension.case_id, actor)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, timezone.now(), note.strip()
    extension.save()
    changes = []
    if approve:
        old_due = case.due_at
        case.due_at = add_working_days(case.due_at or timezone.now(), extension.days)
        changes.append(
            {
                "field": "due_at",
                "label": _label("due_at"),
                "old": _readable(case, "due_at", old_due),
                "new": _readable(case, "due_at", case.due_at),
            }
        )
    case.version += 1
    case.save()
    _log(
        case,
        actor=actor,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        action="decide_extension",
        note=extension.decision_note,
        changes=changes,
    )
    return extension
