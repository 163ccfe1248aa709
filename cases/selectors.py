"""Reads of cases that cross relations or permissions. Every page fetches through these."""

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts import roles
from cases.models import Case, CaseEvent, ExtensionRequest, ExtensionStatus, PersonalDataAccess, Status
from places.models import Building, Estate, Neighbourhood

# What a row shows (list, export, API). Joined in the row query: the category and the places and people;
# the small vocabularies come in one extra query each. Joining all twelve made PostgreSQL spend 150 ms
# planning a 1 ms query (its genetic optimiser starts at 12 relations).
LIST_RELATED = ["category__parent", "neighbourhood", "estate", "building", "assignee"]
LIST_PREFETCH = ["team", "lead_department", "request_type", "channel", "method"]
# LIST_RELATED as select_related stores it: {"category": {"parent": {}}, "neighbourhood": {}, …}.
LIST_RELATED_TREE = Case.objects.select_related(*LIST_RELATED).query.select_related
EXPORT_PREFETCH = LIST_PREFETCH


def cases_for(user) -> QuerySet[Case]:
    """The cases `user` may see, with what a list row needs (no query per row)."""
    return Case.objects.visible_to(user).select_related(*LIST_RELATED).prefetch_related(*LIST_PREFETCH)


def case_for(user, pk: int, *, request) -> Case:
    """One case `user` may see, or 404 (another neighbourhood's case does not exist for a committee).

    Its places, category, assignee and the small vocabularies (team, channel…) come from the dropdowns' cache
    instead of joins and a query each (cases/vocabularies.py): on PostgreSQL the case is read alone."""
    from cases import vocabularies

    queryset = Case.objects.visible_to(user).prefetch_related("assisting_departments")
    case = get_object_or_404(vocabularies.join_unless_served(request, queryset, LIST_RELATED_TREE), pk=pk)
    vocabularies.attach_related(request, [case], LIST_RELATED_TREE)
    vocabularies.attach(request, [case], LIST_PREFETCH)
    return case


def extension_for(user, pk: int) -> ExtensionRequest:
    """One extension request on a case `user` may see, or 404."""
    return get_object_or_404(ExtensionRequest.objects.filter(case__in=Case.objects.visible_to(user)), pk=pk)


def case_timeline(case: Case, *, request) -> list[CaseEvent]:
    """Every line of the case's timeline, newest first, its people from the dropdowns' cache (cases/vocabularies.py)."""
    from cases import vocabularies

    events = list(case.events.order_by("-created_at", "-id"))
    vocabularies.attach(request, events, ["actor"])
    return events


def case_extensions(case: Case) -> QuerySet[ExtensionRequest]:
    return case.extensions.select_related("requested_by", "decided_by").order_by("-requested_at")


def pending_extension(extensions: list[ExtensionRequest]) -> ExtensionRequest | None:
    """The request awaiting a decision among a case's `extensions` (a constraint allows one at most)."""
    return next((extension for extension in extensions if extension.status == ExtensionStatus.PENDING), None)


def can_see_reporter(user, case: Case) -> bool:
    """A confidential resident is shown to street-office staff only, and to the 回访员 who must call them."""
    return not case.reporter_confidential or roles.is_staff_member(user) or roles.is_visitor(user)


def record_phone_reveal(user, case: Case) -> PersonalDataAccess:
    """Log that `user` looked at the resident's phone number of `case`."""
    return PersonalDataAccess.objects.create(user=user, case=case, field="reporter_phone")


def as_id(value) -> int | None:
    """A primary key from a request value, or None for anything that is not one (no 500 on garbage)."""
    value = getattr(value, "pk", value)
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


def neighbourhoods_for(user) -> QuerySet[Neighbourhood]:
    hood = roles.committee_neighbourhood_id(user)
    if roles.is_staff_member(user):
        return Neighbourhood.objects.all()
    return Neighbourhood.objects.filter(pk=hood) if hood else Neighbourhood.objects.none()


def place_scope(user) -> tuple:
    """What neighbourhoods_for(user) depends on, as a cache key (see cases/vocabularies.py)."""
    if roles.is_staff_member(user):
        return ("all",)
    hood = roles.committee_neighbourhood_id(user)
    return ("neighbourhood", hood) if hood else ("none",)


def estates_for(user, neighbourhood_id=None) -> QuerySet[Estate]:
    estates = Estate.objects.filter(neighbourhood__in=neighbourhoods_for(user))
    if neighbourhood_id is None:
        return estates
    hood = as_id(neighbourhood_id)
    return estates.filter(neighbourhood_id=hood) if hood else estates.none()


def buildings_for(user, estate_id=None) -> QuerySet[Building]:
    buildings = Building.objects.filter(estate__in=estates_for(user)).select_related("estate")
    if estate_id is None:
        return buildings
    estate = as_id(estate_id)
    return buildings.filter(estate_id=estate) if estate else buildings.none()


def estate_for(user, pk: int) -> Estate:
    return get_object_or_404(estates_for(user).select_related("neighbourhood"), pk=pk)


def building_for(user, pk: int) -> Building:
    return get_object_or_404(buildings_for(user).select_related("estate__neighbourhood"), pk=pk)


def case_workers() -> QuerySet:
    """People a case can be assigned to: active people with the staff or committee role. Never the admin nor a
    service account (a user that cannot sign in with a password: it acts through its API token only)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False, groups__name__in=[roles.STAFF, roles.COMMITTEE])
        .exclude(password__startswith="!")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def visit_queue(user) -> QuerySet[Case]:
    """Resolved cases waiting for their return visit that `user` may see, the earliest visit deadline first."""
    return (
        cases_for(user)
        .filter(status=Status.RESOLVED)
        .select_related("resolved_by", "team")
        .order_by(F("visit_due").asc(nulls_last=True), "resolved_at", "id")
    )


def my_work(user, limit: int = 10) -> dict:
    """The home page of one person: their open cases, overdue ones, and cases waiting for them."""
    visible = cases_for(user)
    now = timezone.now()
    mine = visible.open().filter(Q(assignee=user) | Q(team__members=user)).distinct()
    to_accept = visible.filter(status=Status.DISPATCHED, assignee=user)
    waiting = {"to_accept": to_accept}
    if roles.is_staff_member(user):
        waiting["to_dispatch"] = visible.filter(status=Status.NEW)
        waiting["to_visit"] = visible.filter(status=Status.RESOLVED)
    elif roles.is_committee_member(user):
        waiting["to_visit"] = visible.filter(status=Status.RESOLVED)
    extensions = ExtensionRequest.objects.none()
    if roles.is_staff_member(user):
        extensions = (
            ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
            .select_related("case", "requested_by")
            .order_by("requested_at")
        )
    overdue_all = visible.overdue(now)
    # A committee watches its whole neighbourhood; a staff member their own and their teams' cases.
    overdue = overdue_all if roles.is_committee_member(user) else mine.overdue(now)
    return {
        # The overdue ones have their own list just below: here the others, so the two lists never repeat a row.
        "mine": mine.not_overdue(now).order_by("due_at", "-id")[:limit],
        "mine_count": mine.count(),
        "overdue": overdue.order_by("due_at")[:limit],
        "overdue_count": overdue_all.count(),
        "waiting": {key: (qs.order_by("received_at")[:limit], qs.count()) for key, qs in waiting.items()},
        "extensions": extensions[:limit],
    }
