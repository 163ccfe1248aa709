"""The similarity index and the links it produces. Everything here is idempotent and safe with several workers.

A new case is indexed (tokens → Term/Posting rows) and then compared through the index: one grouped query over
the postings of its most distinctive tokens returns the best candidates, to which the open cases of the same estate
are added; only those few candidates' vectors are loaded and scored exactly.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import F, FloatField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import OPEN_STATUSES, Case
from matters import text
from matters.models import CaseLink, CaseSignature, IndexStats, LinkKind, LinkStatus, Posting, Term

# Query through at most this many of a case's tokens, skipping tokens found in more than DF_CAP_RATIO of all
# cases (they say little and their postings are long): bench/similarity.py measures what this costs in recall.
MAX_QUERY_TERMS = 16
DF_CAP_RATIO = 0.02
DF_CAP_MIN = 200
CANDIDATES = 50
PLACE_CANDIDATES = 30
MIN_TEXT = 0.08  # below this cosine no pair is linked, whatever else they share

# Thresholds on the cosine of the place-free text (see README, "Similar cases").
MATTER_TEXT = 0.20
MATTER_TEXT_SAME_CATEGORY = 0.08
MATTER_TEXT_NO_PLACE = 0.55
CLASS_TEXT = 0.30
CLASS_TEXT_SAME_CATEGORY = 0.12
TEXT_PLACE_BONUS = 0.5  # measured: bench/similarity.py ranks the same-matter list this way
SHARED_PLACE_KEYS = 3
MAX_SAME_MATTER = 10
MAX_SAME_CLASS = 20
ELEVATOR_AGE_TOLERANCE = 3


def case_content_hash(case: Case) -> str:
    return text.content_hash(
        case.title,
        case.description,
        case.category_id,
        case.neighbourhood_id,
        case.estate_id,
        case.building_id,
        case.address,
    )


def _documents() -> int:
    stats = IndexStats.objects.filter(pk=1).values_list("documents", flat=True).first()
    return stats or 0


@transaction.atomic
def signature_refresh(*, case: Case, force: bool = False) -> tuple[CaseSignature, bool]:
    """Index the case's text if it changed since it was last indexed; returns (signature, changed)."""
    digest = case_content_hash(case)
    # One worker at a time per case: the second waits here and then finds the work done. (Locking first saves a
    # query and a vector decoding when the signature exists, the usual case.)
    signature = CaseSignature.objects.select_for_update().filter(pk=case.pk).first()
    if signature is None:
        CaseSignature.objects.get_or_create(case_id=case.pk, defaults={"content_hash": ""})
        signature = CaseSignature.objects.select_for_update().get(pk=case.pk)
    now = timezone.now()
    if signature.content_hash == digest and not force:
        if signature.computed_at < case.updated_at:
            CaseSignature.objects.filter(pk=case.pk).update(computed_at=now)
        return signature, False

    places = text.registry_place_names()
    bag = text.tokens(case.title, case.description, places)
    new_terms, old_terms = set(bag), set(signature.vector)
    added, removed = sorted(new_terms - old_terms), sorted(old_terms - new_terms)
    if added:
        Term.objects.bulk_create([Term(text=t) for t in added], ignore_conflicts=True)
    changed_terms = added + removed
    if changed_terms:
        # Lock the rows in one fixed order so that two workers updating overlapping terms never deadlock.
        list(Term.objects.select_for_update().filter(text__in=changed_terms).order_by("text").values_list("id"))
        Term.objects.filter(text__in=added).update(df=F("df") + 1)
        Term.objects.filter(text__in=removed, df__gt=0).update(df=F("df") - 1)
    terms = dict(Term.objects.filter(text__in=new_terms).values_list("text", "id"))
    dfs = dict(Term.objects.filter(text__in=new_terms).values_list("text", "df"))
    first_time = not signature.content_hash
    # Weigh against the index without this case (weigh() adds it back): df - 1, and the count before it joined.
    documents = _documents() - (0 if first_time else 1)
    vector = text.weigh(bag, {t: df - 1 for t, df in dfs.items()}, documents)

    Posting.objects.filter(case_id=case.pk).delete()
    Posting.objects.bulk_create(
        [Posting(term_id=terms[t], case_id=case.pk, weight=w) for t, w in vector.items()], batch_size=500
    )
    signature.content_hash, signature.vector, signature.computed_at = digest, vector, now
    signature.places = text.place_keys(case.title, case.description, places)
    signature.save()
    if first_time:
        # Last, so the single counter row is locked for as short a time as possible.
        IndexStats.objects.get_or_create(pk=1)
        IndexStats.objects.filter(pk=1).update(documents=F("documents") + 1)
    return signature, True


