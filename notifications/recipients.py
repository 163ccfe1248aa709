"""Who is told: the people of a case (assignee, team, unit), its dispatcher, and the supervising role."""

from django.conf import settings
from django.contrib.auth import get_user_model

from cases.models import Case, CaseEvent, Team
from notifications.models import UnitContact


def team_people(team_id: int | None) -> set[int]:
    if not team_id:
        return set()
    leader = Team.objects.filter(pk=team_id).values_list("leader_id", flat=True).first()
    members = set(Team.members.through.objects.filter(team_id=team_id).values_list("user_id", flat=True))
    return members | ({leader} if leader else set())


def unit_people(department_ids) -> set[int]:
    ids = [pk for pk in department_ids if pk]
    if not ids:
        return set()
    return set(UnitContact.objects.filter(department_id__in=ids).values_list("user_id", flat=True))


def dispatched_to(case: Case) -> set[int]:
    """You, your team, your unit: the assignee, the team's leader and members, the lead and assisting units'
    contacts."""
    units = [case.lead_department_id, *case.assisting_departments.values_list("pk", flat=True)]
    return ({case.assignee_id} - {None}) | team_people(case.team_id) | unit_people(units)


def handlers(case: Case) -> set[int]:
    """The people a case is with: its assignee, else its team, else its lead unit's contacts, else who logged it."""
    if case.assignee_id:
        return {case.assignee_id}
    people = team_people(case.team_id) or unit_people([case.lead_department_id])
    return people or ({case.created_by_id} - {None})


def dispatcher(event: CaseEvent) -> set[int]:
    """Who dispatched the case before this event."""
    earlier = (
        CaseEvent.objects.filter(case_id=event.case_id, action="dispatch", id__lt=event.pk)
        .order_by("-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return {earlier} if earlier else set()


def supervisors() -> set[int]:
    """Members of the supervising role (settings.CASE_ESCALATE_GROUP)."""
    users = get_user_model().objects.filter(groups__name=settings.CASE_ESCALATE_GROUP, is_active=True)
    return set(users.values_list("pk", flat=True))


def escalation_people(case_team_id: int | None) -> set[int]:
    """The team's leader and the supervising role."""
    leader = Team.objects.filter(pk=case_team_id).values_list("leader_id", flat=True).first() if case_team_id else None
    return ({leader} - {None}) | supervisors()


def committee_of(neighbourhood_id: int | None) -> set[int]:
    """The committee members of a neighbourhood."""
    if not neighbourhood_id:
        return set()
    users = get_user_model().objects.filter(
        profile__neighbourhood_id=neighbourhood_id, groups__name=settings.ROLE_COMMITTEE, is_active=True
    )
    return set(users.values_list("pk", flat=True))
