"""Reads of the matters app that cross permissions and relations."""

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from cases.models import Case
from matters import progress, reasons, similarity, text
from matters.models import CaseLink, ClassStatus, LinkKind, LinkStatus, MatterClass, Membership
from places.models import Building, Estate, PropertyStatus

# A link's strength in words: from this score on "很相近", else "相近" (the score adds to the texts' cosine what
# they share: category, building, place; a same-matter pair at 0.6 shares most of its words and its place).
VERY_CLOSE = 0.6
SHOWN = 5  # the best links of each kind a case page shows; the rest are behind "更多"
_TEXT_REASON = re.compile(r"^(?:文本相近|Similar text) [0-9.]+: (.+)$")


@dataclass
class SimilarCase:
    link: CaseLink | None
    case: Case
    kind: str
    score: float
    reasons: list[str]

    @property
    def strength(self) -> str:
        return _("很相近") if self.score >= VERY_CLOSE else _("相近")

    @property
    def reasons_in_words(self) -> list[str]:
        """The reasons as a person says them: the shared words without the raw cosine."""
        out = []
        for reason in self.reasons:
            shared = _TEXT_REASON.match(reason)
            out.append(_("都提到：%(words)s") % {"words": "、".join(shared.group(1).split())} if shared else reason)
        return out


def similar_cases(user, case: Case, *, limit: int = 20) -> list[SimilarCase]:
    """The links of `case` to cases `user` may see, best first; rejected pairs are left out."""
    links = list(CaseLink.objects.involving(case.pk).shown().order_by("-score", "pk")[: limit * 3])
    visible = Case.objects.visible_to(user).filter(pk__in=[link.other(case.pk) for link in links])
    others = {c.pk: c for c in visible.select_related("estate", "category__parent")}
    result = [
        SimilarCase(link, others[link.other(case.pk)], link.kind, link.score, reasons.readable(link.reasons))
        for link in links
        if link.other(case.pk) in others
    ]
    return result[:limit]


def class_of(case: Case) -> MatterClass | None:
    membership = (
        Membership.objects.filter(case=case, matter_class__status__in=[ClassStatus.PROPOSED, ClassStatus.CONFIRMED])
        .select_related("matter_class")
        .first()
    )
    return membership.matter_class if membership else None


def preview_matches(user, *, draft: Case, limit: int = 5) -> list[SimilarCase]:
    """Open cases that look like the same matter as an unsaved case being typed (nothing is written)."""
    vector, places, documents = _draft_vector(draft)
    if not vector:
        return []
    draft.pk = 0
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # While a first big import rebuilds the postings' index (similarity.postings_rebuilt, minutes),
                # the form shows no preview rather than wait for it.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
            ids = [pk for pk, _ in similarity.candidates(draft, vector)]
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != "55P03":  # lock_not_available
            raise
        return []
    ids += list(similarity._place_candidate_ids(draft))
    candidates = (
        Case.objects.visible_to(user)
        .open()
        .filter(pk__in=set(ids))
        .select_related("category__parent", "estate", "building", "signature")
    )
    candidates = list(candidates)
    signatures = [getattr(other, "signature", None) for other in candidates]
    # Names count only when the draft names a place (place_relation reads nothing otherwise).
    frequencies, estates = {}, frozenset()
    if places:
        frequencies = similarity.name_frequencies(
            [places, *(set(getattr(s, "places", None) or []) for s in signatures)]
        )
        estates = text.registry_estate_names()
    found, mine = [], similarity.Facts.of(draft)
    # Issue 16: before a place is chosen, a case is judged as if the draft were at its place, so the warning
    # shows while the clerk types the title and description (the neighbourhood, when chosen, still counts).
    unplaced = not (draft.estate_id or draft.address)
    for other in candidates:
        other_vector = getattr(getattr(other, "signature", None), "vector", None) or {}
        score = text.cosine(vector, other_vector)
        other_places = set(getattr(getattr(other, "signature", None), "places", None) or [])
        same_place, rarity = similarity.place_relation(places, other_places, frequencies, documents, estates)
        facts = similarity.Facts.of(other)
        assumed = unplaced and draft.neighbourhood_id in (None, other.neighbourhood_id)
        here = replace(mine, estate_id=facts.estate_id, address=facts.address) if assumed else mine
        match = similarity.judge(here, facts, score, text.shared_terms(vector, other_vector), same_place, rarity)
        if match and match.kind == LinkKind.SAME_MATTER:
            reasons = (
                [*match.reasons, _("地点待确认")] if assumed and (facts.estate_id or facts.address) else match.reasons
            )
            found.append(SimilarCase(None, other, match.kind, match.score, reasons))
    found.sort(key=lambda item: -item.score)
    return found[:limit]