def candidate_ids(case: Case, vector: dict[str, float], *, limit: int = CANDIDATES) -> list[int]:
    """Cases sharing the most weight with `vector`, found through the postings of its most distinctive tokens."""
    if not vector:
        return []
    cap = max(DF_CAP_MIN, int(DF_CAP_RATIO * _documents()))
    rows = Term.objects.filter(text__in=list(vector), df__lte=cap).values_list("id", "text")
    picked = sorted(((vector[t], pk) for pk, t in rows), reverse=True)[:MAX_QUERY_TERMS]
    if not picked:
        return []
    query_weight = SqlCase(*[When(term_id=pk, then=Value(w)) for w, pk in picked], output_field=FloatField())
    scored = (
        Posting.objects.filter(term_id__in=[pk for _, pk in picked])
        .exclude(case_id=case.pk)
        .values("case_id")
        .annotate(score=Sum(F("weight") * query_weight))
        .order_by("-score", "case_id")[:limit]
    )
    return [row["case_id"] for row in scored]


def _place_candidate_ids(case: Case) -> list[int]:
    if case.estate_id:
        same_place = Q(estate_id=case.estate_id)
    elif case.address:
        same_place = Q(neighbourhood_id=case.neighbourhood_id, address=case.address)
    else:
        return []
    # The open cases at the same place: the likely duplicates and co-complaints.
    return list(
        Case.objects.filter(same_place, status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .order_by("-received_at")
        .values_list("pk", flat=True)[:PLACE_CANDIDATES]
    )


@dataclass
class Match:
    other_id: int
    kind: str
    score: float
    reasons: list[str] = field(default_factory=list)


def _elevator_age(case: Case) -> int | None:
    building = case.building
    return None if building is None else building.elevator_age


def _elevator_profile(case: Case) -> tuple[str, int] | None:
    building = case.building
    if building is None or building.elevator_age is None:
        return None
    return case.estate.get_housing_type_display() if case.estate else "", building.elevator_age


def judge(
    case: Case, other: Case, similarity: float, shared: list[str], same_text_place: bool | None = None
) -> Match | None:
    """Decide whether two cases are the same matter, the same class of matter, or neither, and say why.
    `same_text_place`: their texts name the same place (True), different places (False), or one names none
    (None); it counts only for cases without an estate or address."""
    same_building = bool(case.building_id) and case.building_id == other.building_id
    same_estate = bool(case.estate_id) and case.estate_id == other.estate_id
    same_address = not case.estate_id and bool(case.address) and case.address == other.address
    other_building = bool(case.building_id and other.building_id) and not same_building
    same_category = case.category_id == other.category_id
    reasons = []
    no_places = not (case.estate_id or other.estate_id or case.address or other.address)
    text_place = no_places and same_text_place is True
    if same_building:
        reasons.append(_("同一楼栋"))
    elif same_estate or same_address:
        reasons.append(_("同一小区"))
    elif text_place:
        reasons.append(_("诉求提到同一地点"))
    if same_category:
        reasons.append(_("同类: %(category)s") % {"category": case.category})
    if similarity >= 0.05 and shared:
        reasons.append(_("文本相近 %(score).2f: %(terms)s") % {"score": similarity, "terms": " ".join(shared)})

    profile_bonus = 0.0
    # The housing type's display name only when the elevator ages are close (it is the costly part).
    mine_age, their_age = _elevator_age(case), _elevator_age(other)
    alike = False
    if mine_age is not None and their_age is not None and abs(mine_age - their_age) <= ELEVATOR_AGE_TOLERANCE:
        mine, theirs = _elevator_profile(case), _elevator_profile(other)
        alike = mine[0] == theirs[0]
    if alike and not same_building:
        profile_bonus = 0.05
        reasons.append(_("楼栋条件相同: %(type)s, 电梯 %(age)s 年") % {"type": mine[0], "age": min(mine[1], theirs[1])})

    score = similarity + 0.15 * same_category + 0.1 * same_building + profile_bonus + TEXT_PLACE_BONUS * text_place
    score = min(1.0, score)
    score = round(score, 3)
    at_same_place = (same_building or same_estate or same_address) and not other_building
    if at_same_place and (similarity >= MATTER_TEXT or (same_category and similarity >= MATTER_TEXT_SAME_CATEGORY)):
        return Match(other.pk, LinkKind.SAME_MATTER, score, reasons)
    near_duplicate = similarity >= MATTER_TEXT_NO_PLACE and same_text_place is not False
    if no_places and (near_duplicate or (text_place and similarity >= MATTER_TEXT)):
        return Match(other.pk, LinkKind.SAME_MATTER, score, reasons)
    if similarity >= CLASS_TEXT or (same_category and similarity >= CLASS_TEXT_SAME_CATEGORY):
        return Match(other.pk, LinkKind.SAME_CLASS, score, reasons)
    return None


def shares_place(mine: set[str], theirs: set[str]) -> bool | None:
    if not (mine and theirs):
        return None
    return len(mine & theirs) >= SHARED_PLACE_KEYS


OTHER_FIELDS = (
    "id",
    "category_id",
    "estate_id",
    "building_id",
    "address",
    "estate",
    "building",
)


def find_matches(case: Case, vector: dict[str, float], places: list[str] = ()) -> list[Match]:
    """Score the candidates of `case` exactly and keep the best of each kind."""
    ids = list(dict.fromkeys(candidate_ids(case, vector) + _place_candidate_ids(case)))
    if not ids:
        return []
    rows = CaseSignature.objects.filter(case_id__in=ids).values_list("case_id", "vector", "places")
    similarities = {pk: text.cosine(vector, v) for pk, v, _ in rows}
    vectors = {pk: v for pk, v, _ in rows if similarities[pk] >= MIN_TEXT}
    other_places = {pk: set(p) for pk, _, p in rows if pk in vectors}
    places = set(places)
    # Only the fields judge() reads of the other case (not its long description, nor its category).
    others = Case.objects.filter(pk__in=list(vectors)).select_related("estate", "building").only(*OTHER_FIELDS)
    matches = []
    for other in others:
        other_vector = vectors[other.pk]
        similarity = similarities[other.pk]
        same_place = shares_place(places, other_places.get(other.pk, set()))
        match = judge(case, other, similarity, text.shared_terms(vector, other_vector), same_place)
        if match:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.other_id))
    same_matter = [m for m in matches if m.kind == LinkKind.SAME_MATTER][:MAX_SAME_MATTER]
    same_class = [m for m in matches if m.kind == LinkKind.SAME_CLASS][:MAX_SAME_CLASS]
    return same_matter + same_class


