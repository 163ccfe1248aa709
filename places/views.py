"""Estate and building pages: their facts and the cases logged there."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from places import selectors

PAGE_SIZE = 25


@require_GET
def estate_detail(request, pk):
    estate = selectors.estate_for(request.user, pk)
    cases = selectors.estate_cases(request.user, estate)
    context = {
        "estate": estate,
        "buildings": estate.buildings.all(),
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "open_count": cases.open().count(),
        "overdue_count": cases.overdue().count(),
    }
    return render(request, "places/estate_detail.html", context)


@require_GET
def building_detail(request, pk):
    building = selectors.building_for(request.user, pk)
    cases = selectors.building_cases(request.user, building)
    context = {
        "building": building,
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "open_count": cases.open().count(),
    }
    return render(request, "places/building_detail.html", context)
