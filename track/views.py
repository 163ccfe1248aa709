"""The resident's pages (no sign-in): progress lookup and online return visit; and the panel on the case page."""

from axes.helpers import get_client_ip_address
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from cases import selectors as case_selectors
from cases.services import CaseError
from track import selectors, services
from track.forms import LookupForm, VisitForm


# No CSRF check: the lookup changes nothing for the visitor's session, so a forged POST gains nothing, and a
# hotline system or a WeChat page can post it directly as the contract describes. It is rate-limited instead.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    """A case's progress for whoever knows its reference and the last four digits of the resident's phone."""
    form = LookupForm(request.POST or None)
    context = {"form": form, "progress": None, "not_found": False}
    if request.method == "POST" and form.is_valid():
        try:
            case = services.lookup_attempt(**form.cleaned_data, address=get_client_ip_address(request))
        except services.Limited:
            return render(request, "track/limited.html", status=429)
        if case is None:
            # The same answer for an unknown reference and a wrong phone, and nothing typed is echoed back.
            context.update(form=LookupForm(), not_found=True)
        else:
            context["progress"] = selectors.public_progress(services.progress_case(case))
    return render(request, "track/lookup.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def visit(request, token: str):
    """The resident's own return visit through the single-use link."""
    link = services.visit_link_find(token)
    if link is None:
        raise Http404(_("链接无效。"))
    state = services.visit_link_state(link)
    form = VisitForm(request.POST or None)
    context = {"link": link, "state": state, "form": form, "answered": False, "reference": link.case.reference}
    if state != "open":
        message, status = services.REFUSALS[state]
        context["message"] = message
        return render(request, "track/visit.html", context, status=status if request.method == "POST" else 200)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_answer(token=token, **form.cleaned_data)
        except services.VisitRefused as refused:
            context.update(state="refused", message=refused.message)
            return render(request, "track/visit.html", context, status=refused.status)
        except CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            context["answered"] = True
    return render(request, "track/visit.html", context, status=400 if form.errors else 200)


@require_GET
def case_panel(request, pk: int):
    """On the case page (by htmx): lookups by residents and, once resolved, the online visit link to send."""
    case = case_selectors.case_for(request.user, pk, request=request)
    desk = roles.is_staff_member(request.user) or roles.is_committee_member(request.user)
    link = services.visit_link_for(case=case) if desk else None
    context = {
        "case": case,
        "figures": selectors.lookup_figures(case),
        "link": link,
        "link_url": request.build_absolute_uri(services.visit_path(link)) if link else "",
        "answered_links": case.visit_links.exclude(used_at=None),
    }
    return render(request, "track/_case_panel.html", context)
