"""The case desk: list, detail, log, edit, moves, extensions, export. Writes go through cases.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from cases import exports, merging_views, paging, permissions, selectors, services, visits
from cases.filters import MAIN_FILTERS, CaseFilter
from cases.forms import CaseForm, ExtensionDecideForm, ExtensionRequestForm, MoveForm
from cases.models import Status
from cases.workflow import MOVES
from governance import replica
from methods.selectors import suggest_methods

PAGE_SIZE = 25
EXTENSION_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)


def _require_desk_role(user) -> None:
    """Logging and editing cases is for street-office staff and neighbourhood committees."""
    if not (roles.is_staff_member(user) or roles.is_committee_member(user)):
        raise PermissionDenied(_("只有街道工作人员和居委会可以处理案件。"))


@require_GET
def case_list(request):
    case_filter = CaseFilter(request.GET, request=request)
    search_text = (case_filter.form.cleaned_data.get("q") or "") if case_filter.is_valid() else ""
    paginator = paging.CasePaginator(case_filter.qs, PAGE_SIZE, search_text=search_text, request=request)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    form = case_filter.form
    more = [name for name in form.fields if name not in (*MAIN_FILTERS, "q", "sort")]
    context = {
        "filter": case_filter,
        "main_filters": [form[name] for name in MAIN_FILTERS],
        "more_filters": [form[name] for name in more],
        "more_open": any(request.GET.get(name) for name in more),
        "page": page,
        "query": query.urlencode(),
        "can_create": _can_log(request.user),
    }
    return render(request, "cases/case_list.html", context)


@require_GET
def case_export(request):
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        return HttpResponseBadRequest(_("不支持的导出格式。"))
    case_filter = CaseFilter(request.GET, request=request)
    can_see = lambda case: selectors.can_see_reporter(request.user, case)  # noqa: E731
    with replica.reads():  # a read replica, where one is configured, carries the big reads
        return exports.case_export(case_filter.qs, file_format=file_format, can_see=can_see, user=request.user)


@require_GET
def case_detail(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    return _render_detail(request, case)


def case_create(request):
    _require_desk_role(request.user)
    form = CaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(
                actor=request.user, data=form.service_data(), intake_key=form.cleaned_data.get("intake_key")
            )
        except services.CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("案件 %(ref)s 已登记。") % {"ref": case.reference})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form})


def case_edit(request, pk):
    _require_desk_role(request.user)
    case = selectors.case_for(request.user, pk, request=request)
    form = CaseForm(request.POST or None, instance=case, user=request.user)
    stale_events = latest = None
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                case_id=case.pk,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                data=form.service_data(),
            )
        except services.StaleEdit as error:
            form.add_error(None, error.message)
            stale_events = error.events
            # Keep what this person typed, now against the latest version: saving again is a deliberate choice.
            form.data = form.data.copy()
            latest = selectors.case_for(request.user, pk, request=request)
            form.data["version"] = latest.version
        except services.CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect("cases:detail", pk=case.pk)
    if request.method == "POST" and latest is None:  # the form wrote what was typed onto `case`: read it again
        latest = selectors.case_for(request.user, pk, request=request)
    context = {"form": form, "case": latest or case, "stale_events": stale_events}
    return render(request, "cases/case_form.html", context, status=409 if stale_events is not None else 200)


@require_POST
def case_move(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    action = request.POST.get("action", "")
    if action not in MOVES:
        messages.error(request, _("未知的操作。"))
        return _render_detail(request, case, status=400)
    form = MoveForm(request.POST, action=action, case=case)
    if form.is_valid():
        try:
            if action == "visit":
                outcome = visits.case_visit(case_id=case.pk, actor=request.user, **form.visit_kwargs())
            else:
                services.case_transition(case_id=case.pk, actor=request.user, **form.service_kwargs())
        except services.CaseError as error:
            return _refused(request, case, error, form, key=action)
        if action == "visit":
            messages.success(request, outcome.message())
            back_to_queue = request.POST.get("next") == "queue"
            return redirect("cases:visit_queue") if back_to_queue else redirect("cases:detail", pk=case.pk)
        messages.success(request, _("已%(action)s。") % {"action": MOVES[action].label})
        return redirect("cases:detail", pk=case.pk)
    messages.error(request, _("%(action)s未完成，请按提示修改。") % {"action": MOVES[action].label})
    return _render_detail(request, case, bound={action: form}, status=400)


@require_POST
def extension_request(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(case_id=case.pk, actor=request.user, **form.cleaned_data)
        except services.CaseError as error:
            return _refused(request, case, error, form, key="extension")
        messages.success(request, _("延期申请已提交，等待街道审批。"))
        return redirect("cases:detail", pk=case.pk)
    messages.error(request, _("延期申请未提交，请按提示修改。"))
    return _render_detail(request, case, bound={"extension": form}, status=400)


@require_POST
def extension_decide(request, pk):
    extension = selectors.extension_for(request.user, pk)
    if not roles.is_staff_member(request.user):
        raise PermissionDenied(_("只有街道工作人员可以审批延期。"))
    form = ExtensionDecideForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("请选择同意或不同意。"))
    try:
        services.extension_decide(
            extension_id=extension.pk,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except services.NotPermitted as error:
        messages.error(request, error.message)
        return _render_detail(request, selectors.case_for(request.user, extension.case_id, request=request), status=403)
    except services.CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("延期申请已审批。"))
    return redirect("cases:detail", pk=extension.case_id)


@require_POST
def reveal_phone(request, pk):
    """Show the resident's full number, and record who looked at it."""
    case = selectors.case_for(request.user, pk, request=request)
    reason = permissions.refusal(request.user, "reveal_phone", case)
    if reason is not None:
        raise PermissionDenied(reason)
    selectors.record_phone_reveal(request.user, case)
    if request.htmx:
        partial = "cases/_queue_phone.html" if request.POST.get("in") == "queue" else "cases/_phone.html"
        return render(request, partial, {"case": case, "revealed": True})
    return _render_detail(request, case, revealed=True)


