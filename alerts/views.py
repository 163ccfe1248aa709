"""Pages of early warnings: the list, one warning with its cases, and what staff do with it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from alerts import selectors, services
from alerts.forms import AcknowledgeForm, ToClassForm, TopicForm, WarningFilter


def _require_case_worker(user) -> None:
    if not (roles.is_staff_member(user) or roles.committee_neighbourhood_id(user)):
        raise PermissionDenied(_("只有街道工作人员和居委会可以查看预警。"))


def _require_staff(user) -> None:
    if not roles.is_staff_member(user):
        raise PermissionDenied(_("只有街道工作人员可以这样处理预警。"))


@require_GET
def warning_list(request):
    _require_case_worker(request.user)
    form = WarningFilter(request.GET or None)
    kind, unacknowledged = "", False
    if form.is_valid():
        kind, unacknowledged = form.cleaned_data["kind"], form.cleaned_data["open"]
    page = Paginator(selectors.warnings_for(request.user, kind=kind, unacknowledged=unacknowledged), 50)
    context = {"form": form, "page": page.get_page(request.GET.get("page")), "topics": selectors.current_topics()}
    return render(request, "alerts/warning_list.html", context)


@require_GET
def warning_detail(request, pk):
    _require_case_worker(request.user)
    warning = selectors.warning_for(request.user, pk)
    context = {
        "warning": warning,
        "cases": selectors.warning_cases(request.user, warning),
        "is_staff": roles.is_staff_member(request.user),
        "acknowledge_form": AcknowledgeForm(),
        "class_form": ToClassForm(initial={"title": warning.title[:100]}),
        "topic_form": TopicForm(),
    }
    return render(request, "alerts/warning_detail.html", context)


@require_POST
def warning_acknowledge(request, pk):
    _require_case_worker(request.user)
    warning = selectors.warning_for(request.user, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        services.warning_acknowledge(actor=request.user, warning_id=warning.pk, note=form.cleaned_data["note"])
        messages.success(request, _("已确认该预警。"))
    else:
        messages.error(request, _("请填写处理说明。"))
    return redirect("alerts:detail", warning.pk)


@require_POST
def warning_to_class(request, pk):
    _require_staff(request.user)
    warning = selectors.warning_for(request.user, pk)
    form = ToClassForm(request.POST)
    form.is_valid()
    try:
        matter_class = services.warning_to_class(
            actor=request.user, warning_id=warning.pk, title=form.cleaned_data.get("title", "")
        )
    except services.AlertError as error:
        messages.error(request, error.message)
        return redirect("alerts:detail", warning.pk)
    messages.success(request, _("已转为一类事。"))
    return redirect("matters:class_detail", matter_class.pk)


@require_POST
def warning_topic(request, pk):
    _require_staff(request.user)
    warning = selectors.warning_for(request.user, pk)
    form = TopicForm(request.POST)
    form.is_valid()
    topic = services.topic_choose(actor=request.user, warning_id=warning.pk, note=form.cleaned_data.get("note", ""))
    messages.success(request, _("已选为 %(month)s 的每月一题。") % {"month": topic.month.strftime("%Y-%m")})
    return redirect("alerts:detail", warning.pk)
