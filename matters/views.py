"""Pages of the matters app: similar cases (partials for the case desk) and classes of matters (一类事)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from cases.exports import spreadsheet_response
from cases.models import Case, Category
from cases.selectors import as_id
from cases.services import CaseError
from matters import progress, selectors, services
from matters.forms import BatchForm, ClassForm, MemberStepForm, MergeForm, RouteForm, ScreenForm, SplitForm
from matters.models import CaseLink, Membership
from places.models import Building, Estate


def _require_staff(user) -> None:
    if not roles.is_staff_member(user):
        raise PermissionDenied(_("只有街道工作人员可以进行此操作。"))


def _visible_case(user, pk: int) -> Case:
    return get_object_or_404(Case.objects.visible_to(user), pk=pk)


# --- similar cases -------------------------------------------------------------------------------


@require_GET
def case_similar(request, pk):
    case = _visible_case(request.user, pk)
    return _render_case_similar(request, case)


def _render_case_similar(request, case: Case):
    similar = selectors.similar_cases(request.user, case, limit=40)
    same_matter = [s for s in similar if s.kind == "same_matter"]
    same_class = [s for s in similar if s.kind == "same_class"]
    shown = selectors.SHOWN
    context = {
        "case": case,
        "same_matter": same_matter[:shown],
        "same_matter_more": same_matter[shown:],
        "same_class": same_class[:shown],
        "same_class_more": same_class[shown:],
        "same_matter_count": len(same_matter),
        "same_class_count": len(same_class),
        "matter_class": selectors.class_of(case),
        "can_decide": roles.is_staff_member(request.user),
        "pending": not hasattr(case, "signature"),
    }
    return render(request, "matters/_case_similar.html", context)


@require_POST
def link_decide(request, pk):
    _require_staff(request.user)
    link = get_object_or_404(CaseLink, pk=pk)
    case = _visible_case(request.user, as_id(request.POST.get("case")) or link.case_a_id)
    services.link_decide(actor=request.user, link_id=link.pk, confirm=request.POST.get("decision") == "confirm")
    if request.htmx:
        return _render_case_similar(request, case)
    messages.success(request, _("已记录您的判断。"))
    return redirect("cases:detail", case.pk)


@require_GET
def similar_preview(request):
    """Likely same-matter open cases for the case being typed on the create form (htmx, debounced)."""
    get = request.GET
    estate = Estate.objects.filter(pk=_int(get.get("estate"))).first()
    draft = Case(
        title=get.get("title", "")[:200],
        description=get.get("description", "")[:4000],
        address=get.get("address", "")[:200],
        category_id=Category.objects.filter(pk=_int(get.get("category"))).values_list("pk", flat=True).first(),
        neighbourhood_id=estate.neighbourhood_id if estate else _int(get.get("neighbourhood")),
        estate=estate,
        building=Building.objects.filter(pk=_int(get.get("building")), estate=estate).first() if estate else None,
    )
    matches = selectors.preview_matches(request.user, draft=draft) if (draft.title or draft.description) else []
    return render(request, "matters/_similar_preview.html", {"matches": matches})


def _int(value) -> int | None:
    return as_id(value)


# --- classes -------------------------------------------------------------------------------------


@require_GET
def class_list(request):
    classes = selectors.ranked_classes(request.user, include_dismissed=request.GET.get("all") == "1")
    if request.GET.get("export") == "csv":
        return _class_list_csv(classes, is_staff=roles.is_staff_member(request.user))
    context = {
        "classes": classes,
        "counts": selectors.link_counts(),
        "year": progress.target_year(),
        "is_staff": roles.is_staff_member(request.user),
    }
    return render(request, "matters/class_list.html", context)


def _class_list_csv(classes, *, is_staff: bool) -> HttpResponse:
    """The class list as CSV, with the same progress as the pages (matters.progress), written like every export
    (cases.exports: UTF-8 with BOM for Excel, no cell read as a formula)."""
    year = progress.target_year()
    headers = [_("名称"), _("类别"), _("状态"), _("本月新增"), _("案件数"), _("%(year)s 年已完成") % {"year": year}]
    headers += [_("目标"), _("进度")]

    def rows():
        for c in classes:
            percent = progress.percent(c.done, c.target_count)
            size = c.size if is_staff else c.visible_size
            status = c.get_status_display()
            yield [c.title, str(c.category or ""), status, c.growth, size, c.done, c.target_count or ""] + [
                "" if percent is None else f"{percent}%"
            ]

    return spreadsheet_response(rows=rows(), headers=headers, filename="classes", file_format="csv")


@require_GET
def class_detail(request, pk):
    matter_class = selectors.get_class(request.user, pk)
    is_staff = roles.is_staff_member(request.user)
    members = list(
        selectors.visible_members(request.user, matter_class)
        .select_related("estate", "building")
        .order_by("received_at", "pk")
    )
    context = {
        "matter_class": matter_class,
        "progress": selectors.class_progress(matter_class),
        "board": selectors.route_board(request.user, matter_class),
        "steps": list(matter_class.steps.all()),
        "members": members,
        "is_staff": is_staff,
        "matter_groups": selectors.same_matter_groups(members) if is_staff else [],
    }
    if is_staff:
        route_text = "\n".join(f"{s.name} | {s.responsible}" for s in context["steps"])
        context.update(
            form=ClassForm(instance=matter_class),
            route_form=RouteForm(initial={"steps": route_text}),
            merge_form=MergeForm(matter_class=matter_class),
            split_form=SplitForm(member_choices=[(c.pk, str(c)) for c in members]),
            # A batch action that failed comes back with everything that was typed (class_batch keeps it).
            batch_form=BatchForm(_typed(request.session.pop(_BATCH_TYPED, None)), members=members),
            batch_result=request.session.pop(_BATCH_RESULT, None),
        )
    return render(request, "matters/class_detail.html", context)


_BATCH_TYPED, _BATCH_RESULT = "matters_batch_typed", "matters_batch_result"


@require_POST
def class_merge_matter(request, pk):
    """并单 a same-matter group of the class's members in one step (matters.services.class_merge_matter)."""
    matter_class = _staff_class(request, pk)
    case_ids = [value for value in (as_id(raw) for raw in request.POST.getlist("cases")) if value]
    try:
        result = services.class_merge_matter(
            actor=request.user, class_id=matter_class.pk, case_ids=case_ids, note=request.POST.get("note", "")[:500]
        )
    except CaseError as error:
        messages.error(request, error.message)
    else:
        references = "、".join(case.reference for case in result.done)
        messages.success(request, _("已将 %(refs)s 并单（同一件事，一个工单）。") % {"refs": references})
    return redirect(reverse("matters:class_detail", args=[matter_class.pk]) + "#matter-groups")


