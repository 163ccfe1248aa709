"""Print pages: a case's work order and return-visit sheet, and the filtered list as one work order a page."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import printing, selectors
from cases.filters import CaseFilter


@require_GET
def work_order(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    return render(request, "cases/print_work_order.html", {"sheets": [printing.sheet(request, case)]})


@require_GET
def visit_sheet(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    return render(request, "cases/print_visit_sheet.html", {"sheet": printing.sheet(request, case)})


@require_GET
def batch(request):
    """The case list's filters (same GET names, same scoping) → one work order per printed page."""
    cases = printing.with_key_steps(
        CaseFilter(request.GET, request=request).qs.prefetch_related("assisting_departments")
    )
    total = cases.count()
    sheets = [printing.sheet(request, case) for case in cases[: printing.BATCH_LIMIT]]
    context = {"sheets": sheets, "total": total, "limit": printing.BATCH_LIMIT, "batch": True}
    return render(request, "cases/print_work_order.html", context)
