"""Writes of the matters app: flag a case, decide a link, and everything staff do to a class of matters."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from cases.merging import case_merge
from cases.models import OPEN_STATUSES, Case, Category, Channel, RequestType
from cases.services import CaseError, NotPermitted, case_create, case_transition, case_update
from matters import naming, similarity, text
from matters.models import (
    CaseLink,
    CaseSignature,
    ClassStatus,
    LinkStatus,
    MatterClass,
    Membership,
    RouteStep,
)
from places.models import Building

log = logging.getLogger(__name__)


def _require_staff(actor) -> None:
    if not roles.is_staff_member(actor):
        raise NotPermitted(_("只有街道工作人员可以进行此操作。"))


# --- similarity ----------------------------------------------------------------------------------


@transaction.atomic
def flag_case(*, case_id: int, force: bool = False) -> dict:
    """Index a case, store its similar-case links and propose or extend a class, in one transaction (one
    commit to wait for; locks are taken in one order: terms, then the category). Idempotent."""
    case = Case.objects.select_related("category__parent", "estate", "building").filter(pk=case_id).first()
    if case is None:
        return {"case": case_id, "missing": True}
    signature, changed = similarity.signature_refresh(case=case, force=force)
    links = similarity.links_refresh(case=case, vector=signature.vector, places=signature.places)
    matter_class = class_propose_for(case=case)
    return {"case": case_id, "reindexed": changed, "links": links, "class": matter_class.pk if matter_class else None}


# From this many cases on, flagging them together (matters.bulk) beats flagging them one by one, as long as they
# are at least one in BULK_SHARE of the indexed cases: the bulk path reads the whole index into memory first
# (measured at a million cases: 300 new cases took 194 s and 8 GB in bulk, 41 s one by one).
BULK_FROM = 200
BULK_SHARE = 100


def index_many(case_ids: list[int], *, force: bool = False) -> None:
    """Index the changed cases (all, with `force`) one by one, then the never-indexed ones in bulk, a chunk at a
    time (no query names more than 10,000 cases: SQLite allows 32,766 variables), then refresh the planner's
    statistics."""
    fresh = []
    for start in range(0, len(case_ids), 2000):
        chunk = case_ids[start : start + 2000]
        indexed = set(CaseSignature.objects.filter(case_id__in=chunk).values_list("case_id", flat=True))
        fresh += [pk for pk in chunk if pk not in indexed]
        changed = Case.objects.filter(pk__in=indexed)
        if not force:
            changed = changed & similarity.stale_cases()
        for case in changed.select_related("category__parent", "estate", "building"):
            similarity.signature_refresh(case=case, force=force)
    with similarity.postings_rebuilt(fresh) as rebuilding:
        # 10,000 at a time: every chunk updates the frequency of each token it holds once (measured at 30,000
        # cases with 2,000 a chunk: a fifth of indexing was these updates).
        for start in range(0, len(fresh), 10_000):
            cases = Case.objects.filter(pk__in=fresh[start : start + 10_000], signature__isnull=True)
            similarity.signatures_bulk(list(cases), clear=not rebuilding)
    similarity.analyze_tables()  # the planner needs the new rows' statistics; and a vacuumed index is faster


def flag_many(case_ids: list[int], *, force: bool = False, progress: Callable[[int, int], None] | None = None):
    """Flag many cases: index them, then link them and propose classes together (matters.bulk: the same
    decisions as flag_case, reached in bulk)."""
    from matters import bulk

    case_ids = sorted(case_ids)
    started = time.monotonic()
    index_many(case_ids, force=force)
    index_seconds, started = time.monotonic() - started, time.monotonic()
    links = bulk.link_many(case_ids, progress=progress)
    link_seconds, started = time.monotonic() - started, time.monotonic()
    members = bulk.classes_many(case_ids)
    log.info(
        "flagged %s cases in bulk: indexed in %.1fs, %s links in %.1fs, %s class memberships in %.1fs",
        len(case_ids),
        index_seconds,
        links,
        link_seconds,
        members,
        time.monotonic() - started,
    )
    return {"cases": len(case_ids), "links": links, "memberships": members}


def _flag(ids: list[int], *, force: bool, progress: Callable[[int, int], None] | None) -> int:
    """Flag these cases: together when there are enough of them (BULK_FROM, BULK_SHARE), else one by one as the
    task does."""
    if len(ids) >= max(BULK_FROM, similarity.indexed_count() // BULK_SHARE):
        flag_many(ids, force=force, progress=progress)
        return len(ids)
    for number, case_id in enumerate(ids, 1):
        flag_case(case_id=case_id, force=force)
        if progress:
            progress(number, len(ids))
    return len(ids)


def similarity_sweep(*, limit: int | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """Flag every case whose similarity is stale (never computed, or changed since). Returns how many."""
    ids = list(similarity.stale_cases().order_by("pk").values_list("pk", flat=True)[:limit])
    return _flag(ids, force=False, progress=progress)


def flag_all(*, force: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Flag every case (re-indexing only what changed, unless `force`)."""
    return _flag(list(Case.objects.order_by("pk").values_list("pk", flat=True)), force=force, progress=progress)