@transaction.atomic
def links_refresh(*, case: Case, vector: dict[str, float], places: list[str] = ()) -> int:
    """Store the case's links: upsert the suggestions (one row per ordered pair), keep decided ones as they are,
    drop its suggestions that no longer hold. Returns the number of links the case now has."""
    matches = find_matches(case, vector, places)
    decided = {
        link.other(case.pk)
        for link in CaseLink.objects.involving(case.pk).exclude(status=LinkStatus.SUGGESTED).only("case_a", "case_b")
    }
    rows = [
        CaseLink(
            case_a_id=min(case.pk, m.other_id),
            case_b_id=max(case.pk, m.other_id),
            kind=m.kind,
            score=m.score,
            reasons=m.reasons,
        )
        for m in matches
        if m.other_id not in decided
    ]
    if rows:
        # An upsert: a concurrent worker writing the same pair updates it instead of duplicating it. The status
        # (a staff decision) is never overwritten.
        CaseLink.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["case_a", "case_b"], update_fields=["kind", "score", "reasons"]
        )
    keep = {m.other_id for m in matches}
    stale = [
        link.pk
        for link in CaseLink.objects.involving(case.pk).filter(status=LinkStatus.SUGGESTED).only("case_a", "case_b")
        if link.other(case.pk) not in keep
    ]
    if stale:
        CaseLink.objects.filter(pk__in=stale, status=LinkStatus.SUGGESTED).delete()
    return CaseLink.objects.involving(case.pk).shown().count()


