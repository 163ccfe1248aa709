"""The return visit (回访): one service records every attempt, by phone, in person or online.

A visit is made by someone other than the case's handlers (whoever resolved it and its assignee) unless the
setting CASE_INDEPENDENT_VISIT is off; only independent visits count in 满意率 (dashboards/figures.py). After
CASE_VISIT_ATTEMPTS attempts that did not reach the resident the case closes as 无法联系, which is no answer
and counts in no rate. 不满意 needs a reason and sends the case back to 办理中 for rework by its assignee.

Other features call `case_visit` rather than writing visits themselves (co-complainants of merged cases, the
residents' online visit through a single-use link with channel="online" and actor=None).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.names import display_name
from cases import hooks, permissions
from cases.deadlines import add_working_days
from cases.models import (
    ANSWERED_RESULTS,
    SATISFIED_RESULTS,
    Case,
    CaseVisit,
    EventKind,
    Status,
    VisitChannel,
    VisitReason,
    VisitResult,
)


@dataclass(frozen=True)
class VisitOutcome:
    case: Case
    visit: CaseVisit

    def message(self) -> str:
        """What to tell the person who recorded the visit: where the case went, and to whom."""
        visit, case = self.visit, self.case
        if not visit.reached:
            if case.status == Status.CLOSED:
                return _("已%(n)s次未接通，案件按“无法联系”结案（不计入满意率）。") % {"n": self.attempts}
            return _("已记录未接通（第 %(n)s 次，共 %(max)s 次）。") % {
                "n": self.attempts,
                "max": settings.CASE_VISIT_ATTEMPTS,
            }
        if visit.result == VisitResult.UNSATISFIED:
            who = display_name(case.assignee) if case.assignee_id else (case.team.name if case.team_id else "")
            if who:
                return _("回访不满意：案件已退回“办理中”重新办理，由 %(who)s 负责。") % {"who": who}
            return _("回访不满意：案件已退回“办理中”重新办理（尚未指定责任人，请派单）。")
        return _("已回访（%(result)s），案件已结案。") % {"result": visit.get_result_display()}

    @property
    def attempts(self) -> int:
        return failed_attempts(self.case)


def failed_attempts(case: Case) -> int:
    """Unanswered calls since the case was last resolved."""
    visits = case.visits.filter(reached=False)
    if case.resolved_at:
        visits = visits.filter(at__gte=case.resolved_at)
    return visits.count()


def visit_due(resolved_at: datetime) -> datetime:
    """When the return visit is due: CASE_VISIT_DAYS working days after the resolution."""
    return add_working_days(resolved_at, settings.CASE_VISIT_DAYS)


def _channel(value: str) -> str:
    """A channel's value, also from its label (线上 → online)."""
    by_label = {str(label): value for value, label in VisitChannel.choices}
    value = by_label.get(value, value) or VisitChannel.PHONE
    if value not in VisitChannel.values:
        from cases.services import CaseError

        raise CaseError(_("未知的回访方式。"), field="channel")
    return value


@transaction.atomic
def case_visit(
    *,
    case_id: int,
    actor,
    reached: bool = True,
    result: str = "",
    reason: str = "",
    note: str = "",
    channel: str = VisitChannel.PHONE,
    at: datetime | None = None,
) -> VisitOutcome:
    """Record one return-visit attempt on a resolved case and move the case accordingly.

    `actor` None is the resident answering online (channel "online"); anyone else is checked against the
    permission matrix, which refuses the case's own handlers while visits must be independent."""
    from cases.merging import check_move
    from cases.services import CaseError, IllegalMove, NotPermitted, _log, _visible_for_update

    channel = _channel(channel)
    if actor is None:
        if channel != VisitChannel.ONLINE:
            raise NotPermitted(_("只有线上回访可以由居民本人填写。"))
        case = Case.objects.select_for_update(no_key=True).get(pk=case_id)
        check_move(case, "visit")  # a merged case's visit is its master's: the refusal names it
    else:
        case = _visible_for_update(case_id, actor)
        check_move(case, "visit")
        permissions.check(actor, "visit", case)
    was = hooks.facts(case)
    if case.status != Status.RESOLVED:
        status = case.get_status_display()
        raise IllegalMove(_("案件当前状态为“%(status)s”，不能%(action)s。") % {"status": status, "action": _("回访")})
    note = note.strip()
    if reached:
        if result not in ANSWERED_RESULTS:
            raise CaseError(_("请选择回访结果。"), field="visit_result")
        if result == VisitResult.UNSATISFIED:
            if reason not in VisitReason.values:
                raise CaseError(_("回访不满意时请选择不满意原因。"), field="visit_reason")
            if reason == VisitReason.OTHER and not note:
                raise CaseError(_("不满意原因为“其他”时请写明具体原因。"), field="note")
        else:
            reason = ""
    else:
        result, reason = "", ""

    now = at or timezone.now()
    independent = actor is None or actor.pk not in permissions.handlers(case)
    visit = CaseVisit.objects.create(
        case=case,
        visitor=actor,
        at=now,
        channel=channel,
        reached=reached,
        result=result,
        reason=reason,
        note=note,
        independent=independent,
    )
    from_status = case.status
    if not reached:
        attempts = failed_attempts(case)
        text = _("未接通（第 %(n)s 次）") % {"n": attempts}
        if attempts >= settings.CASE_VISIT_ATTEMPTS:
            case.status, case.visit_result, case.closed_at = Status.CLOSED, VisitResult.UNREACHABLE, now
            case.visit_independent, case.visit_reason = independent, ""
            text += _("，按“无法联系”结案")
    else:
        case.visit_result, case.visit_reason, case.visit_independent = result, reason, independent
        text = VisitResult(result).label
        if reason:
            text += _("（原因：%(reason)s）") % {"reason": VisitReason(reason).label}
        if result in SATISFIED_RESULTS:
            case.status, case.closed_at = Status.CLOSED, now
        else:
            case.status, case.resolved_at, case.resolved_by, case.visit_due = Status.IN_PROGRESS, None, None, None
            case.rework_count += 1
    if channel != VisitChannel.PHONE:
        text = f"[{VisitChannel(channel).label}] {text}"
    if not independent:
        text += _("（办理人本人回访，不计入满意率）")
    case.version += 1
    case.save()
    hooks.cases_written([(was, hooks.facts(case))])
    to_status = case.status if case.status != from_status else ""
    _log(
        case,
        actor=actor,
        kind=EventKind.VISIT,
        action="visit",
        note=text + (f"：{note}" if note else ""),
        from_status=from_status if to_status else "",
        to_status=to_status,
        at=now,
    )
    return VisitOutcome(case=case, visit=visit)
