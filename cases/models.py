from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from cases.search import REFERENCE_SHAPE, query_words, relevance
from cases.validators import validate_phone

# --- reference data (all admin-editable) ---------------------------------------------------------


class Category(models.Model):
    """A two-level category tree: 房屋管理 › 电梯. Cases use the second level."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级类别")
    )
    name = models.CharField(_("名称"), max_length=50)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    handling_days = models.PositiveSmallIntegerField(
        _("办理时限（工作日）"),
        null=True,
        blank=True,
        help_text=_("留空则按系统默认：一般 5 个工作日，复杂 15 个工作日"),
    )
    is_complex = models.BooleanField(_("复杂事项"), default=False, help_text=_("复杂事项默认 15 个工作日办结"))
    is_sensitive = models.BooleanField(
        _("涉及个人境况"),
        default=False,
        help_text=_("如独居老人、社会救助：公开接口（Open311）只显示到居民区，不显示小区、楼栋和坐标"),
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["parent__sort_order", "parent__name", "sort_order", "name"]
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_under_parent"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent=None), name="top_category_name_unique"),
        ]

    def __str__(self):
        return f"{self.parent.name}›{self.name}" if self.parent_id else self.name

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("类别只有两级：上级类别必须是一级类别。")})


class Channel(models.Model):
    """Where a case came from: 12345热线, 来访, 走访发现…"""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("来源渠道")
        verbose_name_plural = _("来源渠道")

    def __str__(self):
        return self.name


class RequestType(models.Model):
    """咨询/求助/投诉/建议/表扬."""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("诉求类型")
        verbose_name_plural = _("诉求类型")

    def __str__(self):
        return self.name


class Department(models.Model):
    """A unit that leads (主办) or assists (协办) a case: 区房管局, 消防, 居委会…"""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class Team(models.Model):
    """A working team (工作专班)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("成员"))
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")

    def __str__(self):
        return self.name


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday, or a weekend make-up workday (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("调休上班"), default=False, help_text=_("勾选表示该周末日需上班"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self):
        return f"{self.date} {self.name}"


# --- the case ------------------------------------------------------------------------------------


class Status(models.TextChoices):
    NEW = "new", _("受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    ON_HOLD = "on_hold", _("挂起")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已回访")
    # 已并单: a duplicate folded into its master case (cases/merging.py); neither open nor done.
    MERGED = "merged", _("已并单")


OPEN_STATUSES = [Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD]
DONE_STATUSES = [Status.RESOLVED, Status.CLOSED]


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class VisitResult(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    # Not an answer: the resident could not be reached (cases/visits.py closes the case after the last attempt).
    UNREACHABLE = "unreachable", _("无法联系")


SATISFIED_RESULTS = [VisitResult.SATISFIED, VisitResult.BASICALLY]
# The resident's answers; 无法联系 is none of them and never counts as visited.
ANSWERED_RESULTS = [VisitResult.SATISFIED, VisitResult.BASICALLY, VisitResult.UNSATISFIED]


class VisitReason(models.TextChoices):
    """Why a resident was not satisfied (required with 不满意)."""

    UNRESOLVED = "unresolved", _("未解决")
    PARTLY = "partly", _("解决不彻底")
    ATTITUDE = "attitude", _("态度")
    TIMELINESS = "timeliness", _("时效")
    OTHER = "other", _("其他")


class VisitChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    ONLINE = "online", _("线上")
    IN_PERSON = "in_person", _("上门")


# The longest texts a person may type. Real residents' messages run to about 7,000 characters; a bound keeps one
# request from holding a process (similarity, search and masking all read the whole text).
TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
NOTE_MAX = 5_000


def bigrams(text: str) -> list[str]:
    """The distinct pairs of neighbouring characters of `text`, lower-cased: 老旧电梯 → 老旧, 旧电, 电梯."""
    text = text.lower()
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


class CaseBigrams(models.Func):
    """case_bigrams(lower(title || ' ' || description)): the expression of the GIN search index (PostgreSQL)."""

    function = "case_bigrams"
    template = "case_bigrams(lower(%(expressions)s))"
    arg_joiner = " || ' ' || "

    def __init__(self):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(models.F("title"), models.F("description"), output_field=ArrayField(models.TextField()))


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every case; a committee member sees their own neighbourhood's; a 回访员 the cases waiting
        for a visit and those they visited; others none."""
        if roles.is_staff_member(user):
            return self
        hood = roles.committee_neighbourhood_id(user)
        scope = Q(neighbourhood_id=hood) if hood else None
        if roles.is_visitor(user):
            visits = Q(status=Status.RESOLVED) | Q(pk__in=CaseVisit.objects.filter(visitor=user).values("case_id"))
            scope = visits if scope is None else scope | visits
        return self.filter(scope) if scope is not None else self.none()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.filter(status__in=OPEN_STATUSES, due_at__lt=now)

    def not_overdue(self, now=None):
        now = now or timezone.now()
        return self.exclude(status__in=OPEN_STATUSES, due_at__lt=now)

    def search(self, text: str):
        """Every word of the query in title or description (works for Chinese on SQLite and PostgreSQL), closest first.

        The query is cut into words (cases.search.query_words: "福安大厦电梯" → 福安 · 大厦 · 电梯) and a case must
        contain each of them; one shaped like a reference number (JN-2025-000123) also finds that case. The
        matches come ordered by cases.search.relevance (the query as typed in the title first); a sort chosen on
        the list replaces that order. On PostgreSQL the character pairs of the words first go through a GIN index
        (migration 0005): a text that contains a word contains all of its pairs, and LIKE then confirms the exact
        substring. The pair condition stays at the top of the WHERE clause so that PostgreSQL checks it in the
        index only."""
        indexed = connections[self.db].vendor == "postgresql"
        words = query_words(text)
        query, pairs = Q(), set()
        for word in words:
            found = Q(title__icontains=word) | Q(description__icontains=word)
            if REFERENCE_SHAPE.match(word):
                # The number itself, or a text that quotes it: each side through its own index (BitmapOr), where
                # a LIKE alone read every case.
                if indexed:
                    found = Q(_bigrams__contains=sorted(bigrams(word))) & found
                found |= Q(reference=word.upper())
            elif indexed and len(word) >= 2:
                pairs.update(bigrams(word))
                if len(word) == 2:
                    continue  # containing the one pair is containing the word: no LIKE needed
            query &= found
        matches = self.alias(_bigrams=CaseBigrams()) if indexed else self
        if pairs:
            matches = matches.filter(_bigrams__contains=sorted(pairs))
        matches = matches.filter(query)
        if not words:
            return matches
        return matches.annotate(search_rank=relevance(text, words)).order_by("-search_rank", "-received_at")


class Case(models.Model):
    """One resident's matter (一件事), from intake to the return visit."""

    reference = models.CharField(_("编号"), max_length=20, unique=True, editable=False)
    # Unique within a neighbourhood (constraint below), so that a committee member is never told that a number
    # is used in a neighbourhood they cannot see.
    external_id = models.CharField(_("外部编号"), max_length=64, null=True, blank=True, db_index=True)
    # The hidden token of the form that logged the case: a second submission of the same form finds this case.
    intake_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    description = models.TextField(
        _("诉求内容"), max_length=DESCRIPTION_MAX, validators=[MaxLengthValidator(DESCRIPTION_MAX)]
    )
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, verbose_name=_("诉求类型"), null=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"), related_name="cases")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("来源渠道"), null=True)
    received_at = models.DateTimeField(_("受理时间"))
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency, default=Urgency.NORMAL)

    reporter_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    reporter_confidential = models.BooleanField(
        _("诉求人信息保密"), default=False, help_text=_("保密时只有街道工作人员能看到诉求人姓名和电话")
    )

    neighbourhood = models.ForeignKey(
        "places.Neighbourhood", on_delete=models.PROTECT, related_name="cases", verbose_name=_("居民区")
    )
    estate = models.ForeignKey(
        "places.Estate", on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        "places.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("楼栋"),
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)

    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        verbose_name=_("主办单位"),
    )
    assisting_departments = models.ManyToManyField(
        Department, blank=True, related_name="assisted_cases", verbose_name=_("协办单位")
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("工作专班")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("责任人"),
    )
    method = models.ForeignKey(
        "methods.Method",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("工作法"),
    )

    status = models.CharField(_("状态"), max_length=20, choices=Status, default=Status.NEW)
    status_before_hold = models.CharField(max_length=20, choices=Status, blank=True, editable=False)
    first_contact_due = models.DateTimeField(_("首次联系时限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    resolution = models.TextField(
        _("办理结果"), blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX)]
    )
    public_reply = models.TextField(
        _("答复口径"),
        blank=True,
        max_length=NOTE_MAX,
        validators=[MaxLengthValidator(NOTE_MAX)],
        help_text=_("给诉求人看的答复，显示在公开进度查询页；内部情况写在办理结果里"),
    )
    visit_result = models.CharField(_("回访结果"), max_length=20, choices=VisitResult, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("办结人"),
    )
    visit_due = models.DateTimeField(_("回访时限"), null=True, blank=True, editable=False)
    visit_reason = models.CharField(_("不满意原因"), max_length=20, choices=VisitReason, blank=True, editable=False)
    # The last visit result was recorded by someone other than the handler: only these count in 满意率.
    visit_independent = models.BooleanField(_("独立回访"), default=False, editable=False)
    rework_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    # 并单 and 拆单 (cases/merging.py): a merged duplicate points at its master (never at another merged
    # case: the chain is one step long), and remembers its status to get it back on unmerge.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        editable=False,
        verbose_name=_("并入案件"),
    )
    status_before_merge = models.CharField(max_length=20, choices=Status, blank=True, editable=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        editable=False,
        verbose_name=_("母案件"),
    )
    # The return visit reaches every resident of a master: its co-complainants and the residents of the cases
    # merged into it. How many of them were visited and satisfied, kept by cases.merging.resident_visit so that
    # the dashboards' 满意率 (every resident visited) is one SUM, not a join.
    residents_visited = models.PositiveIntegerField(_("其他诉求人已回访"), default=0, editable=False)
    residents_satisfied = models.PositiveIntegerField(_("其他诉求人满意"), default=0, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["neighbourhood", "-received_at"], name="case_hood_received"),
            # A neighbourhood's cases of one category, newest first, with the status to filter on in the index:
            # the committee's usual list. At 1,000,000 cases the bitmaps of the three single-column indexes took
            # 75 ms to intersect; this reads the few hundred entries the page needs.
            models.Index(
                fields=["neighbourhood", "category", "-received_at", "-id"],
                include=["status"],
                name="case_hood_category_received",
            ),
            models.Index(fields=["category", "-received_at"], name="case_category_received"),
            models.Index(fields=["-received_at", "-id"], name="case_received"),
            # The list sorts by these (either direction, id breaks ties) and filters resolved-date ranges.
            models.Index(fields=["due_at", "id"], name="case_due"),
            models.Index(fields=["resolved_at", "id"], name="case_resolved"),
            # The overdue lists: open cases by deadline, without walking the many closed ones.
            models.Index(fields=["due_at"], condition=Q(status__in=OPEN_STATUSES), name="case_open_due"),
            # The resident's other cases (一人多诉) are found by phone.
            models.Index(fields=["reporter_phone"], name="case_reporter_phone"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "external_id"],
                condition=Q(external_id__isnull=False),
                name="case_external_id_unique_in_neighbourhood",
                violation_error_message=_("本居民区已有案件使用该外部编号。"),
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def clean_fields(self, exclude=None):
        """Django's field validation, except that a foreign key holding a row just read from the database is not
        looked up again to prove it exists: a case is validated by its form and again by the service, and those
        lookups were a query per foreign key each time (a fifth of logging a case). A row deleted meanwhile is
        still refused, by the foreign key constraint on save."""
        loaded = set()
        for field in self._meta.concrete_fields:
            row = field.get_cached_value(self, None) if field.many_to_one else None
            if row is not None and not row._state.adding and row.pk == getattr(self, field.attname):
                loaded.add(field.name)
        super().clean_fields(exclude={*(exclude or ()), *loaded})

    def clean(self):
        errors = {}
        if self.received_at and self.received_at > timezone.now() + timedelta(minutes=5):
            errors["received_at"] = _("受理时间不能晚于现在。")
        if self.estate_id and self.neighbourhood_id and self.estate.neighbourhood_id != self.neighbourhood_id:
            # Not named: the estate may be one the person cannot see.
            errors["estate"] = _("所选小区不属于所选居民区。")
        if self.building_id and self.building.estate_id != self.estate_id:
            errors["building"] = _("楼栋必须属于所选小区。") if self.estate_id else _("选择楼栋前请先选择小区。")
        if self.category_id and self.category.parent_id is None:
            errors["category"] = _("请选择二级类别（如“房屋管理›电梯”）。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_first_contact_overdue(self) -> bool:
        return (
            self.status in (Status.NEW, Status.DISPATCHED)
            and self.first_contact_due is not None
            and self.first_contact_due < timezone.now()
        )


class CaseCounter(models.Model):
    """The last reference number handed out per year; locked while a case is created (gap-free numbering)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class EventKind(models.TextChoices):
    CREATED = "created", _("登记")
    TRANSITION = "transition", _("流转")
    EDITED = "edited", _("修改")
    NOTE = "note", _("备注")
    REMINDER = "reminder", _("催办")
    SUPERVISION = "supervision", _("督办")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("同意延期")
    EXTENSION_REFUSED = "extension_refused", _("不同意延期")
    VISIT = "visit", _("回访")
    MERGED = "merged", _("并单")
    UNMERGED = "unmerged", _("撤销并单")
    SPLIT = "split", _("拆单")
    COMPLAINANT = "complainant", _("共同诉求人")


class ImmutableError(Exception):
    pass


class CaseEvent(models.Model):
    """One line of a case's timeline. Written once by a service; never edited or deleted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("案件"))
    kind = models.CharField(_("类型"), max_length=30, choices=EventKind)
    action = models.CharField(_("操作"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # [{"field": "title", "label": "标题", "old": "…", "new": "…"}], the readable values at the time.
    changes = models.JSONField(_("字段变更"), default=list, blank=True)
    case_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["case", "-created_at"], name="event_case_created")]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("timeline events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("timeline events cannot be deleted")


class CaseVisit(models.Model):
    """One attempt at a return visit (回访): who, when, how, reached or not, and the resident's answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits", verbose_name=_("案件"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回访人"),
        help_text=_("线上回访由居民本人填写时为空"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    channel = models.CharField(_("方式"), max_length=20, choices=VisitChannel, default=VisitChannel.PHONE)
    reached = models.BooleanField(_("已接通"), default=True)
    result = models.CharField(_("回访结果"), max_length=20, choices=VisitResult, blank=True)
    reason = models.CharField(_("不满意原因"), max_length=20, choices=VisitReason, blank=True)
    note = models.TextField(_("说明"), blank=True)
    independent = models.BooleanField(_("独立回访"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        indexes = [models.Index(fields=["case", "-at"], name="visit_case_at")]

    def __str__(self):
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M} {self.result or '-'}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")


class ExtensionRequest(models.Model):
    """A request to move a case's handling deadline (延期), decided by street-office staff."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("案件"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(_("审批状态"), max_length=20, choices=ExtensionStatus, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case_id} +{self.days}"


class PersonalDataAccess(models.Model):
    """A record that somebody revealed a resident's personal data on a case (who, when, which field)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="data_accesses", verbose_name=_("案件"))
    field = models.CharField(_("字段"), max_length=30)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        indexes = [models.Index(fields=["case", "-at"], name="data_access_case_at")]

    def __str__(self):
        return f"{self.user} {self.case_id} {self.field} {self.at:%Y-%m-%d %H:%M}"


class Complainant(models.Model):
    """Another resident with the same matter (共同诉求人), recorded on the existing case instead of a new one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complainants", verbose_name=_("案件"))
    name = models.CharField(_("诉求人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    confidential = models.BooleanField(
        _("诉求人信息保密"), default=False, help_text=_("保密时只有街道工作人员能看到诉求人姓名和电话")
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("来源渠道"))
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    description = models.TextField(_("诉求内容"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The return visit reaches every resident of the matter: each co-complainant's own answer.
    visit_result = models.CharField(_("回访结果"), max_length=20, choices=VisitResult, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("共同诉求人")
        verbose_name_plural = _("共同诉求人")
        indexes = [models.Index(fields=["phone"], name="complainant_phone")]

    def __str__(self):
        return f"{self.case_id} {self.name}"
