"""Reads of places with their cases, scoped to what the user may see."""

from django.db.models import QuerySet

from cases import selectors as case_selectors
from cases.models import Case
from places.models import Building, Estate


def estate_for(user, pk: int) -> Estate:
    """An estate of a neighbourhood the user may see, or 404."""
    return case_selectors.estate_for(user, pk)


def building_for(user, pk: int) -> Building:
    """A building of an estate the user may see, or 404."""
    return case_selectors.building_for(user, pk)


def estate_cases(user, estate: Estate) -> QuerySet[Case]:
    return case_selectors.cases_for(user).filter(estate=estate).order_by("-received_at", "-id")


def building_cases(user, building: Building) -> QuerySet[Case]:
    return case_selectors.cases_for(user).filter(building=building).order_by("-received_at", "-id")
