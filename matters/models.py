"""Similar cases (an inverted index of case text, links between cases) and classes of matters (一类事)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import DONE_STATUSES, OPEN_STATUSES
from places.models import HousingType

# --- the index -----------------------------------------------------------------------------------


class Term(models.Model):
    """One token of the index with its document frequency (how many signed cases contain it)."""

    text = models.CharField(max_length=40, unique=True)
    df = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.text} ({self.df})"


class IndexStats(models.Model):
    """A single row: how many cases the index holds (for IDF) without counting a million rows."""

    documents = models.PositiveIntegerField(default=0)

    def __str__(self):
        return str(self.documents)


class CaseSignature(models.Model):
    """The indexed text of one case. Stale when missing, or when the case changed after `computed_at`
    and the content hash differs."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="signature")
    content_hash = models.CharField(max_length=64)
    # {token: weight}, L2-normalised TF-IDF with the IDF at indexing time; explains a score ("电梯 故障 更换").
    vector = models.JSONField(default=dict)
    # The place and organisation names the text mentions (text.place_keys): the place of a case with no estate.
    places = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.case_id} @ {self.computed_at:%Y-%m-%d %H:%M}"


class Posting(models.Model):
    """Token → case with the token's weight in that case: the inverted index a new case is compared through.
    Keyed by (case, term) — which also serves deleting a case's postings — plus one index on (term, weight
    descending, case) that the candidate query reads alone: two indexes to maintain per row, not four."""

    pk = models.CompositePrimaryKey("case", "term")
    # No constraints in the database: postings are derived data, rewritten by the index alone; Django still
    # deletes a case's postings with the case. (Measured: the COMMIT where those checks run was a sixth of bulk
    # indexing.)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "-weight", "case"], name="posting_term_impact")]

    def __str__(self):
        return f"{self.term_id}→{self.case_id}"


# --- links between cases -------------------------------------------------------------------------


class LinkKind(models.TextChoices):
    SAME_MATTER = "same_matter", _("同一件事")
    SAME_CLASS = "same_class", _("同一类事")


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已否定")


class CaseLinkQuerySet(models.QuerySet):
    def involving(self, case_id: int):
        return self.filter(Q(case_a_id=case_id) | Q(case_b_id=case_id))

    def shown(self):
        """Links a person should see: everything not rejected."""
        return self.exclude(status=LinkStatus.REJECTED)


class CaseLink(models.Model):
    """Two similar cases, stored once per pair (case_a < case_b), with a score and readable reasons."""

    # Indexed by the unique pair (case_a first) and by caselink_case_b: no index of their own (each one more
    # index for every link a bulk flagging writes).
    case_a = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)
    case_b = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("类型"), max_length=20, choices=LinkKind)
    score = models.FloatField(_("相似度"))
    reasons = models.JSONField(_("理由"), default=list)
    status = models.CharField(_("状态"), max_length=20, choices=LinkStatus, default=LinkStatus.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-score"]
        verbose_name = _("相似案件")
        verbose_name_plural = _("相似案件")
        constraints = [
            models.UniqueConstraint(fields=["case_a", "case_b"], name="caselink_pair_unique"),
            models.CheckConstraint(condition=Q(case_a__lt=F("case_b")), name="caselink_pair_ordered"),
        ]
        indexes = [models.Index(fields=["case_b"], name="caselink_case_b")]

    def __str__(self):
        return f"{self.case_a_id}~{self.case_b_id} {self.kind} {self.score:.2f}"

    def other(self, case_id: int) -> int:
        return self.case_b_id if self.case_a_id == case_id else self.case_a_id


# --- classes of matters --------------------------------------------------------------------------


class ClassStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已驳回")
    MERGED = "merged", _("已合并")


class MatterClassQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[ClassStatus.PROPOSED, ClassStatus.CONFIRMED])


class MatterClass(models.Model):
    """一类事: many cases with one root problem, worked along one route (通关图) towards one target."""

    title = models.CharField(_("名称"), max_length=100)
    root_problem = models.TextField(_("根本问题"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ClassStatus, default=ClassStatus.PROPOSED)
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("类别")
    )
    method = models.ForeignKey(
        "methods.Method", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("工作法")
    )
    team = models.ForeignKey(
        "cases.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("工作专班")
    )
    # Screening profile (举一反三排查): which estates/buildings share the root problem.
    housing_type = models.CharField(_("房屋类型"), max_length=20, choices=HousingType, blank=True)
    min_elevator_age = models.PositiveSmallIntegerField(_("电梯使用年限不少于"), null=True, blank=True)
    without_property_company = models.BooleanField(_("仅无物业小区"), default=False)
    target_count = models.PositiveIntegerField(_("目标数量"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("目标年份"), null=True, blank=True)
    target_unit = models.CharField(_("计量单位"), max_length=20, blank=True, default="件")
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("并入")
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = MatterClassQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("一类事")
        verbose_name_plural = _("一类事")

    def __str__(self):
        return self.title


class RouteStep(models.Model):
    """One step of a class's route (通关图), in order, with the party responsible for it."""

    matter_class = models.ForeignKey(MatterClass, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤"), max_length=60)
    responsible = models.CharField(_("责任方"), max_length=60, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["matter_class", "position"], name="routestep_position_unique")]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def done(self):
        return self.filter(Q(case__status__in=DONE_STATUSES) | Q(completed=True))

    def open(self):
        return self.filter(case__status__in=OPEN_STATUSES)


class Membership(models.Model):
    """A case in a class, and where it stands on the class's route."""

    matter_class = models.ForeignKey(MatterClass, on_delete=models.CASCADE, related_name="memberships")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="class_memberships")
    step = models.ForeignKey(RouteStep, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("所处步骤"))
    completed = models.BooleanField(_("已走完通关图"), default=False)
    added_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at"]
        constraints = [models.UniqueConstraint(fields=["matter_class", "case"], name="membership_unique")]

    def __str__(self):
        return f"{self.matter_class_id}:{self.case_id}"
