"""The case list's filters. The GET parameter names are a contract: dashboards link here with them."""

from datetime import date, datetime, time, timedelta

import django_filters as filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.names import display_name
from cases import selectors, vocabularies
from cases.models import Case, Category, Channel, Department, RequestType, Status, Team, Urgency, VisitResult
from cases.validators import validate_calendar_date
from methods.models import Method

YES_NO = [("1", _("是")), ("0", _("否"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The filters always shown; the rest fold under "more conditions" (on a phone the form stays short).
MAIN_FILTERS = ["neighbourhood", "estate", "category_group", "category", "urgency", "overdue", "mine"]
# Model dropdowns whose choices are reused while their rows are unchanged (cases/vocabularies.py).
PLACE_FILTERS = ["neighbourhood", "estate", "building"]
VOCABULARY_FILTERS = [*PLACE_FILTERS, "category_group", "category", "channel", "request_type", "method"]
VOCABULARY_FILTERS += ["team", "lead_department", "assignee"]


DATE_RANGE = [validate_calendar_date]
MERGED_CHOICES = [("1", _("含已并单案件")), ("only", _("只看已并单案件"))]


def _start_of(day: date) -> datetime:
    """The first moment of a local calendar day (filters compare datetimes so that indexes are used)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class CaseFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("搜索"), max_length=200)
    # distinct=False: a column of the case itself cannot repeat a row, and SELECT DISTINCT made PostgreSQL sort
    # every match before counting them.
    status = filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("状态"), widget=forms.CheckboxSelectMultiple, distinct=False
    )
    category_group = filters.ModelChoiceFilter(
        field_name="category__parent",
        queryset=Category.objects.filter(parent=None),
        label=_("大类"),
    )
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.exclude(parent=None).select_related("parent"), label=_("类别")
    )
    neighbourhood = filters.ModelChoiceFilter(queryset=None, label=_("居民区"))
    estate = filters.ModelChoiceFilter(queryset=None, label=_("小区"))
    building = filters.ModelChoiceFilter(queryset=None, label=_("楼栋"))
    channel = filters.ModelChoiceFilter(queryset=Channel.objects.all(), label=_("来源渠道"))
    request_type = filters.ModelChoiceFilter(queryset=RequestType.objects.all(), label=_("诉求类型"))
    urgency = filters.ChoiceFilter(choices=Urgency.choices, label=_("紧急程度"))
    method = filters.ModelChoiceFilter(queryset=Method.objects.all(), label=_("工作法"))
    team = filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("工作专班"))
    lead_department = filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("主办单位"))
    assignee = filters.ModelChoiceFilter(queryset=None, label=_("责任人"))
    mine = filters.BooleanFilter(method="filter_mine", label=_("只看我的"), widget=forms.CheckboxInput)
    overdue = filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("超期"))
    received_after = filters.DateFilter(
        method="filter_received_after", label=_("受理日期从"), widget=DATE, validators=DATE_RANGE
    )
    received_before = filters.DateFilter(
        method="filter_received_before", label=_("受理日期至"), widget=DATE, validators=DATE_RANGE
    )
    resolved_after = filters.DateFilter(
        method="filter_resolved_after", label=_("办结日期从"), widget=DATE, validators=DATE_RANGE
    )
    resolved_before = filters.DateFilter(
        method="filter_resolved_before", label=_("办结日期至"), widget=DATE, validators=DATE_RANGE
    )
    visit_result = filters.MultipleChoiceFilter(
        choices=VisitResult.choices, label=_("回访结果"), widget=forms.CheckboxSelectMultiple, distinct=False
    )
    visit_independent = filters.ChoiceFilter(choices=YES_NO, method="filter_independent", label=_("独立回访"))
    rework = filters.ChoiceFilter(choices=YES_NO, method="filter_rework", label=_("重办"))
    # Merged duplicates (已并单) leave the working lists unless asked for (cases/merging.py).
    merged = filters.ChoiceFilter(choices=MERGED_CHOICES, method="filter_merged", label=_("已并单"))
    responded_in_time = filters.ChoiceFilter(choices=YES_NO, method="filter_responded", label=_("按时签收"))
    sort = filters.OrderingFilter(
        fields=[
            ("reference", "reference"),
            ("title", "title"),
            ("status", "status"),
            ("urgency", "urgency"),
            ("received_at", "received_at"),
            ("due_at", "due_at"),
            ("resolved_at", "resolved_at"),
            ("neighbourhood__name", "neighbourhood"),
            ("category__name", "category"),
        ],
        field_labels={
            "reference": _("编号"),
            "title": _("标题"),
            "status": _("状态"),
            "urgency": _("紧急程度"),
            "received_at": _("受理时间"),
            "due_at": _("办结时限"),
            "resolved_at": _("办结时间"),
            "neighbourhood__name": _("居民区"),
            "category__name": _("类别"),
        },
        label=_("排序"),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        user = request.user
        super().__init__(data, *args, queryset=selectors.cases_for(user), request=request, **kwargs)
        self.filters["neighbourhood"].queryset = selectors.neighbourhoods_for(user)
        self.filters["estate"].queryset = selectors.estates_for(user)
        self.filters["building"].queryset = selectors.buildings_for(user)
        self.filters["assignee"].queryset = selectors.case_workers()
        self.filters["assignee"].field.label_from_instance = display_name
        # The dropdowns' rows are the same for everyone but the places, which follow the user's scope.
        for name in VOCABULARY_FILTERS:
            scope = selectors.place_scope(user) if name in PLACE_FILTERS else ()
            vocabularies.mark(self.filters[name].field, "CaseFilter", name, *scope)

    @property
    def qs(self) -> QuerySet[Case]:
        queryset = super().qs
        # A stable order, so that pages never repeat or skip a case.
        ordering = list(queryset.query.order_by) or ["-received_at"]
        if not any(str(field).lstrip("-") == "id" for field in ordering):
            # The tie-breaker runs the same way as the sort, so one (column, id) index serves both directions.
            ordering.append("-id" if str(ordering[0]).startswith("-") else "id")
        return queryset.order_by(*ordering)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("merged") and Status.MERGED not in (data.get("status") or []):
            queryset = queryset.exclude(status=Status.MERGED)
        return queryset

    def filter_merged(self, queryset, name, value):
        return queryset.filter(status=Status.MERGED) if value == "only" else queryset

    def filter_q(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value == "1":
            return queryset.overdue()
        return queryset.not_overdue() if value == "0" else queryset

    def filter_received_after(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_received_before(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value + timedelta(days=1)))

    def filter_resolved_after(self, queryset, name, value):
        return queryset.filter(resolved_at__gte=_start_of(value))

    def filter_resolved_before(self, queryset, name, value):
        return queryset.filter(resolved_at__lt=_start_of(value + timedelta(days=1)))

    def filter_independent(self, queryset, name, value):
        """The last return visit was (1) or was not (0) made by someone other than the handlers."""
        if value in ("1", "0"):
            return queryset.filter(visit_independent=value == "1").exclude(visit_result="")
        return queryset

    def filter_rework(self, queryset, name, value):
        if value == "1":
            return queryset.filter(rework_count__gt=0)
        return queryset.filter(rework_count=0) if value == "0" else queryset

    def filter_responded(self, queryset, name, value):
        in_time = Q(accepted_at__isnull=False, first_contact_due__isnull=False, accepted_at__lte=F("first_contact_due"))
        late = Q(accepted_at__gt=F("first_contact_due")) | Q(
            accepted_at__isnull=True, first_contact_due__lt=timezone.now()
        )
        if value == "1":
            return queryset.filter(in_time)
        return queryset.filter(late) if value == "0" else queryset
