"""Every write to a case: create, edit, status moves, extensions. Each writes timeline events."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import roles
from accounts.names import display_name
from cases import hooks, permissions, visits
from cases.deadlines import add_working_days, deadlines_for
from cases.models import (
    NOTE_MAX,
    Case,
    CaseCounter,
    CaseEvent,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    VisitChannel,
)
from cases.validators import clean_text, mask_phone, normalise_phone
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
    if isinstance(value, get_user_model()):
        return display_name(value)  # people by the name colleagues know them by, never the login name
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


def _locked_counter(year: int) -> CaseCounter:
    """The counter row of `year`, made if missing and locked until the transaction ends: creations queue on it."""
    CaseCounter.objects.bulk_create([CaseCounter(year=year)], ignore_conflicts=True)
    return CaseCounter.objects.select_for_update(no_key=True).get(year=year)


def _next_reference(year: int) -> str:
    """Hand out the next number of `year`. The counter row stays locked until the case is saved,
    so numbers are unique and, because a rollback returns the number, gap-free."""
    counter = _locked_counter(year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.CASE_REFERENCE_PREFIX}-{year}-{counter.last:06d}"


def _visible_for_update(case_id: int, actor) -> Case:
    try:
        return Case.objects.visible_to(actor).select_for_update(no_key=True).get(pk=case_id)
    except Case.DoesNotExist:
        raise NotPermitted(_("案件不存在，或您无权处理该案件。")) from None


def _check_personal_fields(case: Case, data: dict, *, actor) -> None:
    """The field rules of a resident's data, for every front door (form, API, import, batch action, Open311).

    Only street-office staff may lift a resident's confidentiality, or change the name or phone of a resident
    who is confidential (nobody else may even see them). Anyone who logs or edits a case may make it confidential."""
    if roles.is_staff_member(actor):
        return
    if case.pk and case.reporter_confidential:
        if data.get("reporter_confidential", True) is False:
            raise NotPermitted(_("只有街道工作人员可以取消诉求人信息保密。"), field="reporter_confidential")
        for name in ("reporter_name", "reporter_phone"):
            if name in data and normalise_phone(str(data[name] or "")) != normalise_phone(getattr(case, name)):
                raise NotPermitted(_("该诉求人信息保密，只有街道工作人员可以修改。"), field=name)


def _set_fields(case: Case, data: dict) -> dict:
    """Assign plain fields and return the many-to-many ones to set after saving."""
    many = {}
    for name, value in data.items():
        if isinstance(Case._meta.get_field(name), models.ManyToManyField):
            many[name] = list(value)
        elif isinstance(value, str):
            setattr(case, name, clean_text(value))
        else:
            setattr(case, name, value)
    if "reporter_phone" in data:
        case.reporter_phone = normalise_phone(case.reporter_phone)
    if "external_id" in data:
        case.external_id = case.external_id or None
    return many


@transaction.atomic
def case_create(*, actor, data: dict, at: datetime | None = None, intake_key=None) -> Case:
    """Log a new case: number it, compute its deadlines, validate it, write the first timeline line.

    `at` backdates the timeline line (imports and demo data of past cases); the default is now. `intake_key` is
    the token of the form that logged it: the same form sent twice (a double click) gives the first case back."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not permissions.allowed(actor, "log"):
        raise NotPermitted(_("只有街道工作人员和居委会可以登记案件。"))
    if intake_key is not None:
        # Creations queue on the year's counter row (_next_reference): the second of two concurrent submissions
        # takes it only after the first committed, and finds its case here.
        year = timezone.localtime(data.get("received_at") or timezone.now()).year
        _locked_counter(year)
        existing = Case.objects.visible_to(actor).filter(intake_key=intake_key).first()
        if existing is not None:
            return existing
    case = Case(created_by=actor, intake_key=intake_key)
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
    hooks.cases_written([(None, hooks.facts(case))])
    for name, values in many.items():
        getattr(case, name).set(values)
    _log(case, actor=actor, kind=EventKind.CREATED, to_status=case.status, at=at)
    _flag_similar_on_commit(case.pk)
    return case


@transaction.atomic
def case_update(*, case_id: int, actor, expected_version: int, data: dict) -> Case:
    """Save an edit made on a form opened at `expected_version`; refuse it if the case changed since."""
    case = _visible_for_update(case_id, actor)
    was = hooks.facts(case)
    permissions.check(actor, "edit", case)
    if case.version != expected_version:
        events = list(case.events.filter(case_version__gt=expected_version).select_related("actor"))
        raise StaleEdit(_("在您编辑期间，其他人已修改了该案件。请查看以下变化后重新编辑。"), events=events)
    _check_personal_fields(case, data, actor=actor)
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
    for change in changes:
        if change["field"] == "reporter_phone":
            # The timeline keeps that the number changed, never the numbers: only the current one can be revealed.
            change["old"], change["new"] = mask_phone(change["old"]), mask_phone(change["new"])
    if not changes:
        return case
    if DEADLINE_INPUTS & {change["field"] for change in changes}:
        case.first_contact_due, case.due_at = deadlines_for(case.category, case.urgency, case.received_at)
    case.full_clean()
    case.version += 1
    case.save()
    hooks.cases_written([(was, hooks.facts(case))])
    for name, values in many.items():
        getattr(case, name).set(values)
    _log(case, actor=actor, kind=EventKind.EDITED, changes=changes)
    if SIMILARITY_INPUTS & {change["field"] for change in changes}:
        _flag_similar_on_commit(case.pk)
    return case