def _draft_vector(draft: Case) -> tuple[dict[str, float], set[str], int]:
    """The draft's weighted tokens, the places it names and how many cases the index holds."""
    from matters.models import Term

    names = text.registry_place_names()
    estate = draft.estate.name if draft.estate_id else ""
    bag, keys = text.read(draft.title, draft.description, names, estate)
    if not bag:
        return {}, set(), 0
    dfs = dict(Term.objects.filter(text__in=set(bag)).values_list("text", "df"))
    documents = similarity.indexed_count()
    return text.weigh(bag, dfs, documents), set(keys), documents


# --- classes -------------------------------------------------------------------------------------


def visible_members(user, matter_class: MatterClass):
    """Member cases `user` may see: all for staff, their own neighbourhood's for a committee member."""
    return Case.objects.visible_to(user).filter(class_memberships__matter_class=matter_class)


def classes_for(user):
    """Classes a person may look at: staff and committee members see every active class."""
    if not (roles.is_staff_member(user) or roles.is_committee_member(user)):
        return MatterClass.objects.none()
    return MatterClass.objects.exclude(status=ClassStatus.MERGED)


def get_class(user, pk: int) -> MatterClass:
    return get_object_or_404(classes_for(user).select_related("category__parent", "method", "team"), pk=pk)


def ranked_classes(user, *, include_dismissed: bool = False) -> list[MatterClass]:
    """Classes ranked by size and by growth this month: the hot problems of the sub-district."""
    month_start = timezone.localdate().replace(day=1)
    since = timezone.make_aware(datetime.combine(month_start, time.min))
    visible = Case.objects.visible_to(user).values("pk")
    qs = classes_for(user)
    if not include_dismissed:
        qs = qs.exclude(status=ClassStatus.DISMISSED)
    qs = qs.select_related("category__parent").annotate(
        size=Count("memberships", distinct=True),
        visible_size=Count("memberships", filter=Q(memberships__case__in=visible), distinct=True),
        growth=Count("memberships", filter=Q(memberships__case__received_at__gte=since), distinct=True),
        done=Count("memberships", filter=progress.done_q("memberships__"), distinct=True),
    )
    return sorted(qs, key=lambda c: (-c.growth, -c.size, -c.pk))


def link_components(pairs) -> list[set[int]]:
    """The connected groups of case ids that `pairs` (a, b) join (union-find with path halving)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for x in parent:
        groups[root(x)].add(x)
    return list(groups.values())


def same_matter_groups(members: list[Case]) -> list[list[Case]]:
    """The open members joined by same-matter links (not rejected): each group one matter, ready to be merged into
    one work order (并单); the earliest received first."""
    open_members = {case.pk: case for case in members if case.is_open}
    pairs = (
        CaseLink.objects.filter(kind=LinkKind.SAME_MATTER, case_a__in=open_members, case_b__in=open_members)
        .exclude(status=LinkStatus.REJECTED)
        .values_list("case_a_id", "case_b_id")
    )
    groups = [[open_members[pk] for pk in group] for group in link_components(pairs)]
    ordered = [sorted(group, key=lambda c: (c.received_at, c.pk)) for group in groups if len(group) > 1]
    return sorted(ordered, key=lambda group: group[0].received_at)


def class_progress(matter_class: MatterClass) -> dict:
    """Members done this year against the target (matters.progress)."""
    members = Membership.objects.filter(matter_class=matter_class)
    count = members.filter(progress.done_q()).count()
    target = matter_class.target_count or 0
    return {
        "done": count,
        "target": target,
        "year": progress.target_year(),
        "members": members.count(),
        "percent": progress.percent(count, target),
    }


def route_board(user, matter_class: MatterClass) -> list[dict]:
    """Each step of the route with the visible member cases standing on it (and those not yet on it)."""
    members = (
        Membership.objects.filter(matter_class=matter_class, case__in=Case.objects.visible_to(user))
        .select_related("case__estate", "case__building", "step")
        .order_by("case__received_at")
    )
    by_step: dict = {}
    for membership in members:
        key = "done" if membership.completed else membership.step_id
        by_step.setdefault(key, []).append(membership)
    columns = [{"step": None, "members": by_step.get(None, [])}]
    columns += [{"step": step, "members": by_step.get(step.pk, [])} for step in matter_class.steps.all()]
    columns.append({"step": "done", "members": by_step.get("done", [])})
    return columns


SCREENING_CALLS_YEARS = 2


def screening_missing(matter_class: MatterClass) -> list[str]:
    """What the class's profile lacks for screening, in words ([] when it is complete)."""
    missing = []
    if not matter_class.category_id:
        missing.append(_("类别"))
    if not (matter_class.min_elevator_age or matter_class.without_property_company):
        missing.append(_("电梯使用年限或“仅无物业小区”"))
    return missing


