"""Who may do what to a case: the one written permission matrix (role × action × condition).

`cases.services` and `cases.visits` call `check()` before every write; the pages and the API only ask
`allowed()` to decide which buttons to show. The README's table is `markdown_table()` (a test keeps them equal).

Seeing a case comes first and is not repeated here: `Case.objects.visible_to(user)` gives a committee member
their own neighbourhood's cases only, a 回访员 the cases waiting for a visit and those they visited; another
case does not exist for them (404).

Decided (issue 15): a committee member works on the cases the street office gave to the committee — assigned
to them, to a colleague of their committee, or to nobody in particular (no person, and no working team they
are not part of). A case assigned to a street-office staff member, or to a working team the member is not in,
is the street office's work: the committee may follow it (read, remind, add a note, make the return visit if
they did not handle it) but not accept, return, start, hold, resume, resolve it or ask for its extension.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles

# --- roles ---------------------------------------------------------------------------------------

STAFF, COMMITTEE, VISITOR, METHOD_ADMIN = "staff", "committee", "visitor", "method_admin"
ROLES = {
    STAFF: gettext_lazy("街道工作人员"),
    COMMITTEE: gettext_lazy("居委会"),
    VISITOR: gettext_lazy("回访员"),
    METHOD_ADMIN: gettext_lazy("工作法管理员"),
}


def roles_of(user) -> list[str]:
    """The matrix's roles a user holds (a superuser counts as staff; 回访员 combines with staff)."""
    held = []
    if roles.is_staff_member(user):
        held.append(STAFF)
    if roles.is_committee_member(user):
        held.append(COMMITTEE)
    if roles.is_visitor(user):
        held.append(VISITOR)
    if roles.is_method_admin(user) and not user.is_superuser:
        held.append(METHOD_ADMIN)
    return held


# --- conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    refusal: str  # said to the person refused (a msgid: translated when said)
    holds: Callable  # (user, case, extension) -> bool


def _committee_work(user, case, extension) -> bool:
    """The case is in the committee's hands: assigned to this member, to a committee colleague, or to nobody
    (and not to a working team the member is not in). Without a case (which pages to offer): yes."""
    if case is None:
        return True
    assignee = case.assignee
    if assignee is not None:
        if assignee.pk == user.pk:
            return True
        colleague = roles.committee_neighbourhood_id(assignee) == case.neighbourhood_id
        return colleague and not roles.is_staff_member(assignee)
    if case.team_id is not None:
        return case.team.members.filter(pk=user.pk).exists()
    return True


def handlers(case) -> set[int]:
    """The people who handled the case: whoever resolved it and its assignee."""
    return {case.resolved_by_id, case.assignee_id} - {None}


def _not_own_case(user, case, extension) -> bool:
    return case is None or not settings.CASE_INDEPENDENT_VISIT or user.pk not in handlers(case)


def _not_own_request(user, case, extension) -> bool:
    return extension is None or extension.requested_by_id != user.pk


def _resident_shown(user, case, extension) -> bool:
    return case is None or not case.reporter_confidential or roles.is_staff_member(user) or roles.is_visitor(user)


def _granted_export(user, case, extension) -> bool:
    return user.has_perm("cases.export_personal_data")


COMMITTEE_WORK = Condition(
    "committee_work",
    gettext_lazy("居委会承办的案件"),
    gettext_lazy("该案件由街道工作人员或工作专班承办，居委会不能%(action)s。"),
    _committee_work,
)
NOT_OWN_CASE = Condition(
    "not_own_case",
    gettext_lazy("非本人办结或承办（独立回访）"),
    gettext_lazy("回访须独立进行：办结人和责任人不能回访自己办理的案件，请由其他工作人员或回访员回访。"),
    _not_own_case,
)
NOT_OWN_REQUEST = Condition(
    "not_own_request",
    gettext_lazy("非本人提出的申请"),
    gettext_lazy("不能审批自己提出的延期申请，请由其他街道工作人员审批。"),
    _not_own_request,
)
RESIDENT_SHOWN = Condition(
    "resident_shown",
    gettext_lazy("诉求人未设保密"),
    gettext_lazy("该诉求人信息保密。"),
    _resident_shown,
)
GRANTED_EXPORT = Condition(
    "granted_export",
    gettext_lazy("已单独授予导出权限"),
    gettext_lazy("您没有导出个人信息的权限，导出文件中的电话已隐去中间四位。"),
    _granted_export,
)
CONDITIONS = [COMMITTEE_WORK, NOT_OWN_CASE, NOT_OWN_REQUEST, RESIDENT_SHOWN, GRANTED_EXPORT]

# --- the matrix ----------------------------------------------------------------------------------

