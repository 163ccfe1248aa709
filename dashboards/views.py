"""The sub-district overview, one neighbourhood's dashboard, and the monthly report (page and XLSX)."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import roles
from dashboards import charts, selectors, snapshots
from dashboards import report as monthly
from dashboards.figures import RATES, TABLE_COLUMNS, Scope, figures, month_end
from dashboards.forms import PeriodForm, ReportForm
from governance import replica
from places.models import Neighbourhood

REPORT_PAGE_CASES = 500


def neighbourhoods_for(user) -> QuerySet[Neighbourhood]:
    """The neighbourhoods whose figures `user` may see; anyone else has no dashboard (403)."""
    if roles.is_staff_member(user):
        return Neighbourhood.objects.all()
    hood = roles.committee_neighbourhood_id(user)
    if hood is None:
        raise PermissionDenied
    return Neighbourhood.objects.filter(pk=hood)


def _period_query(form: PeriodForm) -> str:
    return urlencode({key: form.data.get(key, "") for key in ("received_after", "received_before")})


@require_GET
def overview(request):
    hoods = neighbourhoods_for(request.user)
    if not roles.is_staff_member(request.user):
        form = PeriodForm(request.GET or None)
        url = reverse("dashboards:neighbourhood", args=[hoods.get().pk])
        return redirect(f"{url}?{_period_query(form)}")
    form = PeriodForm(request.GET or None, neighbourhoods=hoods)
    if form.is_valid() and form.cleaned_data["neighbourhood"]:
        url = reverse("dashboards:neighbourhood", args=[form.cleaned_data["neighbourhood"].pk])
        return redirect(f"{url}?{_period_query(form)}")
    scope = form.scope(None)
    with replica.reads():  # a read replica, where one is configured, carries the figures
        data = snapshots.dashboard(request.user, scope, compare_neighbourhoods=list(hoods))
    return render(request, "dashboards/overview.html", _context(form, scope, data, neighbourhood=None))


@require_GET
def neighbourhood(request, pk):
    hoods = neighbourhoods_for(request.user)
    hood = get_object_or_404(hoods, pk=pk)
    is_staff = roles.is_staff_member(request.user)
    data = request.GET.copy()
    if is_staff and "neighbourhood" not in data:
        data["neighbourhood"] = str(hood.pk)
    form = PeriodForm(data or None, neighbourhoods=hoods if is_staff else None)
    if is_staff and form.is_valid() and form.cleaned_data["neighbourhood"] != hood:
        chosen = form.cleaned_data["neighbourhood"]
        url = reverse("dashboards:neighbourhood", args=[chosen.pk]) if chosen else reverse("dashboards:overview")
        return redirect(f"{url}?{_period_query(form)}")
    scope = form.scope(hood.pk)
    with replica.reads():
        data = snapshots.dashboard(request.user, scope)
    return render(request, "dashboards/neighbourhood.html", _context(form, scope, data, neighbourhood=hood))


def _context(form, scope: Scope, data: dict, *, neighbourhood) -> dict:
    where = neighbourhood.name if neighbourhood else None
    data["charts"] = {
        "month": charts.column_chart(data["intake_by_month"], title=_title(_("近两年各月受理量"), where)),
        "group": charts.bar_chart(data["intake_by_group"], title=_title(_("按大类受理量"), where)),
        "channel": charts.bar_chart(data["intake_by_channel"], title=_title(_("按来源渠道受理量"), where)),
        "type": charts.bar_chart(data["intake_by_type"], title=_title(_("按诉求类型受理量"), where)),
    }
    if "neighbourhoods" in data:
        rows = data["neighbourhoods"]
        for row in rows:
            url = reverse("dashboards:neighbourhood", args=[row["id"]])
            row["dashboard_url"] = f"{url}?{urlencode(scope.params())}"
        data["charts"]["hood_total"] = charts.bar_chart(
            [{"label": row["label"], "value": row["total"], "url": row["links"]["total"]} for row in rows],
            title=_title(_("各居民区受理量"), None),
        )
        data["charts"]["hood_resolution"] = charts.bar_chart(
            [{"label": row["label"], "value": row["resolution_rate"], "url": row["links"]["resolved"]} for row in rows],
            title=_title(_("各居民区解决率"), None),
            percent=True,
        )
    period = {key: value for key, value in scope.params().items() if key != "neighbourhood"}
    return {
        "form": form,
        "scope": scope,
        "neighbourhood": neighbourhood,
        "definitions": figures(scope),
        "rates": RATES,
        "columns": TABLE_COLUMNS,
        "period_query": urlencode(period),
        "snapshot_minutes": snapshots.minutes(),
        **data,
    }


def _title(text: str, where: str | None) -> str:
    return f"{where} · {text}" if where else text


def _report_scope(request) -> tuple[ReportForm, Scope, Neighbourhood | None]:
    hoods = neighbourhoods_for(request.user)
    is_staff = roles.is_staff_member(request.user)
    form = ReportForm(request.GET, neighbourhoods=hoods if is_staff else None)
    if not form.is_valid():
        form = ReportForm(None, neighbourhoods=hoods if is_staff else None)
        form.is_valid()
    month = form.cleaned_data["month"].replace(day=1)
    hood = form.cleaned_data.get("neighbourhood") if is_staff else hoods.get()
    scope = Scope(neighbourhood_id=hood.pk if hood else None, after=month, before=month_end(month), month=month)
    return form, scope, hood


@require_GET
def report(request):
    form, scope, hood = _report_scope(request)
    data = monthly.report_data(request.user, scope, compare=hood is None)
    cases = list(selectors.report_cases(request.user, scope)[:REPORT_PAGE_CASES])
    context = {
        "form": form,
        "scope": scope,
        "neighbourhood": hood,
        "definitions": figures(scope),
        "rates": RATES,
        "columns": TABLE_COLUMNS,
        "cases": cases,
        "cases_cut": data["totals"]["total"] > len(cases),
        "xlsx_query": request.GET.urlencode(),
        **data,
    }
    return render(request, "dashboards/report.html", context)


@require_GET
def report_xlsx(request):
    _form, scope, hood = _report_scope(request)
    return monthly.report_workbook(request.user, scope, hood)
