"""Every write to warnings: the detector's run, acknowledging, turning into a class, choosing the month's topic."""

import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from alerts import detect
from alerts.models import DetectorRun, MonthlyTopic, Warning, WarningKind
from cases import hooks
from cases.models import Category
from matters.models import MatterClass
from matters.services import class_create
from places.models import Estate, Neighbourhood


class AlertError(Exception):
    """A refused write, with a message meant for the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require_staff(actor) -> None:
    if not roles.is_staff_member(actor):
        raise AlertError(_("只有街道工作人员可以这样处理预警。"))


def _names(finding: detect.Finding) -> dict:
    place = ""
    if finding.estate_id:
        place = Estate.objects.filter(pk=finding.estate_id).values_list("name", flat=True).first() or ""
    elif finding.neighbourhood_id:
        place = Neighbourhood.objects.filter(pk=finding.neighbourhood_id).values_list("name", flat=True).first() or ""
    if finding.matter_class_id:
        place = MatterClass.objects.filter(pk=finding.matter_class_id).values_list("title", flat=True).first() or ""
    category = Category.objects.select_related("parent").filter(pk=finding.category_id).first()
    return {"place": place or _("多处"), "category": str(category) if category else _("多类")}


def warning_title(finding: detect.Finding) -> str:
    """A title a person reads in a list: the place, the category and the counts (never a phone number)."""
    facts, names = finding.facts, _names(finding)
    # Stored in the site's language: a title is read later by people of any language setting.
    with translation.override(settings.LANGUAGE_CODE):
        if finding.kind == WarningKind.SURGE:
            return _("异动：%(place)s %(category)s 近%(days)s天 %(recent)s 件（前%(weeks)s周共 %(baseline)s 件）") % {
                **names,
                **facts,
            }
        if finding.kind == WarningKind.MANY_RESIDENTS:
            return _("多人同诉：%(place)s %(category)s %(residents)s 位居民 %(days)s 天内反映同一件事") % {
                **names,
                **facts,
            }
        if finding.kind == WarningKind.REPEAT_CALLER:
            return _("一人多诉：同一号码 %(days)s 天内来电 %(cases)s 次（%(place)s）") % {**names, **facts}
        return _("重复诉求：%(place)s %(category)s 办结后 %(days)s 天内再次来电") % {**names, **facts}


def _existing(finding: detect.Finding, at: datetime) -> Warning | None:
    """The warning this finding continues: same subject within the kind's window (many residents: any shared
    case, as the matter's first case may change when links are added)."""
    recent = Warning.objects.filter(kind=finding.kind, updated_at__gte=at - timedelta(days=finding.window_days))
    same = recent.filter(subject=finding.subject).order_by("-updated_at").first()
    if same is None and finding.kind == WarningKind.MANY_RESIDENTS:
        same = recent.filter(cases__in=finding.case_ids).order_by("-updated_at").first()
    return same


def _record(finding: detect.Finding, at: datetime) -> tuple[Warning, bool]:
    warning = _existing(finding, at)
    if warning is None:
        warning = Warning.objects.create(
            kind=finding.kind,
            subject=finding.subject,
            title=warning_title(finding),
            neighbourhood_id=finding.neighbourhood_id,
            estate_id=finding.estate_id,
            category_id=finding.category_id,
            matter_class_id=finding.matter_class_id,
            facts=finding.facts,
            created_at=at,
            updated_at=at,
        )
        warning.cases.set(finding.case_ids)
        hooks.fire(hooks.WARNING_RAISED, warning_id=warning.pk)
        return warning, True
    known = set(warning.cases.values_list("pk", flat=True))
    new = [pk for pk in finding.case_ids if pk not in known]
    if new:
        # The same warning grows: more cases, fresh counts; nobody is told twice.
        warning.cases.add(*new)
        warning.facts, warning.updated_at = finding.facts, at
        warning.title = warning_title(finding)
        warning.save(update_fields=["facts", "updated_at", "title"])
    return warning, False


@transaction.atomic
def warnings_detect(*, at: datetime | None = None) -> dict:
    """Run the four rules at `at` (default now) and record what they find; a re-run raises nothing twice."""
    at = at or timezone.now()
    started = time.monotonic()
    # One detector at a time: the row lock serialises runs (beat and a person's command), so a finding is
    # matched against the warnings the other run recorded rather than raced.
    run = DetectorRun.objects.select_for_update(no_key=True).filter(pk=1).first()
    if run is None:
        DetectorRun.objects.bulk_create([DetectorRun(pk=1)], ignore_conflicts=True)
        run = DetectorRun.objects.select_for_update(no_key=True).get(pk=1)
    counts = {kind: {"found": 0, "raised": 0} for kind in WarningKind.values}
    for finding in detect.findings(at):
        _warning, created = _record(finding, at)
        counts[finding.kind]["found"] += 1
        counts[finding.kind]["raised"] += int(created)
    run.last_at, run.last_duration, run.last_counts = at, time.monotonic() - started, counts
    run.save()
    return counts


@transaction.atomic
def warning_acknowledge(*, actor, warning_id: int, note: str) -> Warning:
    """Staff, or the committee of the warning's neighbourhood, record that they saw it and what they do."""
    warning = Warning.objects.visible_to(actor).select_for_update(no_key=True).get(pk=warning_id)
    if not note.strip():
        raise AlertError(_("请填写处理说明。"))
    warning.acknowledged_at, warning.acknowledged_by = timezone.now(), actor
    warning.acknowledgement = note.strip()
    warning.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
    return warning


@transaction.atomic
def warning_to_class(*, actor, warning_id: int, title: str) -> MatterClass:
    """Staff turn a warning's cases into a class of matters (一类事), confirmed at once."""
    _require_staff(actor)
    warning = Warning.objects.select_for_update(no_key=True).get(pk=warning_id)
    if warning.matter_class_id:
        raise AlertError(_("该预警已对应一类事。"))
    title = title.strip() or warning.title[:100]
    case_ids = list(warning.cases.values_list("pk", flat=True))
    matter_class = class_create(
        actor=actor, data={"title": title[:100], "category": warning.category}, case_ids=case_ids
    )
    warning.matter_class = matter_class
    warning.save(update_fields=["matter_class"])
    return matter_class


def month_of(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def topic_choose(*, actor, warning_id: int, note: str = "", month: date | None = None) -> MonthlyTopic:
    """Staff choose a warning as the month's topic (每月一题); choosing again the same month replaces it."""
    _require_staff(actor)
    warning = Warning.objects.get(pk=warning_id)
    month = month_of(month or timezone.localdate())
    topic, _created = MonthlyTopic.objects.update_or_create(
        month=month, defaults={"warning": warning, "note": note.strip(), "chosen_by": actor}
    )
    return topic
