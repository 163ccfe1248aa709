"""Pages of 并单, 拆单 and co-complainants: the forms on the case page and "并入此案" on the new-case form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from cases import merging, selectors
from cases.forms import CaseForm
from cases.merging_forms import ComplainantForm, MergeForm, ResidentVisitForm, SplitFormSet, UnmergeForm
from cases.services import CaseError, NotPermitted


def detail_context(request, case, bound: dict) -> dict:
    """What cases/_merging.html needs on the case page (cases.views._render_detail adds it)."""
    user = request.user
    summary = merging.merge_summary(user, case)
    may_see_phone = selectors.can_see_reporter(user, case)
    return {
        "merging": summary,
        "merge_form": bound.get("merge") or MergeForm(user=user),
        "unmerge_form": bound.get("unmerge") or UnmergeForm(),
        "split_formset": bound.get("split") or SplitFormSet(prefix="part"),
        "complainant_form": bound.get("complainant") or ComplainantForm(prefix="caller"),
        "visit_choices": ResidentVisitForm.base_fields["visit_result"].choices,
        "resident_cases": merging.resident_cases(user, case) if may_see_phone else [],
    }


def _refused(request, case, error: CaseError, form, *, key: str):
    from cases.views import _refused as refused

    return refused(request, case, error, form, key=key)


def _invalid(request, case, form, *, key: str, message: str):
    from cases.views import _render_detail

    messages.error(request, message)
    return _render_detail(request, case, bound={key: form}, status=400)


@require_POST
def case_merge(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    form = MergeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _invalid(request, case, form, key="merge", message=_("并单未完成，请按提示修改。"))
    try:
        merged = merging.case_merge(
            case_id=case.pk, into_id=form.cleaned_data["into"], actor=request.user, note=form.cleaned_data["note"]
        )
    except CaseError as error:
        return _refused(request, case, error, form, key="merge")
    messages.success(request, _("已并入 %(master)s。") % {"master": merged.merged_into.reference})
    return redirect("cases:detail", pk=case.pk)


@require_POST
def case_unmerge(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    if not roles.is_staff_member(request.user):
        raise PermissionDenied(_("只有街道工作人员可以撤销并单。"))
    form = UnmergeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form, key="unmerge", message=_("撤销并单未完成，请按提示修改。"))
    try:
        merging.case_unmerge(case_id=case.pk, actor=request.user, note=form.cleaned_data["note"])
    except CaseError as error:
        return _refused(request, case, error, form, key="unmerge")
    messages.success(request, _("已撤销并单。"))
    return redirect("cases:detail", pk=case.pk)


@require_POST
def case_split(request, pk):
    case = selectors.case_for(request.user, pk, request=request)
    formset = SplitFormSet(request.POST, prefix="part")
    if not formset.is_valid():
        return _invalid(request, case, formset, key="split", message=_("拆单未完成，请按提示修改。"))
    parts = [form.cleaned_data for form in formset.forms if form.cleaned_data]
    try:
        children = merging.case_split(case_id=case.pk, actor=request.user, parts=parts)
    except CaseError as error:
        messages.error(request, error.message)
        return _invalid(request, case, formset, key="split", message=_("拆单未完成。"))
    refs = "、".join(child.reference for child in children)
    messages.success(request, _("已拆分为 %(children)s。") % {"children": refs})
    return redirect("cases:detail", pk=case.pk)


@require_POST
def complainant_add(request, pk):
    """A co-complainant added on the case page."""
    case = selectors.case_for(request.user, pk, request=request)
    form = ComplainantForm(request.POST, prefix="caller")
    if not form.is_valid():
        return _invalid(request, case, form, key="complainant", message=_("诉求人未添加，请按提示修改。"))
    try:
        merging.complainant_add(case_id=case.pk, actor=request.user, **form.service_kwargs())
    except CaseError as error:
        return _refused(request, case, error, form, key="complainant")
    messages.success(request, _("已添加共同诉求人。"))
    return redirect("cases:detail", pk=case.pk)


@require_POST
def case_join(request, pk):
    """ "并入此案" on the new-case form: the caller typed there becomes a co-complainant of case `pk`; no new case."""
    case = selectors.case_for(request.user, pk, request=request)
    form = ComplainantForm(request.POST)
    error = None
    if form.is_valid():
        data = form.service_kwargs()
        if not data["description"]:
            data["description"] = request.POST.get("title", "")[:200]
        try:
            merging.complainant_add(case_id=case.pk, actor=request.user, **data)
        except CaseError as refused:
            error = refused
        else:
            messages.success(request, _("诉求人已并入案件 %(ref)s，未新建案件。") % {"ref": case.reference})
            return redirect("cases:detail", pk=case.pk)
    # Back to the new-case form with what was typed, and why it did not go through.
    case_form = CaseForm(request.POST, user=request.user)
    case_form.is_valid()
    for name, errors in form.errors.items():
        for message in errors:
            case_form.add_error(name if name in case_form.fields else None, message)
    if error is not None:
        case_form.add_error(error.field if error.field in case_form.fields else None, error.message)
    messages.error(request, _("未能并入案件 %(ref)s。") % {"ref": case.reference})
    return render(request, "cases/case_form.html", {"form": case_form}, status=400)


@require_POST
def resident_visit(request, pk):
    """One more resident's answer to the return visit of a resolved matter."""
    case = selectors.case_for(request.user, pk, request=request)
    form = ResidentVisitForm(request.POST)
    if not form.is_valid():
        from cases.views import _render_detail

        messages.error(request, _("请选择回访结果。"))
        return _render_detail(request, case, status=400)
    data = form.cleaned_data
    try:
        merging.resident_visit(
            case_id=case.pk,
            actor=request.user,
            visit_result=data["visit_result"],
            complainant_id=data["complainant"],
            merged_case_id=data["merged_case"],
        )
    except CaseError as error:
        from cases.views import _render_detail

        messages.error(request, error.message)
        return _render_detail(request, case, status=403 if isinstance(error, NotPermitted) else 400)
    messages.success(request, _("已记录回访结果。"))
    return redirect("cases:detail", pk=case.pk)
