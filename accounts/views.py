from django.db.models import Count, Q
from django.shortcuts import render

from accounts import roles
from cases.models import OPEN_STATUSES
from cases.selectors import my_work, neighbourhoods_for


def home(request):
    """My work: my open cases, overdue ones, and what waits for me (to accept, dispatch, visit, approve)."""
    user = request.user
    neighbourhoods = neighbourhoods_for(user).annotate(
        open_count=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES))
    )
    context = {
        "work": my_work(user),
        "neighbourhoods": neighbourhoods,
        "can_work_cases": roles.is_staff_member(user) or roles.is_committee_member(user),
    }
    return render(request, "accounts/home.html", context)