ACTIONS = {
    "log": gettext_lazy("登记"),
    "edit": gettext_lazy("修改"),
    "dispatch": gettext_lazy("派单"),
    "accept": gettext_lazy("签收"),
    "return": gettext_lazy("退单"),
    "start": gettext_lazy("开始办理"),
    "hold": gettext_lazy("挂起"),
    "resume": gettext_lazy("恢复办理"),
    "resolve": gettext_lazy("办结"),
    "visit": gettext_lazy("回访"),
    "request_extension": gettext_lazy("申请延期"),
    "decide_extension": gettext_lazy("审批延期"),
    "remind": gettext_lazy("催办"),
    "supervise": gettext_lazy("督办"),
    "note": gettext_lazy("备注"),
    "merge": gettext_lazy("合并案件"),
    "reveal_phone": gettext_lazy("查看完整电话"),
    "export_personal_data": gettext_lazy("导出个人信息"),
}
ANY = ()  # allowed on every case the role sees, with no further condition
HANDLING = ("accept", "return", "start", "hold", "resume", "resolve", "request_extension")

# action -> role -> the conditions that must all hold; a role missing from an action's row may not do it.
MATRIX: dict[str, dict[str, tuple[Condition, ...]]] = {
    "log": {STAFF: ANY, COMMITTEE: ANY},
    "edit": {STAFF: ANY, COMMITTEE: ANY},
    "dispatch": {STAFF: ANY},
    **{action: {STAFF: ANY, COMMITTEE: (COMMITTEE_WORK,)} for action in HANDLING},
    "visit": {STAFF: (NOT_OWN_CASE,), COMMITTEE: (NOT_OWN_CASE,), VISITOR: (NOT_OWN_CASE,)},
    "decide_extension": {STAFF: (NOT_OWN_REQUEST,)},
    "remind": {STAFF: ANY, COMMITTEE: ANY},
    "supervise": {STAFF: ANY},
    "note": {STAFF: ANY, COMMITTEE: ANY},
    "merge": {STAFF: ANY, COMMITTEE: ANY},  # a committee member within their own neighbourhood (what they see)
    "reveal_phone": {STAFF: ANY, COMMITTEE: (RESIDENT_SHOWN,), VISITOR: ANY},
    "export_personal_data": {STAFF: (GRANTED_EXPORT,), COMMITTEE: (GRANTED_EXPORT,)},
}
# Reordered as HANDLING was spliced in: the table reads in the order of a case's life.
MATRIX = {action: MATRIX[action] for action in ACTIONS}


def cell(role: str, action: str) -> tuple[Condition, ...] | None:
    """The conditions of one cell; None when the role may not do the action at all."""
    return MATRIX[action].get(role)


def refusal(user, action: str, case=None, *, extension=None) -> str | None:
    """None when `user` may do `action` (to `case`); otherwise what to tell them."""
    failed = None
    for role in roles_of(user):
        conditions = cell(role, action)
        if conditions is None:
            continue
        missing = next((c for c in conditions if not c.holds(user, case, extension)), None)
        if missing is None:
            return None
        failed = failed or missing
    if failed is not None:
        return str(failed.refusal) % {"action": ACTIONS[action]}
    may = "、".join(str(ROLES[role]) for role in ROLES if role in MATRIX[action])
    return _("只有%(roles)s可以%(action)s。") % {"roles": may, "action": ACTIONS[action]}


def allowed(user, action: str, case=None, *, extension=None) -> bool:
    return refusal(user, action, case, extension=extension) is None


def check(user, action: str, case=None, *, extension=None) -> None:
    """Raise NotPermitted (cases.services) with the reason when `user` may not do `action`."""
    reason = refusal(user, action, case, extension=extension)
    if reason is not None:
        from cases.services import NotPermitted

        raise NotPermitted(reason)


def markdown_table() -> str:
    """The matrix as the README shows it: one row per action, one column per role."""
    header = "| 操作 action | " + " | ".join(f"{label} ({key})" for key, label in ROLES.items()) + " |"
    lines = [header, "|---" * (len(ROLES) + 1) + "|"]
    for action, label in ACTIONS.items():
        row = []
        for role in ROLES:
            conditions = cell(role, action)
            if conditions is None:
                row.append("—")
            elif not conditions:
                row.append("✓")
            else:
                row.append("✓ " + "；".join(str(c.label) for c in conditions))
        lines.append(f"| {label} `{action}` | " + " | ".join(row) + " |")
    return "\n".join(lines)


def moves_for(user, case) -> list[str]:
    """The moves of the workflow table that `user` may make on `case` now, in table order."""
    from cases.workflow import moves_from

    return [name for name in moves_from(case.status, is_staff=True) if allowed(user, name, case)]