def _typed(kept: dict | None) -> QueryDict | None:
    """What a failed batch form held, as form data again."""
    if not kept:
        return None
    data = QueryDict(mutable=True)
    for key, values in kept.items():
        data.setlist(key, values)
    return data


def _staff_class(request, pk):
    matter_class = selectors.get_class(request.user, pk)
    _require_staff(request.user)
    return matter_class


def _done(request, matter_class, message: str | None = None):
    if message:
        messages.success(request, message)
    return redirect("matters:class_detail", matter_class.pk)


def _errors(request, matter_class, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("matters:class_detail", matter_class.pk)


@require_POST
def class_edit(request, pk):
    matter_class = _staff_class(request, pk)
    form = ClassForm(request.POST, instance=matter_class)
    if not form.is_valid():
        return _errors(request, matter_class, form)
    services.class_update(actor=request.user, class_id=matter_class.pk, data=form.cleaned_data)
    return _done(request, matter_class, _("已保存。"))


@require_POST
def class_decide(request, pk):
    matter_class = _staff_class(request, pk)
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.class_decide(actor=request.user, class_id=matter_class.pk, confirm=confirm)
    except CaseError as error:
        messages.error(request, error.message)
    return _done(request, matter_class, _("已确认该类事。") if confirm else _("已驳回该类事。"))


@require_POST
def class_route(request, pk):
    matter_class = _staff_class(request, pk)
    form = RouteForm(request.POST)
    if not form.is_valid():
        return _errors(request, matter_class, form)
    services.class_set_route(actor=request.user, class_id=matter_class.pk, steps=form.cleaned_data["steps"])
    return _done(request, matter_class, _("通关图已保存。"))


@require_POST
def class_merge(request, pk):
    matter_class = _staff_class(request, pk)
    form = MergeForm(request.POST, matter_class=matter_class)
    if not form.is_valid():
        return _errors(request, matter_class, form)
    target = services.class_merge(actor=request.user, class_id=matter_class.pk, into_id=form.cleaned_data["into"].pk)
    return _done(request, target, _("已合并。"))


@require_POST
def class_split(request, pk):
    matter_class = _staff_class(request, pk)
    members = selectors.visible_members(request.user, matter_class)
    form = SplitForm(request.POST, member_choices=[(c.pk, str(c)) for c in members])
    if not form.is_valid():
        return _errors(request, matter_class, form)
    try:
        new = services.class_split(
            actor=request.user,
            class_id=matter_class.pk,
            case_ids=form.cleaned_data["cases"],
            title=form.cleaned_data["title"],
        )
    except CaseError as error:
        messages.error(request, error.message)
        return redirect("matters:class_detail", matter_class.pk)
    return _done(request, new, _("已拆分为新的类事。"))


@require_POST
def class_batch(request, pk):
    """A batch action on the chosen members. An error returns to the class page with what was typed kept; the
    result lists what was done to which cases."""
    matter_class = _staff_class(request, pk)
    members = list(selectors.visible_members(request.user, matter_class))
    form = BatchForm(request.POST, members=members)
    if not form.is_valid():
        request.session[_BATCH_TYPED] = {key: request.POST.getlist(key) for key in ("cases", "action", "team", "note")}
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_batch_anchor(matter_class))
    data, chosen = form.cleaned_data, form.cleaned_data["cases"]
    try:
        if data["action"] == "team":
            result = services.class_assign_team(actor=request.user, class_id=pk, team=data["team"], case_ids=chosen)
            what = _("已为 %(count)s 件案件指派工作专班“%(team)s”") % {"count": len(result), "team": data["team"]}
        elif data["action"] == "route":
            result = services.class_apply_route(actor=request.user, class_id=pk, case_ids=chosen)
            what = _("已将 %(count)s 件案件放到通关图第一步") % {"count": len(result)}
        else:
            result = services.class_post_note(actor=request.user, class_id=pk, note=data["note"], case_ids=chosen)
            what = _("已向 %(count)s 件案件发布备注") % {"count": len(result)}
    except CaseError as error:
        request.session[_BATCH_TYPED] = {key: request.POST.getlist(key) for key in ("cases", "action", "team", "note")}
        messages.error(request, error.message)
        return redirect(_batch_anchor(matter_class))
    request.session[_BATCH_RESULT] = {
        "what": what,
        "cases": [{"pk": case.pk, "reference": case.reference, "title": case.title} for case in result.done],
        "problems": result.problems,
    }
    return redirect(_batch_anchor(matter_class))