SIMILARITY_INPUTS = {"title", "description", "category", "neighbourhood", "estate", "building", "address"}


def _flag_similar_on_commit(case_id: int) -> None:
    """Once committed, tell the listeners (matters: find similar cases) that the case's text or place changed."""
    hooks.fire(hooks.CASE_SIMILARITY_STALE, case_id=case_id)


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
    public_reply: str = "",
    method=None,
    visit_result: str = "",
    visit_reason: str = "",
    visit_reached: bool = True,
    channel: str = VisitChannel.PHONE,
    lead_department=None,
    assisting_departments=None,
    team=None,
    assignee=None,
    at: datetime | None = None,
) -> Case:
    """Make one move from the table in cases/workflow.py, with its checks and its timeline line.

    `at` backdates the move (imports and demo data of past cases); the default is now. Who may make it is
    the permission matrix's answer (cases/permissions.py); the return visit is cases.visits.case_visit."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalMove(_("未知的操作。"))
    note, resolution, public_reply = (clean_text(text).strip() for text in (note, resolution, public_reply))
    if max(len(note), len(resolution), len(public_reply)) > NOTE_MAX:
        raise CaseError(_("内容不能超过 %(limit)s 个字。") % {"limit": NOTE_MAX}, field="note")
    from cases.merging import check_move  # merging builds on this module: imported here, not at the top

    if action == "visit":
        outcome = visits.case_visit(
            case_id=case_id,
            actor=actor,
            reached=visit_reached,
            result=visit_result,
            reason=visit_reason,
            note=note,
            channel=channel,
            at=at,
        )
        return outcome.case
    case = _visible_for_update(case_id, actor)
    was = hooks.facts(case)
    check_move(case, action)  # a merged case takes no move; a parent waits for its open children
    permissions.check(actor, action, case)
    if case.status not in move.sources:
        raise IllegalMove(
            _("案件当前状态为“%(status)s”，不能%(action)s。")
            % {"status": case.get_status_display(), "action": move.label}
        )
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
            before = _readable(case, "assisting_departments", list(case.assisting_departments.all()))
            after = _readable(case, "assisting_departments", list(assisting_departments))
            if before != after:
                label = _label("assisting_departments")
                changes.append({"field": "assisting_departments", "label": label, "old": before, "new": after})
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
        case.public_reply = public_reply.strip()  # what the resident reads on /track/ (issue 20)
        case.resolved_by, case.visit_due = actor, visits.visit_due(now)

    case.status = _target(case, action)
    if action == "resume":
        case.status_before_hold = ""
    if action == "return":
        case.accepted_at = None

    case.version += 1
    case.save()
    hooks.cases_written([(was, hooks.facts(case))])
    if action == "resolve":
        reply = _("答复口径：%(reply)s") % {"reply": case.public_reply} if case.public_reply else ""
        note = "\n".join(part for part in (resolution.strip(), reply, note) if part)
    to_status = case.status if case.status != from_status else ""
    event = _log(
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
    hooks.fire(
        hooks.CASE_MOVED,
        case_id=case.pk,
        action=action,
        actor_id=actor.pk,
        from_status=from_status,
        to_status=case.status,
        event_id=event.pk,
    )
    return case


def _target(case: Case, action: str) -> str:
    move = MOVES[action]
    if move.target is not None:
        return move.target
    if action == "resume":
        return case.status_before_hold or Status.IN_PROGRESS
    return case.status


@transaction.atomic
def extension_request(*, case_id: int, actor, days: int, reason: str) -> ExtensionRequest:
    """Ask for `days` more working days; staff approve or refuse it."""
    case = _visible_for_update(case_id, actor)
    permissions.check(actor, "request_extension", case)
    if case.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD):
        raise IllegalMove(_("案件当前状态为“%(status)s”，不能申请延期。") % {"status": case.get_status_display()})
    reason = clean_text(reason)
    if not reason.strip():
        raise CaseError(_("请填写延期理由。"), field="reason")
    if len(reason) > NOTE_MAX:
        raise CaseError(_("内容不能超过 %(limit)s 个字。") % {"limit": NOTE_MAX}, field="reason")
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
    """Approve (the deadline moves) or refuse a pending extension request; nobody decides their own."""
    if not permissions.allowed(actor, "decide_extension"):
        raise NotPermitted(_("只有街道工作人员可以审批延期。"))
    extension = ExtensionRequest.objects.select_for_update(no_key=True).select_related("case").get(pk=extension_id)
    if extension.status != ExtensionStatus.PENDING:
        raise IllegalMove(_("该延期申请已审批。"))
    case = _visible_for_update(extension.case_id, actor)
    was = hooks.facts(case)
    permissions.check(actor, "decide_extension", case, extension=extension)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    note = clean_text(note)[:NOTE_MAX]
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
    hooks.cases_written([(was, hooks.facts(case))])
    event = _log(
        case,
        actor=actor,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        action="decide_extension",
        note=extension.decision_note,
        changes=changes,
    )
    hooks.fire(
        hooks.EXTENSION_DECIDED,
        extension_id=extension.pk,
        case_id=case.pk,
        actor_id=actor.pk,
        approved=approve,
        event_id=event.pk,
    )
    return extension
