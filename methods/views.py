from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from methods import selectors, services
from methods.forms import MethodForm
from methods.models import HANDBOOK_SIZE, Method

CASES_SHOWN = 50


def _admin_only(request) -> None:
    if not roles.is_method_admin(request.user):
        raise PermissionDenied(_("只有工作法管理员可以修改工作法汇编。"))


def index(request):
    methods = list(Method.objects.prefetch_related("categories__parent"))
    figures = selectors.handbook_comparison()
    rows = [(method, figures.get(method.pk, selectors.Figures())) for method in methods]
    context = {"rows": rows, "written": len(methods), "handbook_size": HANDBOOK_SIZE}
    return render(request, "methods/method_index.html", {**context, "can_edit": roles.is_method_admin(request.user)})


def detail(request, pk: int):
    method = get_object_or_404(Method.objects.prefetch_related("categories__parent"), pk=pk)
    cases = selectors.method_cases(method, request.user).select_related("category__parent", "neighbourhood")
    context = {
        "method": method,
        "record": selectors.method_record(method),
        "cases": cases[:CASES_SHOWN],
        "case_count": cases.count(),
        "can_edit": roles.is_method_admin(request.user),
    }
    return render(request, "methods/method_detail.html", context)


def create(request):
    _admin_only(request)
    next_number = (Method.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    form = MethodForm(request.POST or None, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        try:
            method = services.method_create(
                actor=request.user, data=form.method_data(), reason=form.cleaned_data["reason"]
            )
        except services.MethodError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("已新增工作法“%(name)s”。") % {"name": method.name})
            return redirect("methods:detail", pk=method.pk)
    return render(request, "methods/method_form.html", {"form": form, "method": None})


def edit(request, pk: int):
    _admin_only(request)
    method = get_object_or_404(Method, pk=pk)
    initial = {"version": services.latest_version_id(method)}
    form = MethodForm(request.POST or None, instance=method, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.method_update(
                method_id=method.pk,
                actor=request.user,
                data=form.method_data(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.MethodError as error:
            form.add_error(error.field, error.message)
        else:
            if services.latest_version_id(method) == form.cleaned_data["version"]:
                messages.info(request, _("内容没有变化，未新增版本。"))
            else:
                messages.success(request, _("已保存，修改记录中新增了一个版本。"))
            return redirect("methods:detail", pk=method.pk)
    return render(request, "methods/method_form.html", {"form": form, "method": method})


def history(request, pk: int):
    method = get_object_or_404(Method, pk=pk)
    context = {
        "method": method,
        "versions": selectors.method_versions(method),
        "can_edit": roles.is_method_admin(request.user),
    }
    return render(request, "methods/method_history.html", context)


@require_POST
def restore(request, pk: int, history_id: int):
    _admin_only(request)
    method = get_object_or_404(Method, pk=pk)
    try:
        services.method_restore(method_id=method.pk, history_id=history_id, actor=request.user)
    except services.MethodError as error:
        messages.error(request, error.message)
        return redirect("methods:history", pk=method.pk)
    messages.success(request, _("已恢复该版本；恢复本身也记为一个新版本。"))
    return redirect("methods:detail", pk=method.pk)


def print_booklet(request):
    methods = list(Method.objects.in_use().prefetch_related("categories__parent"))
    context = {"methods": methods, "written": len(methods), "handbook_size": HANDBOOK_SIZE}
    return render(request, "methods/method_print.html", context)