@require_GET
def visit_queue(request):
    """待回访: resolved cases waiting for their return visit, the earliest visit deadline first."""
    if not permissions.allowed(request.user, "visit"):
        raise PermissionDenied(_("只有街道工作人员、居委会和回访员可以回访。"))
    page = Paginator(selectors.visit_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, permissions.refusal(request.user, "visit", case)) for case in page]
    return render(request, "cases/visit_queue.html", {"page": page, "rows": rows, "now": timezone.now()})


@require_GET
def estate_options(request):
    """The <option>s of the chosen neighbourhood's estates (htmx swaps them into the form)."""
    estates = selectors.estates_for(request.user, request.GET.get("neighbourhood", ""))
    return render(request, "cases/_options.html", {"options": [(e.pk, e.name) for e in estates]})


@require_GET
def building_options(request):
    """The <option>s of the chosen estate's buildings; none when the estate is not in the neighbourhood."""
    buildings = selectors.buildings_for(request.user, request.GET.get("estate", ""))
    hood = selectors.as_id(request.GET.get("neighbourhood"))
    if hood:
        buildings = buildings.filter(estate__neighbourhood_id=hood)
    return render(request, "cases/_options.html", {"options": [(b.pk, b.number) for b in buildings]})


# --- helpers -------------------------------------------------------------------------------------


def _can_log(user) -> bool:
    return roles.is_staff_member(user) or roles.is_committee_member(user)


def _refused(request, case, error: services.CaseError, form, *, key: str):
    """A refused write: say why, keep what the person typed, never a 500."""
    messages.error(request, error.message)
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    status = 403 if isinstance(error, services.NotPermitted) else 400
    return _render_detail(request, case, bound={key: form}, status=status)


def _render_detail(request, case, *, bound=None, revealed=False, status=200):
    bound = bound or {}
    user = request.user
    actions = permissions.moves_for(user, case)
    move_forms = [(name, MOVES[name], bound.get(name) or MoveForm(action=name, case=case)) for name in actions]
    extensions = list(selectors.case_extensions(case))
    pending = selectors.pending_extension(extensions)
    context = {
        "case": case,
        "timeline": selectors.case_timeline(case, request=request),
        "extensions": extensions,
        "move_forms": move_forms,
        "suggestions": _suggestions(case) if "resolve" in actions else [],
        "extension_form": (bound.get("extension") or ExtensionRequestForm())
        if _can_log(user) and case.status in EXTENSION_STATUSES and pending is None
        else None,
        "pending_extension": pending,
        "visit_refusal": permissions.refusal(user, "visit", case) if case.status == Status.RESOLVED else None,
        "can_decide": pending is not None and permissions.allowed(user, "decide_extension", case, extension=pending),
        "can_edit": _can_log(user),
        "can_see_reporter": selectors.can_see_reporter(user, case),
        "revealed": revealed,
    }
    context.update(merging_views.detail_context(request, case, bound))  # 并单, 拆单, co-complainants
    return render(request, "cases/case_detail.html", context, status=status)


def _suggestions(case) -> list:
    return list(suggest_methods(category=case.category, text=f"{case.title}\n{case.description}", limit=3))