def stale_cases():
    """Cases never indexed, or changed after they were last indexed."""
    return Case.objects.filter(Q(signature__isnull=True) | Q(updated_at__gt=F("signature__computed_at")))


@transaction.atomic
def signatures_bulk(cases: list[Case]) -> int:
    """Index many never-indexed cases at once (imports, `flag_similar --all`): the same weights as one by one,
    with one statement per table instead of one per case. Cases indexed meanwhile by a worker are skipped."""
    done = set(CaseSignature.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    cases = [c for c in cases if c.pk not in done]
    if not cases:
        return 0
    places = text.registry_place_names()
    bags = {c.pk: text.tokens(c.title, c.description, places) for c in cases}
    increments: dict[str, int] = {}
    for bag in bags.values():
        for token in set(bag):
            increments[token] = increments.get(token, 0) + 1
    names = sorted(increments)
    for start in range(0, len(names), 5000):
        chunk = names[start : start + 5000]
        Term.objects.bulk_create([Term(text=t) for t in chunk], ignore_conflicts=True)
        list(Term.objects.select_for_update().filter(text__in=chunk).order_by("text").values_list("id"))
    by_count: dict[int, list[str]] = {}
    for token, count in increments.items():
        by_count.setdefault(count, []).append(token)
    for count, tokens in by_count.items():
        for start in range(0, len(tokens), 5000):
            Term.objects.filter(text__in=tokens[start : start + 5000]).update(df=F("df") + count)
    ids, dfs = {}, {}
    for start in range(0, len(names), 5000):
        for pk, token, df in Term.objects.filter(text__in=names[start : start + 5000]).values_list("id", "text", "df"):
            ids[token], dfs[token] = pk, df
    documents = _documents() + len(cases)
    now = timezone.now()
    signatures, postings = [], []
    for case in cases:
        vector = text.weigh(bags[case.pk], {t: dfs[t] - 1 for t in set(bags[case.pk])}, documents - 1)
        signatures.append(
            CaseSignature(
                case_id=case.pk,
                content_hash=case_content_hash(case),
                vector=vector,
                places=text.place_keys(case.title, case.description, places),
                computed_at=now,
            )
        )
        postings += [(ids[t], case.pk, w) for t, w in vector.items()]
    CaseSignature.objects.bulk_create(signatures, batch_size=1000)
    Posting.objects.filter(case_id__in=[c.pk for c in cases]).delete()  # leftovers of a deleted signature
    _insert_postings(postings)
    IndexStats.objects.get_or_create(pk=1)
    IndexStats.objects.filter(pk=1).update(documents=F("documents") + len(cases))
    return len(cases)


def analyze_tables() -> None:
    """Refresh PostgreSQL's planner statistics of the tables the linking queries read. After a bulk import and
    index they are missing or stale until autovacuum gets to them (never, where it is off), and the planner then
    misjudges the same-place query (measured at 100k cases: 14 ms a case before, 2 ms after). Same results."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Case, CaseSignature, Term, Posting)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


def _insert_postings(rows: list[tuple[int, int, float]], chunk: int = 1000) -> None:
    """Multi-row INSERTs without building a model instance per row (the bulk path writes ~100 rows per case)."""
    table = connection.ops.quote_name(Posting._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s)"] * len(part))
            params = [value for row in part for value in row]
            cursor.execute(f"INSERT INTO {table} (term_id, case_id, weight) VALUES {values}", params)
