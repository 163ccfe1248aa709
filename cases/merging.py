"""并单 and 拆单: one matter is one work order, however many residents call about it.

- merge: a duplicate case joins its master (status 已并单, out of the working lists); its residents count as the
  master's; unmerge gives it back its earlier status.
- complainant: a caller about a matter already logged is recorded on the existing case (共同诉求人), no new case.
- split: one call with several demands becomes child cases, each with its own life; the parent waits for them.

Every write locks the cases it touches in ascending id order (two clerks merging the same pair, or a merge racing
a resolve, queue behind one another instead of deadlocking) and writes a timeline line on each case."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from cases import hooks, permissions
from cases.models import (
    DESCRIPTION_MAX,
    DONE_STATUSES,
    OPEN_STATUSES,
    SATISFIED_RESULTS,
    Case,
    Complainant,
    EventKind,
    Status,
    VisitResult,
)
from cases.services import CaseError, IllegalMove, NotPermitted, _log, case_create
from cases.validators import clean_text, mask_phone, normalise_phone, validate_phone

# What a child case takes from its parent unless its part says otherwise.
INHERITED = [
    "request_type",
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
]


class Unseen(NotPermitted):
    """The other case does not exist for this user (another neighbourhood's case): the API answers 404."""


def _desk_role(actor) -> None:
    if not (roles.is_staff_member(actor) or roles.is_committee_member(actor)):
        raise NotPermitted(_("只有街道工作人员和居委会可以处理案件。"))


def _lock(actor, *case_ids: int, along: tuple[int, ...] = ()) -> dict[int, Case]:
    """Lock the cases one by one in ascending id order, each only if `actor` may see it; the cases `along` are
    locked in the same order whoever sees them (the merged cases that follow their master)."""
    locked = {}
    for pk in sorted(set(case_ids) | set(along)):
        cases = Case.objects.all() if pk in along and pk not in case_ids else Case.objects.visible_to(actor)
        case = cases.select_for_update(no_key=True).filter(pk=pk).first()
        if case is None:
            raise Unseen(_("案件不存在，或您无权处理该案件。"), field="into")
        locked[pk] = case
    return locked


def _master_of(case_id: int) -> int:
    return Case.objects.filter(pk=case_id).values_list("merged_into_id", flat=True).first() or case_id


def refuse_if_merged(case: Case) -> None:
    """Nothing moves on a merged case: the work happens on its master."""
    if case.status == Status.MERGED:
        master = Case.objects.filter(pk=case.merged_into_id).values_list("reference", flat=True).first()
        raise IllegalMove(
            _("案件已并入 %(master)s，请在主案件 %(master)s 上办理。") % {"master": master or "—"}, field="action"
        )


def check_move(case: Case, action: str) -> None:
    """The rules of merging and splitting that a status move must keep (called by cases.services.case_transition)."""
    refuse_if_merged(case)
    if action == "resolve":
        child = case.children.filter(status__in=OPEN_STATUSES).order_by("pk").first()
        if child is not None:
            raise IllegalMove(
                _("子案件 %(child)s 尚未办结，母案件不能办结。") % {"child": child.reference}, field="action"
            )


def _bump(case: Case, **fields) -> None:
    was = hooks.facts(case)
    for name, value in fields.items():
        setattr(case, name, value)
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    hooks.cases_written([(was, hooks.facts(case))])


def _reason(note: str, action: str) -> str:
    note = (note or "").strip()
    if not note:
        raise CaseError(_("请填写%(action)s的理由。") % {"action": action}, field="note")
    return note


# --- merge ---------------------------------------------------------------------------------------


@transaction.atomic
@hooks.together()
def case_merge(*, case_id: int, into_id: int, actor, note: str) -> Case:
    """Fold case `case_id` into `into_id` (or into that case's master, if it is itself merged)."""
    permissions.check(actor, "merge")  # the matrix's row; the neighbourhood is the scoping of _lock below
    note = _reason(note, _("并单"))
    if case_id == into_id:
        raise CaseError(_("不能把案件并入它自己。"), field="into")
    for _attempt in range(3):
        master_id = _master_of(into_id)
        earlier = tuple(Case.objects.filter(merged_into_id=case_id).values_list("pk", flat=True))
        locked = _lock(actor, case_id, master_id, along=earlier)
        master = locked[master_id]
        now_earlier = set(Case.objects.filter(merged_into_id=case_id).values_list("pk", flat=True))
        if master.merged_into_id is None and now_earlier <= set(earlier):
            break
        # Between the read and the lock the master was merged elsewhere, or another case was merged into this
        # one: read again and lock what is now involved.
    else:
        raise IllegalMove(_("目标案件正在被并单，请稍后再试。"), field="into")
    case = locked[case_id]
    if master.pk == case.pk:
        raise CaseError(
            _("%(into)s 已并入本案，不能再把本案并入它（会形成循环）。") % {"into": _ref(into_id)}, field="into"
        )
    refuse_if_merged(case)
    if case.status not in OPEN_STATUSES:
        raise IllegalMove(
            _("案件当前状态为“%(status)s”，不能并单。") % {"status": case.get_status_display()}, field="action"
        )
    if master.status not in OPEN_STATUSES:
        raise IllegalMove(
            _("主案件 %(master)s 状态为“%(status)s”，不能并入。")
            % {"master": master.reference, "status": master.get_status_display()},
            field="into",
        )
    from_status = case.status
    _bump(case, status=Status.MERGED, status_before_merge=from_status, merged_into=master)
    _log(
        case,
        actor=actor,
        kind=EventKind.MERGED,
        action="merge",
        from_status=from_status,
        to_status=Status.MERGED,
        note=_("并入 %(master)s：%(note)s") % {"master": master.reference, "note": note},
    )
    # The chain stays one step long: the cases merged into this one now belong to the new master.
    for earlier in Case.objects.filter(merged_into=case).order_by("pk"):  # locked above, in id order
        _bump(earlier, merged_into=master)
        _log(
            earlier,
            actor=actor,
            kind=EventKind.MERGED,
            action="merge",
            note=_("随 %(case)s 一并并入 %(master)s") % {"case": case.reference, "master": master.reference},
        )
    _bump(master)
    _log(
        master,
        actor=actor,
        kind=EventKind.MERGED,
        action="merge",
        note=_("%(case)s 并入本案：%(note)s") % {"case": case.reference, "note": note},
    )
    return case


def _ref(case_id: int) -> str:
    return Case.objects.filter(pk=case_id).values_list("reference", flat=True).first() or str(case_id)


@transaction.atomic
@hooks.together()
def case_unmerge(*, case_id: int, actor, note: str) -> Case:
    """Give a merged case back its own life, in the status it had before the merge (street-office staff)."""
    if not roles.is_staff_member(actor):
        raise NotPermitted(_("只有街道工作人员可以撤销并单。"))
    note = _reason(note, _("撤销并单"))
    master_id = _master_of(case_id)
    locked = _lock(actor, case_id, master_id)
    case = locked[case_id]
    if case.status != Status.MERGED or case.merged_into_id is None:
        raise IllegalMove(_("该案件没有并单，无需撤销。"), field="action")
    master = locked.get(case.merged_into_id) or _lock(actor, case.merged_into_id)[case.merged_into_id]
    restored = case.status_before_merge or Status.NEW
    _bump(case, status=restored, status_before_merge="", merged_into=None)
    _log(
        case,
        actor=actor,
        kind=EventKind.UNMERGED,
        action="unmerge",
        from_status=Status.MERGED,
        to_status=restored,
        note=_("撤销并入 %(master)s：%(note)s") % {"master": master.reference, "note": note},
    )
    _recount(master)  # the case's resident, if visited, no longer counts with the master
    _log(
        master,
        actor=actor,
        kind=EventKind.UNMERGED,
        action="unmerge",
        note=_("%(case)s 撤销并单：%(note)s") % {"case": case.reference, "note": note},
    )
    return case


# --- co-complainants -----------------------------------------------------------------------------


@transaction.atomic
def complainant_add(
    *,
    case_id: int,
    actor,
    name: str = "",
    phone: str = "",
    channel=None,
    received_at: datetime | None = None,
    description: str = "",
    confidential: bool = False,
) -> Complainant:
    """Record another resident with the same matter on the existing case (no new work order)."""
    _desk_role(actor)
    case = _lock(actor, case_id)[case_id]
    refuse_if_merged(case)
    name, phone = clean_text(name or "").strip(), normalise_phone(phone)
    description = clean_text(description or "").strip()
    if not (name or phone):
        raise CaseError(_("请填写诉求人姓名或电话。"), field="reporter_name")
    if len(description) > DESCRIPTION_MAX or len(name) > 50:
        raise CaseError(_("内容不能超过 %(limit)s 个字。") % {"limit": DESCRIPTION_MAX}, field="description")
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise CaseError(error.messages[0], field="reporter_phone") from None
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise CaseError(_("受理时间不能晚于现在。"), field="received_at")
    complainant = Complainant.objects.create(
        case=case,
        name=name,
        phone=phone,
        confidential=bool(confidential),
        channel=channel,
        received_at=received_at,
        description=description,
        added_by=actor,
    )
    _bump(case)
    who = _("（保密）") if confidential else " ".join(part for part in (name, mask_phone(phone)) if part)
    line = _("新增共同诉求人 %(who)s") % {"who": who}
    _log(
        case,
        actor=actor,
        kind=EventKind.COMPLAINANT,
        action="complainant",
        note=f"{line}：{description}" if description else line,
    )
    return complainant


@transaction.atomic
@hooks.together()
def resident_visit(
    *,
    case_id: int,
    actor,
    visit_result: str,
    complainant_id: int | None = None,
    merged_case_id: int | None = None,
    note: str = "",
) -> Case:
    """Record one more resident's answer to the return visit of a resolved matter: a co-complainant's, or the
    resident's of a case merged into it. 满意率 counts every resident visited."""
    _desk_role(actor)
    if visit_result not in VisitResult.values:
        raise CaseError(_("请选择回访结果。"), field="visit_result")
    ids = [case_id] + ([merged_case_id] if merged_case_id else [])
    locked = _lock(actor, *ids)
    case = locked[case_id]
    refuse_if_merged(case)
    if case.status not in DONE_STATUSES:
        raise IllegalMove(_("案件办结后才能回访诉求人。"), field="action")
    # Like the case's own visit (cases.visits): never by its handlers while visits must be independent, so that
    # every resident counted in 满意率 was asked by someone else.
    permissions.check(actor, "visit", case)
    label, now = VisitResult(visit_result).label, timezone.now()
    if complainant_id:
        resident = Complainant.objects.select_for_update(no_key=True).filter(pk=complainant_id, case=case).first()
        if resident is None:
            raise CaseError(_("该诉求人不属于本案件。"), field="complainant")
        resident.visit_result, resident.visited_at = visit_result, now
        resident.save(update_fields=["visit_result", "visited_at"])
        who = _("（保密）") if resident.confidential else resident.name or mask_phone(resident.phone)
    elif merged_case_id:
        merged = locked[merged_case_id]
        if merged.merged_into_id != case.pk:
            raise CaseError(_("该案件没有并入本案。"), field="merged_case")
        _bump(merged, visit_result=visit_result, closed_at=now if visit_result in SATISFIED_RESULTS else None)
        _log(
            merged,
            actor=actor,
            kind=EventKind.VISIT,
            action="resident_visit",
            note=_("主案件回访：%(r)s") % {"r": label},
        )
        who = merged.reference
    else:
        raise CaseError(_("请选择要回访的诉求人。"), field="complainant")
    _recount(case)
    line = _("回访诉求人 %(who)s：%(result)s") % {"who": who, "result": label}
    _log(case, actor=actor, kind=EventKind.VISIT, action="resident_visit", note=f"{line} {note.strip()}".strip())
    return case


def _recount(master: Case) -> None:
    """Count again the master's other residents visited and satisfied (its co-complainants, its merged cases')."""
    answers = [
        *Complainant.objects.filter(case=master).exclude(visit_result="").values_list("visit_result", flat=True),
        *master.merged_cases.exclude(visit_result="").values_list("visit_result", flat=True),
    ]
    _bump(
        master,
        residents_visited=len(answers),
        residents_satisfied=sum(1 for answer in answers if answer in SATISFIED_RESULTS),
    )


# --- split ---------------------------------------------------------------------------------------


@transaction.atomic
@hooks.together()
def case_split(*, case_id: int, actor, parts: list[dict], note: str = "") -> list[Case]:
    """Make one child case per demand of `parts` (each a dict of case fields; the rest comes from the parent)."""
    _desk_role(actor)
    parent = _lock(actor, case_id)[case_id]
    refuse_if_merged(parent)
    if parent.status not in OPEN_STATUSES:
        raise IllegalMove(
            _("案件当前状态为“%(status)s”，不能拆单。") % {"status": parent.get_status_display()}, field="action"
        )
    if not parts:
        raise CaseError(_("请至少填写一项拆出的诉求。"), field="parts")
    inherited = {name: getattr(parent, name) for name in INHERITED}
    children = []
    for part in parts:
        child = case_create(actor=actor, data={**inherited, **part})
        _bump(child, parent=parent)
        _log(
            child,
            actor=actor,
            kind=EventKind.SPLIT,
            action="split",
            note=_("由 %(parent)s 拆出") % {"parent": parent.reference},
        )
        children.append(child)
    _bump(parent)
    line = _("拆分为 %(children)s") % {"children": "、".join(child.reference for child in children)}
    _log(
        parent,
        actor=actor,
        kind=EventKind.SPLIT,
        action="split",
        note=f"{line}：{note.strip()}" if note.strip() else line,
    )
    return children


# --- reads ---------------------------------------------------------------------------------------


def can_see_complainant(user, complainant: Complainant) -> bool:
    """The case's rule: a confidential resident is shown to street-office staff only."""
    return not complainant.confidential or roles.is_staff_member(user)


def merged_ids(case: Case) -> list[int]:
    return list(case.merged_cases.order_by("pk").values_list("pk", flat=True))


def residents_count(case: Case) -> int:
    """The residents of a matter: its own, every merged case's, and every co-complainant of them."""
    ids = [case.pk, *merged_ids(case)]
    return len(ids) + Complainant.objects.filter(case_id__in=ids).count()


def merge_summary(user, case: Case) -> dict:
    """What the case page shows of merging, splitting and co-complainants."""
    master = case.merged_into if case.merged_into_id else None
    # The cases merged into it and those split from it, in one query.
    related = list(Case.objects.filter(Q(merged_into=case) | Q(parent=case)).order_by("pk"))
    merged = [other for other in related if other.merged_into_id == case.pk]
    children = [other for other in related if other.parent_id == case.pk]
    complainants = list(
        Complainant.objects.filter(case_id__in=[case.pk, *[m.pk for m in merged]]).select_related("channel", "case")
    )
    return {
        "master": master,
        "merged": merged,
        "complainants": [(c, can_see_complainant(user, c)) for c in complainants],
        "residents": 1 + len(merged) + len(complainants),
        "children": children,
        "parent": case.parent if case.parent_id else None,
        "can_merge": case.status in OPEN_STATUSES and _is_desk(user),
        "can_unmerge": case.status == Status.MERGED and roles.is_staff_member(user),
        "can_split": case.status in OPEN_STATUSES and _is_desk(user),
        "can_visit": case.status in DONE_STATUSES and _is_desk(user),
    }


def _is_desk(user) -> bool:
    return roles.is_staff_member(user) or roles.is_committee_member(user)


def resident_cases(user, case: Case, limit: int = 20) -> QuerySet[Case] | list:
    """The resident's other cases (一人多诉), matched by phone; only for users who may see the phone."""
    if not case.reporter_phone or case.reporter_confidential and not roles.is_staff_member(user):
        return []
    phone = case.reporter_phone
    # The co-complainants' cases as a list of ids, not a subquery: `phone = … OR id IN (ids)` is two index
    # scans, while an OR with a subquery made PostgreSQL read every case (76 ms at 100,000 cases).
    joined = Complainant.objects.filter(phone=phone).order_by("-received_at").values_list("case_id", flat=True)
    joined = list(joined[: limit * 10])  # the newest: a number that called hundreds of times shows its latest
    others = Case.objects.visible_to(user).filter(Q(reporter_phone=phone) | Q(pk__in=joined))
    if not roles.is_staff_member(user):
        others = others.exclude(reporter_confidential=True)
    return others.exclude(pk=case.pk).order_by("-received_at")[:limit]