def screening_candidates(matter_class: MatterClass) -> tuple[list[Building], list[Estate]]:
    """Buildings (when the profile names an elevator age) or estates matching the class's profile that have no
    case of the class's category yet, and are not already members; each with `reasons` (why it is listed, in
    words) and `risk`, riskiest first: older elevators, no property company, no calls lately (a problem nobody
    has reported yet)."""
    if screening_missing(matter_class):
        return [], []
    estates = Estate.objects.select_related("neighbourhood")
    if matter_class.housing_type:
        estates = estates.filter(housing_type=matter_class.housing_type)
    if matter_class.without_property_company:
        estates = estates.exclude(property_status=PropertyStatus.MANAGED)
    with_case = Case.objects.filter(class_memberships__matter_class=matter_class)
    if matter_class.category_id:
        with_case = Case.objects.filter(Q(category_id=matter_class.category_id) | Q(pk__in=with_case.values("pk")))
    since = timezone.now() - timedelta(days=365 * SCREENING_CALLS_YEARS)
    recent = Q(cases__received_at__gte=since)
    if matter_class.min_elevator_age:
        newest_year = timezone.localdate().year - matter_class.min_elevator_age
        buildings = list(
            Building.objects.filter(estate__in=estates, elevator_count__gt=0, elevators_installed_year__lte=newest_year)
            .exclude(pk__in=with_case.filter(building__isnull=False).values("building_id"))
            .select_related("estate__neighbourhood")
            .annotate(calls=Count("cases", filter=recent, distinct=True))
        )
        for building in buildings:
            age, estate = building.elevator_age, building.estate
            unmanaged = estate.property_status != PropertyStatus.MANAGED
            building.reasons = [
                _("电梯 %(age)s 年") % {"age": age},
                estate.get_property_status_display() if unmanaged else _("有物业"),
                _("近 %(years)s 年来电 %(n)s 次") % {"years": SCREENING_CALLS_YEARS, "n": building.calls},
            ]
            building.risk = age + 10 * unmanaged + 5 * (building.calls == 0)
        buildings.sort(key=lambda b: (-b.risk, b.estate.name, b.number))
        return buildings, []
    found = list(
        estates.exclude(pk__in=with_case.filter(estate__isnull=False).values("estate_id")).annotate(
            calls=Count("cases", filter=recent, distinct=True)
        )
    )
    for estate in found:
        unmanaged = estate.property_status != PropertyStatus.MANAGED
        estate.reasons = [
            estate.get_property_status_display(),
            _("近 %(years)s 年来电 %(n)s 次") % {"years": SCREENING_CALLS_YEARS, "n": estate.calls},
        ]
        estate.risk = 10 * unmanaged + 5 * (estate.calls == 0) - min(estate.calls, 5)
    found.sort(key=lambda e: (-e.risk, e.name))
    return [], found


def link_counts() -> dict:
    """Confirmations and rejections per kind, so that thresholds can be checked against staff decisions."""
    rows = CaseLink.objects.values("kind", "status").annotate(n=Count("pk"))
    counts = {kind: dict.fromkeys(LinkStatus.values, 0) for kind in LinkKind.values}
    for row in rows:
        counts[row["kind"]][row["status"]] = row["n"]
    table = []
    for kind in LinkKind:
        c = counts[kind.value]
        decided = c[LinkStatus.CONFIRMED] + c[LinkStatus.REJECTED]
        table.append(
            {
                "kind": kind.label,
                "suggested": c[LinkStatus.SUGGESTED],
                "confirmed": c[LinkStatus.CONFIRMED],
                "rejected": c[LinkStatus.REJECTED],
                "precision": round(100 * c[LinkStatus.CONFIRMED] / decided) if decided else None,
            }
        )
    return {"rows": table, "recent": timezone.now() - timedelta(days=30)}