def _batch_anchor(matter_class) -> str:
    return reverse("matters:class_detail", args=[matter_class.pk]) + "#batch"


@require_POST
def member_step(request, pk):
    _require_staff(request.user)
    membership = get_object_or_404(Membership, pk=pk)
    form = MemberStepForm(request.POST)
    if form.is_valid():
        try:
            services.membership_move(
                actor=request.user,
                membership_id=membership.pk,
                step_id=form.cleaned_data["step"],
                completed=form.cleaned_data["completed"],
            )
        except CaseError as error:
            messages.error(request, error.message)
    return redirect("matters:class_detail", membership.matter_class_id)


@require_http_methods(["GET", "POST"])
def class_screen(request, pk):
    """举一反三排查: places matching the class's profile with no case yet; open a preventive case for each chosen."""
    matter_class = _staff_class(request, pk)
    buildings, estates = selectors.screening_candidates(matter_class)
    form = ScreenForm(request.POST or None, buildings=buildings, estates=estates)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.screening_open_cases(
                actor=request.user,
                class_id=matter_class.pk,
                building_ids=form.cleaned_data["buildings"],
                estate_ids=form.cleaned_data["estates"],
            )
        except CaseError as error:
            messages.error(request, error.message)
        else:
            return _done(request, matter_class, _("已开立 %(count)s 件排查案件。") % {"count": len(created)})
    context = {
        "matter_class": matter_class,
        "buildings": buildings,
        "estates": estates,
        "form": form,
        "missing": selectors.screening_missing(matter_class),
    }
    return render(request, "matters/class_screen.html", context)