def flag_all_enqueued(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every case here, then queue the (idempotent, concurrency-safe) task for each case, so that several
    workers link them in parallel."""
    from matters.tasks import flag_similar

    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    index_many(ids)
    for number, case_id in enumerate(ids, 1):
        flag_similar.delay(case_id)
        if progress:
            progress(number, len(ids))
    return len(ids)


def enqueue_flag(case_id: int) -> None:
    """Queue the similarity task; with the broker down, log it and rely on the sweep (never fail the caller)."""
    from matters.tasks import flag_similar

    try:
        flag_similar.delay(case_id)
    except Exception:  # kombu/redis raise many kinds of connection errors
        log.warning("similarity task not queued for case %s; the sweep will pick it up", case_id, exc_info=True)


@transaction.atomic
def link_decide(*, actor, link_id: int, confirm: bool) -> CaseLink:
    """A staff member confirms or rejects a suggested link; a rejected pair is never suggested again."""
    _require_staff(actor)
    link = CaseLink.objects.select_for_update(no_key=True).get(pk=link_id)
    link.status = LinkStatus.CONFIRMED if confirm else LinkStatus.REJECTED
    link.decided_by, link.decided_at = actor, timezone.now()
    link.save(update_fields=["status", "decided_by", "decided_at"])
    return link


# --- proposing classes ---------------------------------------------------------------------------


def _recent_or_open(case_ids: list[int]) -> list[int]:
    since = timezone.now() - timedelta(days=settings.MATTERS_CLASS_RECENT_DAYS)
    recent = Q(status__in=OPEN_STATUSES) | Q(received_at__gte=since)
    return list(Case.objects.filter(recent, pk__in=case_ids).values_list("pk", flat=True))


def proposed_class(
    category: Category, members: list[tuple[str, str, dict[str, float]]], places: list[str] = ()
) -> MatterClass:
    """An unsaved proposed class of these members (title, estate housing type, index vector), named as a clerk
    would name it (matters.naming)."""
    title = naming.class_title(category.name, members, places)
    root_problem = _("%(count)s 件相似案件（%(category)s）：%(title)s") % {
        "count": len(members),
        "category": category,
        "title": title,
    }
    return MatterClass(title=title[:100], root_problem=root_problem, category=category)


def class_members_facts(case_ids: list[int]) -> dict[int, tuple[str, str, dict[str, float]]]:
    """What a class is named from, per case: (title, estate housing type or "", index vector)."""
    vectors = dict(CaseSignature.objects.filter(case_id__in=case_ids).values_list("case_id", "vector"))
    rows = Case.objects.filter(pk__in=case_ids).values_list("pk", "title", "estate__housing_type")
    return {pk: (title, housing or "", vectors.get(pk, {})) for pk, title, housing in rows}


def serialise_proposals(category_id: int) -> None:
    """Proposals of one category are serialised, so two workers never propose the same class twice. The lock is
    FOR NO KEY UPDATE: a clerk's new case of the category checks its foreign key without waiting for it."""
    list(Category.objects.select_for_update(no_key=True).filter(pk=category_id).order_by().values_list("pk"))


@transaction.atomic
def class_propose_for(*, case: Case) -> MatterClass | None:
    """Put the case into the active class its similar cases belong to, or propose a new class when at least
    MATTERS_CLASS_THRESHOLD open or recent cases of one category are linked to it. Returns the class, if any."""
    serialise_proposals(case.category_id)
    membership = Membership.objects.filter(case=case).select_related("matter_class").first()
    if membership is not None:
        return membership.matter_class
    linked = [link.other(case.pk) for link in CaseLink.objects.involving(case.pk).shown().only("case_a", "case_b")]
    if not linked:
        return None
    joined = (
        MatterClass.objects.active()
        .filter(category_id=case.category_id, memberships__case_id__in=linked)
        .order_by("status", "pk")
        .first()
    )
    if joined:
        Membership.objects.get_or_create(matter_class=joined, case=case)
        return joined
    same_category = Case.objects.filter(pk__in=linked, category_id=case.category_id).exclude(
        class_memberships__isnull=False
    )
    group = [case.pk] + _recent_or_open(list(same_category.values_list("pk", flat=True)))
    if len(group) < settings.MATTERS_CLASS_THRESHOLD or case.pk not in _recent_or_open([case.pk]):
        return None
    return class_propose(case.category, group)


def class_propose(category: Category, group: list[int]) -> MatterClass:
    """A proposed class of the given cases, titled after the words most of them share."""
    facts = class_members_facts(group)
    members = [facts[pk] for pk in sorted(group) if pk in facts]
    matter_class = proposed_class(category, members, text.registry_place_names())
    matter_class.save()
    Membership.objects.bulk_create([Membership(matter_class=matter_class, case_id=pk) for pk in group])
    return matter_class


# --- staff work on a class -----------------------------------------------------------------------

# The fields staff set on a class, in the order the form shows them.
CLASS_FIELDS = [
    "title",
    "root_problem",
    "category",
    "method",
    "team",
    "housing_type",
    "min_elevator_age",
    "without_property_company",
    "target_count",
    "target_unit",
]


def _class_for_update(class_id: int) -> MatterClass:
    return MatterClass.objects.select_for_update(no_key=True).get(pk=class_id)


@transaction.atomic
def class_decide(*, actor, class_id: int, confirm: bool) -> MatterClass:
    """Confirm a proposed class, or dismiss it (its members stay recorded so it is not proposed again)."""
    _require_staff(actor)
    matter_class = _class_for_update(class_id)
    if matter_class.status == ClassStatus.MERGED:
        raise CaseError(_("该类事已并入其他类事。"))
    matter_class.status = ClassStatus.CONFIRMED if confirm else ClassStatus.DISMISSED
    matter_class.decided_by, matter_class.decided_at = actor, timezone.now()
    matter_class.save()
    return matter_class


@transaction.atomic
def class_update(*, actor, class_id: int, data: dict) -> MatterClass:
    """Rename a class or change its method, team, screening profile and target."""
    _require_staff(actor)
    unknown = set(data) - set(CLASS_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    matter_class = _class_for_update(class_id)
    for name, value in data.items():
        setattr(matter_class, name, value)
    matter_class.save()
    return matter_class


@transaction.atomic
def class_create(*, actor, data: dict, case_ids: list[int] = ()) -> MatterClass:
    """Staff start a class by hand (confirmed at once)."""
    _require_staff(actor)
    matter_class = MatterClass.objects.create(
        status=ClassStatus.CONFIRMED, decided_by=actor, decided_at=timezone.now(), **data
    )
    Membership.objects.bulk_create([Membership(matter_class=matter_class, case_id=pk) for pk in case_ids])
    return matter_class


@transaction.atomic
def class_set_route(*, actor, class_id: int, steps: list[tuple[str, str]]) -> list[RouteStep]:
    """Replace the route (通关图) with `steps` [(name, responsible)], keeping members on steps that remain."""
    _require_staff(actor)
    matter_class = _class_for_update(class_id)
    existing = {step.position: step for step in matter_class.steps.all()}
    result = []
    for position, (name, responsible) in enumerate(steps, 1):
        step = existing.pop(position, None) or RouteStep(matter_class=matter_class, position=position)
        step.name, step.responsible = name.strip()[:60], responsible.strip()[:60]
        step.save()
        result.append(step)
    RouteStep.objects.filter(pk__in=[step.pk for step in existing.values()]).delete()
    return result


@transaction.atomic
def class_merge(*, actor, class_id: int, into_id: int) -> MatterClass:
    """Move every member of one class into another and mark the first as merged."""
    _require_staff(actor)
    if class_id == into_id:
        raise CaseError(_("不能并入自身。"))
    source, target = _class_for_update(class_id), _class_for_update(into_id)
    present = set(target.memberships.values_list("case_id", flat=True))
    for membership in source.memberships.all():
        if membership.case_id not in present:
            Membership.objects.create(matter_class=target, case_id=membership.case_id, added_at=membership.added_at)
    source.memberships.all().delete()
    source.status, source.merged_into = ClassStatus.MERGED, target
    source.decided_by, source.decided_at = actor, timezone.now()
    source.save()
    return target


@transaction.atomic
def class_split(*, actor, class_id: int, case_ids: list[int], title: str) -> MatterClass:
    """Move the chosen members into a new class with the same profile and route."""
    _require_staff(actor)
    source = _class_for_update(class_id)
    moving = source.memberships.filter(case_id__in=case_ids)
    if not moving.exists():
        raise CaseError(_("请选择要拆分出去的案件。"))
    if not title.strip():
        raise CaseError(_("请填写新类事的名称。"), field="title")
    data = {name: getattr(source, name) for name in CLASS_FIELDS if name != "title"}
    new = MatterClass.objects.create(title=title.strip(), status=source.status, **data)
    for step in source.steps.all():
        RouteStep.objects.create(matter_class=new, position=step.position, name=step.name, responsible=step.responsible)
    for membership in moving:
        Membership.objects.create(matter_class=new, case_id=membership.case_id, completed=membership.completed)
    moving.delete()
    return new


@transaction.atomic
def membership_move(*, actor, membership_id: int, step_id: int | None, completed: bool = False) -> Membership:
    """Record where a member case stands on the class's route."""
    _require_staff(actor)
    membership = Membership.objects.select_for_update(no_key=True).get(pk=membership_id)
    if step_id and not RouteStep.objects.filter(pk=step_id, matter_class_id=membership.matter_class_id).exists():
        raise CaseError(_("该步骤不属于本类事的通关图。"))
    membership.step_id, membership.completed = step_id, completed
    membership.save(update_fields=["step", "completed"])
    return membership


def _chosen_members(class_id: int, case_ids) -> list[Case]:
    """The chosen cases that are members of the class, in the order they were received."""
    cases = Case.objects.filter(class_memberships__matter_class_id=class_id).order_by("received_at", "pk")
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    return list(cases)


@dataclass
class BatchResult:
    """What a batch action did: the cases it changed, and a line per case it could not change."""

    done: list[Case] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.done)


def class_apply_route(*, actor, class_id: int, case_ids=None) -> BatchResult:
    """Put the chosen members not yet on the route on its first step, with a note on each one's timeline."""
    _require_staff(actor)
    first = RouteStep.objects.filter(matter_class_id=class_id).order_by("position").first()
    if first is None:
        raise CaseError(_("请先设置通关图。"))
    result = BatchResult()
    note = _("按一类事通关图办理，进入第 %(position)s 步：%(step)s") % {"position": first.position, "step": first.name}
    for case in _chosen_members(class_id, case_ids):
        try:
            with transaction.atomic():
                moved = Membership.objects.filter(
                    matter_class_id=class_id, case=case, step__isnull=True, completed=False
                ).update(step=first)
                if moved:
                    case_transition(case_id=case.pk, actor=actor, action="note", note=note)
        except CaseError as error:
            result.problems.append(f"{case.reference}: {error.message}")
            continue
        if moved:
            result.done.append(case)
    return result


def class_assign_team(*, actor, class_id: int, team, case_ids=None) -> BatchResult:
    """Give the chosen open members the team, through the case service (each edit on its timeline)."""
    _require_staff(actor)
    result = BatchResult()
    for case in _chosen_members(class_id, case_ids):
        if case.team_id == team.pk:
            continue
        if not case.is_open:
            result.problems.append(_("%(reference)s：已办结，未改专班") % {"reference": case.reference})
            continue
        try:
            case_update(case_id=case.pk, actor=actor, expected_version=case.version, data={"team": team})
            result.done.append(case)
        except CaseError as error:
            result.problems.append(f"{case.reference}: {error.message}")
    return result


def class_post_note(*, actor, class_id: int, note: str, case_ids=None) -> BatchResult:
    """Write one note on the timeline of each chosen member case."""
    _require_staff(actor)
    if not note.strip():
        raise CaseError(_("请填写备注内容。"), field="note")
    result = BatchResult()
    for case in _chosen_members(class_id, case_ids):
        try:
            case_transition(case_id=case.pk, actor=actor, action="note", note=note)
            result.done.append(case)
        except CaseError as error:
            result.problems.append(f"{case.reference}: {error.message}")
    return result


@transaction.atomic
def class_merge_matter(*, actor, class_id: int, case_ids: list[int], note: str = "") -> BatchResult:
    """并单 for a same-matter group of the class: the chosen open members become one work order, the earliest
    received the master (cases.merging, each merge on both timelines). All or nothing."""
    _require_staff(actor)
    members = sorted(
        (case for case in _chosen_members(class_id, case_ids) if case.is_open), key=lambda c: (c.received_at, c.pk)
    )
    if len(members) < 2:
        raise CaseError(_("请至少选择两件在办的成员案件并单。"), field="cases")
    master, result = members[0], BatchResult()
    for case in members[1:]:
        result.done.append(case_merge(case_id=case.pk, into_id=master.pk, actor=actor, note=note or _("同一件事并单")))
    return result


@transaction.atomic
def screening_open_cases(*, actor, class_id: int, building_ids: list[int], estate_ids: list[int]) -> list[Case]:
    """Open one preventive case (走访发现) per chosen building or estate and add it to the class."""
    from matters.selectors import screening_candidates

    _require_staff(actor)
    matter_class = _class_for_update(class_id)
    if matter_class.category_id is None:
        raise CaseError(_("请先为该类事选择类别。"), field="category")
    buildings, estates = screening_candidates(matter_class)
    chosen = [b for b in buildings if b.pk in set(building_ids)] + [e for e in estates if e.pk in set(estate_ids)]
    if not chosen:
        raise CaseError(_("请至少选择一个楼栋或小区。"))
    channel = Channel.objects.filter(code="patrol_visit").first()
    request_type = RequestType.objects.filter(name="求助").first() or RequestType.objects.order_by("sort_order").first()
    created = []
    for place in chosen:
        building = place if isinstance(place, Building) else None
        estate = building.estate if building else place
        try:
            case = _create_preventive(actor, matter_class, place, building, estate, channel, request_type)
        except ValidationError as error:
            raise CaseError(_("%(place)s：%(error)s") % {"place": place, "error": " ".join(error.messages)}) from None
        Membership.objects.create(matter_class=matter_class, case=case)
        created.append(case)
    return created


def _create_preventive(actor, matter_class, place, building, estate, channel, request_type) -> Case:
    return case_create(
        actor=actor,
        data={
            "title": _("%(class)s排查：%(place)s") % {"class": matter_class.title, "place": place},
            "description": _("举一反三排查：与“%(class)s”同类情况，%(problem)s")
            % {"class": matter_class.title, "problem": matter_class.root_problem},
            "category": matter_class.category,
            "channel": channel,
            "request_type": request_type,
            "received_at": timezone.now(),
            "neighbourhood": estate.neighbourhood,
            "estate": estate,
            "building": building,
        },
    )
