"""The similarity index and the links it produces. Everything here is idempotent and safe with several workers.

A new case is indexed (tokens → Term/Posting rows) and then compared through the index: one grouped query over
the postings of its most distinctive tokens returns the best candidates, to which the open cases of the same estate
are added; only those few candidates' vectors are loaded and scored exactly.
"""

import contextlib
import functools
import io
import math
import os
from dataclasses import dataclass, field, fields

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from cases.models import OPEN_STATUSES, Case
from matters import parallel, text
from matters.models import CaseLink, CaseSignature, IndexStats, LinkKind, LinkStatus, Posting, Term
from places.models import Building, Estate, HousingType

# A new case is compared through the postings of its rarest tokens: rarest first, as many as POSTING_BUDGET
# postings allow (at most QUERY_TERMS tokens, at most POSTINGS_PER_TERM postings of a token, its heaviest). The
# POOL cases sharing most weight through those postings are then scored exactly (cosine over all the case's
# tokens) and the best CANDIDATES kept. The work per case is bounded whatever the index size; bench/similarity.py
# measures what it costs in recall against an exhaustive scoring (rarest-first found the exact top 10 where the
# heaviest tokens' truncated lists missed long texts: their weights are too small to rank in a common token's list).
# Measured (recall@10 against exhaustive scoring, 150 indexed cases of a 10,000-case index): 64 tokens within
# 8,000 postings 0.969; 96 within 12,000 0.989; 96 within 16,000 0.999, for 1-2 ms more a case; at a million cases
# the candidate query then takes 5-8 ms more (p50 16 → 21 ms). With 24 tokens recall at 10,000 was 0.825.
POSTING_BUDGET = 16_000
QUERY_TERMS = 96  # binds on small indexes only: on large ones the budget binds first
POSTINGS_PER_TERM = settings.MATTERS_POSTINGS_PER_TERM
POOL = 300
CANDIDATES = 50
PLACE_CANDIDATES = 30
MIN_TEXT = 0.08  # below this cosine no pair is linked, whatever else they share

# Thresholds on the cosine of the place-free text (see README, "Similar cases").
MATTER_TEXT = 0.20
# Two categories: a link must rest on more than the generic words two problems share (物业 无人 电梯: an elevator
# case and a property-company case of one estate are not one matter, nor one class, at 0.27-0.41).
MATTER_TEXT_OTHER_CATEGORY = 0.40
MATTER_TEXT_SAME_CATEGORY = 0.08
MATTER_TEXT_NO_PLACE = 0.55
# Texts sharing only an area (a road, a town, a district's lake) or a generically named organisation (经济学院)
# need more text in common than texts sharing an estate or a named organisation: many different problems lie
# along one road. And the commoner the shared name, the more text: COMMON_NAME_TEXT more for the commonest
# (name_rarity 0), none for one only these two texts name.
MATTER_TEXT_AREA = 0.40
COMMON_NAME_TEXT = 0.15
CLASS_TEXT = 0.45
CLASS_TEXT_SAME_CATEGORY = 0.12
TEXT_PLACE_BONUS = 0.5  # measured: bench/similarity.py ranks the same-matter list this way
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


def indexed_count() -> int:
    """How many cases the index holds."""
    stats = IndexStats.objects.filter(pk=1).values_list("documents", flat=True).first()
    return stats or 0


def _count_documents(added: int) -> None:
    """Add to the index's document count. Last in a transaction, so the single counter row is locked for as
    short a time as possible."""
    if not IndexStats.objects.filter(pk=1).update(documents=F("documents") + added):
        IndexStats.objects.get_or_create(pk=1)
        IndexStats.objects.filter(pk=1).update(documents=F("documents") + added)


@transaction.atomic
def signature_refresh(*, case: Case, force: bool = False) -> tuple[CaseSignature, bool]:
    """Index the case's text if it changed since it was last indexed; returns (signature, changed)."""
    digest = case_content_hash(case)
    # One worker at a time per case: the second waits here and then finds the work done. (Locking first saves a
    # query and a vector decoding when the signature exists, the usual case.)
    signature = CaseSignature.objects.select_for_update(no_key=True).filter(pk=case.pk).first()
    if signature is None:  # a new case: one statement, whichever worker comes first
        CaseSignature.objects.bulk_create([CaseSignature(case_id=case.pk, content_hash="")], ignore_conflicts=True)
        signature = CaseSignature.objects.select_for_update(no_key=True).get(pk=case.pk)
    now = timezone.now()
    if signature.content_hash == digest and not force:
        if signature.computed_at < case.updated_at:
            CaseSignature.objects.filter(pk=case.pk).update(computed_at=now)
        return signature, False

    places = text.registry_place_names()
    bag, keys = text.read(case.title, case.description, places, case.estate.name if case.estate_id else "")
    new_terms, old_terms = set(bag), set(signature.vector)
    added, removed = new_terms - old_terms, old_terms - new_terms
    new_names, old_names = set(map(name_term, keys)), set(map(name_term, signature.places or ()))
    increments = {**dict.fromkeys(added, 1), **dict.fromkeys(removed, -1)}
    increments.update({**dict.fromkeys(new_names - old_names, 1), **dict.fromkeys(old_names - new_names, -1)})
    terms, dfs = _add_terms(increments)
    unchanged = new_terms - added
    if unchanged:
        for token, pk, df in Term.objects.filter(text__in=unchanged).values_list("text", "id", "df"):
            terms[token], dfs[token] = pk, df
    first_time = not signature.content_hash
    # Weigh against the index without this case (weigh() adds it back): df - 1, and the count before it joined.
    documents = indexed_count() - (0 if first_time else 1)
    vector = text.weigh(bag, {t: df - 1 for t, df in dfs.items()}, documents)

    Posting.objects.filter(case_id=case.pk).delete()
    Posting.objects.bulk_create(
        [Posting(term_id=terms[t], case_id=case.pk, weight=w) for t, w in vector.items()], batch_size=500
    )
    signature.content_hash, signature.vector, signature.computed_at = digest, vector, now
    signature.places = keys
    signature.save()
    if first_time:
        _count_documents(1)
    return signature, True


def pick_query_terms(terms: list[tuple[int, float, int]]) -> list[tuple[float, int]]:
    """From (document frequency, weight, term id): the rarest tokens (then the heaviest, then the oldest) whose
    postings fit in POSTING_BUDGET, at least one and at most QUERY_TERMS, as (weight, term id)."""
    picked, cost = [], 0
    for df, weight, pk in sorted(terms, key=lambda term: (term[0], -term[1], term[2])):
        read = min(df, POSTINGS_PER_TERM)
        if picked and (len(picked) == QUERY_TERMS or cost + read > POSTING_BUDGET):
            break
        picked.append((weight, pk))
        cost += read
    return picked


def candidates(case: Case, vector: dict[str, float], *, limit: int | None = None) -> list[tuple[int, float]]:
    """The cases most similar to `vector` with their cosine: the POOL sharing most weight through the postings of
    its query tokens, scored exactly, best first. One statement, the same on SQLite and PostgreSQL (the postings'
    index on term, weight descending, case serves the first step; their key on case, term the second)."""
    rows = Term.objects.filter(text__in=list(vector)).values_list("id", "text", "df") if vector else []
    weights = [(pk, vector[token]) for pk, token, _ in rows]  # every indexed token's (term id, weight)
    picked = pick_query_terms([(df, vector[token], pk) for pk, token, df in rows])
    if not picked:
        return []
    table = connection.ops.quote_name(Posting._meta.db_table)
    arms, params = [], []
    for number, (weight, term_id) in enumerate(picked):
        arms.append(
            f"SELECT case_id, weight * %s AS score FROM (SELECT case_id, weight FROM {table} WHERE term_id = %s "
            f"ORDER BY weight DESC, case_id LIMIT %s) AS term{number}"
        )
        params += [weight, term_id, POSTINGS_PER_TERM]
    values = ", ".join(["(%s, CAST(%s AS double precision))"] * len(weights))
    # `term_id + 0`: read each pooled case's postings through the key, never a token's through the term index.
    sql = (
        f"WITH q (term_id, weight) AS (VALUES {values}), "
        f"pool AS (SELECT case_id FROM ({' UNION ALL '.join(arms)}) AS hits WHERE case_id <> %s "
        f"GROUP BY case_id ORDER BY {_rounded('SUM(score)')} DESC, case_id LIMIT %s) "
        f"SELECT p.case_id, SUM(p.weight * q.weight) FROM {table} AS p JOIN q ON p.term_id + 0 = q.term_id "
        "WHERE p.case_id IN (SELECT case_id FROM pool) "
        f"GROUP BY p.case_id ORDER BY {_rounded('SUM(p.weight * q.weight)')} DESC, p.case_id LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner overestimates this statement and compiles it (measured at 1M cases: 20-30 ms of JIT
            # for 15 ms of work). SET LOCAL lasts until the transaction ends.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [*(v for pair in weights for v in pair), *params, case.pk or 0, POOL, limit or CANDIDATES])
        return [(case_id, score) for case_id, score in cursor.fetchall()]


# Scores are compared in units of 10⁻⁹ (rounded half up): equal texts then tie exactly whatever order a sum was
# taken in, and the smaller case id goes first (here and in matters.bulk alike). In floating point, not NUMERIC:
# converting the 5,000 pooled sums to NUMERIC cost about 4 ms a statement at 1M (EXPLAIN ANALYZE).
SCORE_UNIT = 1e9


def _rounded(sql: str) -> str:
    return f"ROUND(({sql}) * {SCORE_UNIT:.0f})"


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
    similarity: float = 0.0  # the cosine of the two texts


@dataclass(frozen=True, slots=True)
class Facts:
    """What relate() and judge() read of a case: its place, category and building, without its text."""

    id: int
    category_id: int | None
    category: str  # the category's display name, for the reasons
    estate_id: int | None
    building_id: int | None
    address: str
    housing_type: str  # the estate's housing type, displayed
    elevator_age: int | None

    @classmethod
    def of(cls, case: Case, category: str | None = None) -> "Facts":
        """From a case loaded with its estate and building (and its category, unless `category` is given)."""
        estate, building = case.estate if case.estate_id else None, case.building if case.building_id else None
        return cls(
            id=case.pk or 0,
            category_id=case.category_id,
            category=str(case.category) if category is None and case.category_id else category or "",
            estate_id=case.estate_id,
            building_id=case.building_id,
            address=case.address or "",
            housing_type=_housing(estate.housing_type if estate else None),
            elevator_age=building.elevator_age if building else None,
        )


def _housing(housing_type: str | None) -> str:
    """An estate's housing type as judged and displayed ("" without an estate)."""
    return str(HousingType(housing_type).label) if housing_type else ""


# The reasons a link gives, translated once per language (explaining 70,000 links, gettext itself was a
# quarter of the time).
REASON_TEXTS = {
    "building": gettext_noop("同一楼栋"),
    "estate": gettext_noop("同一小区"),
    "text_place": gettext_noop("诉求提到同一地点"),
    "category": gettext_noop("同类: %(category)s"),
    "text": gettext_noop("文本相近 %(score).2f: %(terms)s"),
    "profile": gettext_noop("楼栋条件相同: %(type)s, 电梯 %(age)s 年"),
}


@functools.lru_cache(maxsize=16)
def _reason_texts(language: str | None) -> dict[str, str]:
    return {key: _(text) for key, text in REASON_TEXTS.items()}  # `language` is the active one


NEITHER, SAME_MATTER, SAME_CLASS = 0, 1, 2  # relate()'s kinds
KINDS = {SAME_MATTER: LinkKind.SAME_MATTER, SAME_CLASS: LinkKind.SAME_CLASS}


@dataclass(frozen=True)
class Columns:
    """The facts of many cases, one numpy array a fact, for judging many pairs at once (relate())."""

    category: np.ndarray  # category id, -1 for none
    estate: np.ndarray  # estate id, 0 for none
    building: np.ndarray  # building id, 0 for none
    address: np.ndarray  # the address, "" for none
    housing: np.ndarray  # the estate's housing type as displayed, "" without an estate
    age: np.ndarray  # the building's elevator age, NaN when unknown

    @classmethod
    def of(cls, facts: list[Facts]) -> "Columns":
        return cls(
            category=np.array([-1 if f.category_id is None else f.category_id for f in facts], np.int64),
            estate=np.array([f.estate_id or 0 for f in facts], np.int64),
            building=np.array([f.building_id or 0 for f in facts], np.int64),
            address=np.array([f.address for f in facts], object),
            housing=np.array([f.housing_type for f in facts], object),
            age=np.array([np.nan if f.elevator_age is None else f.elevator_age for f in facts], np.float64),
        )

    def take(self, rows: np.ndarray) -> "Columns":
        return Columns(*(getattr(self, f.name)[rows] for f in fields(self)))


def place_codes(same_text_places) -> np.ndarray:
    """The codes of place_relation() as relate() takes them: 2 (same estate or organisation), 1 (same area), 0
    (different places), -1 (None)."""
    return np.array([-1 if same is None else int(same) for same in same_text_places], np.int8)


@dataclass(frozen=True)
class Relations:
    """How pairs of cases relate, one array entry a pair: the kind relate() decided, the score, and what the
    reasons say."""

    kind: np.ndarray  # NEITHER, SAME_MATTER or SAME_CLASS
    score: np.ndarray
    similarity: np.ndarray
    same_building: np.ndarray
    same_place: np.ndarray  # same estate, or same address where the case has no estate
    text_place: np.ndarray
    same_category: np.ndarray
    alike: np.ndarray
    age: np.ndarray  # the younger elevator age of the two (when alike)

    def match(self, pair: int, case: Facts, other_id: int, shared: list[str] = ()) -> "Match | None":
        """Pair `pair` as a Match of `case` with its reasons (`shared`: the words the texts share most), or None
        when they are neither the same matter nor the same class."""
        kind = int(self.kind[pair])
        if kind == NEITHER:
            return None
        score, similarity = float(self.score[pair]), float(self.similarity[pair])
        says = _reason_texts(get_language())
        reasons = []
        if self.same_building[pair]:
            reasons.append(says["building"])
        elif self.same_place[pair]:
            reasons.append(says["estate"])
        elif self.text_place[pair]:
            reasons.append(says["text_place"])
        if self.same_category[pair]:
            reasons.append(says["category"] % {"category": case.category})
        if similarity >= 0.05 and shared:
            reasons.append(says["text"] % {"score": similarity, "terms": " ".join(shared)})
        if self.alike[pair]:
            reasons.append(says["profile"] % {"type": case.housing_type, "age": int(self.age[pair])})
        return Match(other_id, KINDS[kind], score, reasons, similarity)


def relate(
    mine: Columns, other: Columns, similarity, same_text_place: np.ndarray, name_rarity: np.ndarray | None = None
) -> Relations:
    """Decide for pairs of cases (mine[i], other[i]) with text cosine similarity[i] whether each is the same
    matter, the same class of matter, or neither, and score it. `same_text_place`: whether their texts name the
    same place (place_codes()); it counts unless both cases have an estate (the estates decide) or one has an
    address and no estate (the address decides): a case's registry estate is one of its names (text.with_estate),
    so that a text naming estate X is not about a case registered at estate Y; `name_rarity`: how rare
    the name they share is (place_relation(); 1 when not given). One set of rules for a pair (judge()) and for
    a hundred thousand (matters.bulk), on numpy arrays."""
    similarity = np.asarray(similarity, np.float64)
    rarity = np.ones(len(similarity)) if name_rarity is None else np.asarray(name_rarity, np.float64)
    has_estate, has_address, has_building = mine.estate != 0, mine.address.astype(bool), mine.building != 0
    same_building = has_building & (mine.building == other.building)
    same_estate = has_estate & (mine.estate == other.estate)
    same_address = ~has_estate & has_address & (mine.address == other.address)
    other_building = has_building & (other.building != 0) & ~same_building
    same_category = mine.category == other.category
    other_estate, other_address = other.estate != 0, other.address.astype(bool)
    by_names = ~(has_estate & other_estate) & ~(~has_estate & has_address) & ~(~other_estate & other_address)
    text_place = by_names & (same_text_place >= 1)
    # Unknown ages are NaN, and no comparison with NaN holds.
    alike = (np.abs(mine.age - other.age) <= ELEVATOR_AGE_TOLERANCE) & (mine.housing == other.housing)
    alike &= ~same_building
    place_bonus = TEXT_PLACE_BONUS * rarity * text_place
    score = similarity + 0.15 * same_category + 0.1 * same_building + 0.05 * alike + place_bonus
    at_same_place = (same_building | same_estate | same_address) & ~other_building
    near_duplicate = (similarity >= MATTER_TEXT_NO_PLACE) & (same_text_place != 0)
    place_matter = (similarity >= MATTER_TEXT_OTHER_CATEGORY) | (
        same_category & (similarity >= MATTER_TEXT_SAME_CATEGORY)
    )
    # A shared estate or named organisation, else an area: the rarer the name, the less text it needs.
    needed = np.where(same_text_place == 2, MATTER_TEXT, MATTER_TEXT_AREA) + COMMON_NAME_TEXT * (1 - rarity)
    text_matter = near_duplicate | (text_place & (similarity >= needed - 1e-12))
    matter = (at_same_place & place_matter) | (by_names & text_matter)
    in_class = (similarity >= CLASS_TEXT) | (same_category & (similarity >= CLASS_TEXT_SAME_CATEGORY))
    return Relations(
        kind=np.where(matter, SAME_MATTER, np.where(in_class, SAME_CLASS, NEITHER)),
        score=np.round(np.minimum(score, 1.0), 3),
        similarity=similarity,
        same_building=same_building,
        same_place=same_estate | same_address,
        text_place=text_place,
        same_category=same_category,
        alike=alike,
        age=np.fmin(mine.age, other.age),
    )


def judge(
    case: Facts,
    other: Facts,
    similarity: float,
    shared: list[str] = (),
    same_text_place: int | None = None,
    name_rarity: float = 1.0,
) -> Match | None:
    """Decide whether two cases are the same matter, the same class of matter, or neither, and say why.
    `same_text_place`: how the names their texts mention compare (place_relation()), with the rarity of the name
    they share (place_relation()); it counts only for cases without an estate or address."""
    relations = relate(
        Columns.of([case]), Columns.of([other]), [similarity], place_codes([same_text_place]), [name_rarity]
    )
    return relations.match(0, case, other.id, shared)


def best(case_ids: np.ndarray, other_ids: np.ndarray, relations: Relations) -> np.ndarray:
    """The pairs each case keeps: its best MAX_SAME_MATTER same-matter and MAX_SAME_CLASS same-class ones (by
    score, then the smaller other id), as positions in the arrays, a case's same-matter ones first."""
    kind = relations.kind
    order = np.lexsort((other_ids, -relations.score, kind, case_ids))
    order = order[kind[order] != NEITHER]
    rank = group_ranks(case_ids[order] * 3 + kind[order])
    limit = np.where(kind[order] == SAME_MATTER, MAX_SAME_MATTER, MAX_SAME_CLASS)
    return order[rank < limit]


def group_ranks(groups: np.ndarray) -> np.ndarray:
    """Each entry's position within its run of equal values (`groups` sorted, so that equal ones are adjacent)."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


# A place name's document frequency is kept in the index as a term of its own, NAME_PREFIX + the name (no text
# token holds a colon), so that each path reads the same count. Below NAME_DOCUMENTS documents an index says
# little about how common a name is: it counts as that many.
NAME_PREFIX = "名:"
NAME_DOCUMENTS = 1000


def name_term(name: str) -> str:
    return (NAME_PREFIX + name)[:40]


def name_rarity(df: int, documents: int) -> float:
    """How rare a name is, from 1 (one case names it) towards 0 (every case does): its IDF over the cases' names,
    scaled to the largest IDF of the index."""
    documents = max(documents, NAME_DOCUMENTS)
    return min(1.0, max(0.0, math.log((documents + 1) / (max(df, 1) + 1)) / math.log((documents + 1) / 2)))


def name_frequencies(name_sets) -> dict[str, int]:
    """The document frequency of every name in these sets, by name_term()."""
    wanted = sorted({name_term(name) for names in name_sets for name in names})
    found = {}
    for start in range(0, len(wanted), 5000):
        found.update(Term.objects.filter(text__in=wanted[start : start + 5000]).values_list("text", "df"))
    return found


def place_relation(
    mine, theirs, frequencies: dict[str, int], documents: int, estates: frozenset[str] = frozenset()
) -> tuple[int | None, float]:
    """How the names two texts mention compare (text.compare_names) and the rarity of the rarest name they share
    (name_rarity; 0 when they share none). `estates`: the registry's estate names (text.compare_names)."""
    code, names = text.compare_names(mine, theirs, estates)
    if code < 0:
        return None, 0.0
    rarity = max((name_rarity(frequencies.get(name_term(n), 1), documents) for n in names), default=0.0)
    return code, rarity


def names_decide(mine: Facts, other: Facts) -> bool:
    """Whether the names of two cases decide whether they are at one place (relate()): not when both have an
    estate (the estates do), nor when one has an address and no estate (the address does)."""
    return not (mine.estate_id and other.estate_id) and not any(
        facts.address and not facts.estate_id for facts in (mine, other)
    )


OTHER_FIELDS = (
    "id",
    "category_id",
    "estate_id",
    "building_id",
    "address",
    "estate__housing_type",
    "building__elevator_count",
    "building__elevators_installed_year",
)


def find_matches(case: Case, vector: dict[str, float], places: list[str] = ()) -> list[Match]:
    """Judge the candidates of `case` and keep the best of each kind."""
    similarities = dict(candidates(case, vector))
    at_place = [pk for pk in _place_candidate_ids(case) if pk not in similarities]
    vectors, other_places = {}, {}
    for pk, other_vector, keys in CaseSignature.objects.filter(case_id__in=at_place).values_list(
        "case_id", "vector", "places"
    ):
        similarities[pk], vectors[pk], other_places[pk] = text.cosine(vector, other_vector), other_vector, keys
    near = [pk for pk, similarity in similarities.items() if similarity >= MIN_TEXT]
    if not near:
        return []
    mine = Facts.of(case)
    # Only the fields relate() reads of the other cases, as rows (not their long descriptions, nor model objects).
    others = [
        Facts(pk, category_id, "", estate_id, building_id, address or "", _housing(housing), Building.age_of(n, year))
        for pk, category_id, estate_id, building_id, address, housing, n, year in Case.objects.filter(
            pk__in=near
        ).values_list(*OTHER_FIELDS)
    ]
    if not others:
        return []
    other_ids = np.array([other.id for other in others], np.int64)
    # The names count only where they decide (names_decide(): not between two cases at estates, nor where an
    # address does), and only when this case has some (its registry estate's name is one): the names, their
    # counts and the registry are read only then.
    named = {other.id for other in others if names_decide(mine, other)} if places else set()
    frequencies, documents, estates = {}, 0, frozenset()
    if named:
        missing = [pk for pk in named if pk not in other_places]
        other_places.update(CaseSignature.objects.filter(case_id__in=missing).values_list("case_id", "places"))
        frequencies = name_frequencies([places, *(other_places.get(pk, ()) for pk in named)])
        documents, estates = indexed_count(), text.registry_estate_names()
    places = set(places)
    compared = [
        place_relation(places, set(other_places.get(other.id, ())), frequencies, documents, estates)
        if other.id in named
        else (None, 0.0)
        for other in others
    ]
    relations = relate(
        Columns.of([mine]),  # one row: numpy pairs it with every other case
        Columns.of(others),
        [similarities[other.id] for other in others],
        place_codes([code for code, _rarity in compared]),
        [rarity for _code, rarity in compared],
    )
    kept = best(np.zeros(len(others), np.int64), other_ids, relations).tolist()
    # Explain only what is kept: the shared words and the reasons cost more than the decision.
    wanted = [others[pair].id for pair in kept if others[pair].id not in vectors]
    vectors.update(CaseSignature.objects.filter(case_id__in=wanted).values_list("case_id", "vector"))
    return [
        relations.match(pair, mine, others[pair].id, text.shared_terms(vector, vectors.get(others[pair].id, {})))
        for pair in kept
    ]


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
def signatures_bulk(cases: list[Case], *, clear: bool = True) -> int:
    """Index many never-indexed cases at once (imports, `flag_similar --all`): the same weights as one by one,
    with one statement per table instead of one per case. Cases indexed meanwhile by a worker are skipped.
    `clear`: first delete postings a deleted signature left behind (postings_rebuilt() has done it already)."""
    done = set(CaseSignature.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    cases = [c for c in cases if c.pk not in done]
    if not cases:
        return 0
    if connection.vendor == "postgresql":
        # Do not wait for this transaction's WAL flush: a crash can lose it, never corrupt it, and the sweep
        # indexes whatever it lost again. (Measured: a seventh of bulk indexing was waiting for COMMIT.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    places = text.registry_place_names()
    estates = dict(Estate.objects.filter(pk__in={c.estate_id for c in cases if c.estate_id}).values_list("pk", "name"))
    texts = [(c.title, c.description, estates.get(c.estate_id, "")) for c in cases]
    read = dict(zip([c.pk for c in cases], read_texts(texts, places), strict=True))
    bags = {pk: bag for pk, (bag, _) in read.items()}
    increments: dict[str, int] = {}
    for bag in bags.values():
        for token in set(bag):
            increments[token] = increments.get(token, 0) + 1
    for _bag, keys in read.values():  # the names' document frequencies (name_rarity)
        for name in set(map(name_term, keys)):
            increments[name] = increments.get(name, 0) + 1
    ids, dfs = _add_terms(increments)
    documents = indexed_count() + len(cases)
    now = timezone.now()
    signatures, postings = [], []
    for case in cases:
        vector = text.weigh(bags[case.pk], {t: dfs[t] - 1 for t in set(bags[case.pk])}, documents - 1)
        signatures.append(
            CaseSignature(
                case_id=case.pk,
                content_hash=case_content_hash(case),
                vector=vector,
                places=read[case.pk][1],
                computed_at=now,
            )
        )
        postings += [(ids[t], case.pk, w) for t, w in vector.items()]
    CaseSignature.objects.bulk_create(signatures, batch_size=1000)
    if clear:
        Posting.objects.filter(case_id__in=[c.pk for c in cases]).delete()  # leftovers of a deleted signature
    _insert_postings(postings)
    _count_documents(len(cases))
    return len(cases)


def read_texts(texts: list[tuple[str, ...]], places: list[str]) -> list[tuple[list[str], list[str]]]:
    """The tokens and place keys of many (title, description[, registry estate name]) texts: on every CPU for
    more than 1,000 texts (segmenting the words is most of indexing a big import)."""
    size = max(1000, -(-len(texts) // (os.cpu_count() or 1)))
    parallel.shared["places"] = places
    try:
        parts = parallel.run(_read_texts, [texts[start : start + size] for start in range(0, len(texts), size)])
        return [read for part in parts for read in part]
    finally:
        del parallel.shared["places"]


def _read_texts(texts: list[tuple[str, ...]]) -> list[tuple[list[str], list[str]]]:
    places = parallel.shared["places"]
    return [text.read(title, body, places, *estate) for title, body, *estate in texts]


# From this many never-indexed cases on, when they also outnumber the indexed ones (a first big import), bulk
# indexing on PostgreSQL drops the postings' key and index and builds them again at the end. Measured at 100,000
# cases: 6.2 million postings took 43 s to insert into the indexed table, 11 s to insert and then index.
REBUILD_FROM = 20_000


@contextlib.contextmanager
def postings_rebuilt(fresh: list[int]):
    """Around indexing the never-indexed cases `fresh`: yields whether the postings' key and index were dropped
    for the duration (then the caller must not delete postings: there is no index to find them by). All of it
    is one transaction, so a failure restores them; meanwhile other workers' writes to the postings wait."""
    if connection.vendor != "postgresql" or len(fresh) < REBUILD_FROM or len(fresh) < indexed_count():
        yield False
        return
    with transaction.atomic():
        for start in range(0, len(fresh), 5000):  # what a deleted signature left behind, found through the key
            Posting.objects.filter(case_id__in=fresh[start : start + 5000]).delete()
        with postings_unindexed():
            yield True


@contextlib.contextmanager
def postings_unindexed():
    """PostgreSQL: drop the postings' key and index for the duration of a bulk write, and build them once after
    it, in one transaction (a failure restores them; meanwhile other writes to the postings wait)."""
    table = Posting._meta.db_table
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [table],
            )
            key, key_definition = cursor.fetchone()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s", [table, key]
            )
            indexes = cursor.fetchall()
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(key)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(key)} {key_definition}")
            for _, definition in indexes:
                cursor.execute(definition)


def analyze_tables() -> None:
    """Refresh PostgreSQL's planner statistics of the tables the linking queries read. After a bulk import and
    index they are missing or stale until autovacuum gets to them (never, where it is off), and the planner then
    misjudges the same-place query (measured at 100k cases: 14 ms a case before, 2 ms after). Same results.
    Outside a transaction it also vacuums the postings, so that the candidate query reads their index alone
    (an index-only scan needs the table's visibility map)."""
    if connection.vendor != "postgresql":
        return
    quoted = [connection.ops.quote_name(model._meta.db_table) for model in (Case, CaseSignature, Term, Posting)]
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("ANALYZE " + ", ".join(quoted))
            return
        cursor.execute("ANALYZE " + ", ".join(quoted[:-1]))
        cursor.execute("VACUUM (ANALYZE) " + quoted[-1])


def _add_terms(increments: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Add `increments` (+1 for a case that gains a token, -1 for one that loses it; never below 0) to the
    tokens' document frequencies, creating the tokens the index lacks; returns each token's id and new frequency.
    Rows are locked in one order (by text), so that workers indexing at the same time never deadlock."""
    names = sorted(increments)
    ids, dfs = {}, {}
    if not names:
        return ids, dfs
    if connection.vendor == "postgresql" and min(increments.values()) > 0:
        # One upsert a chunk (create, lock, add, read back) instead of the ORM's four statements with IN lists.
        # Only when every count grows (indexing new cases): the row it would insert holds GREATEST(n, 0), so a
        # decrement there was lost (an edited case's dropped tokens and names kept their counts); an edit takes
        # the statements below, which lock the same rows in the same order.
        table = connection.ops.quote_name(Term._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(names), 50_000):
                chunk = names[start : start + 50_000]
                cursor.execute(
                    f"INSERT INTO {table} AS t (text, df) SELECT text, GREATEST(n, 0) "
                    "FROM unnest(%s::varchar(40)[], %s::integer[]) AS u (text, n) ORDER BY text "
                    "ON CONFLICT (text) DO UPDATE SET df = GREATEST(t.df + EXCLUDED.df, 0) RETURNING id, text, df",
                    [chunk, [increments[token] for token in chunk]],
                )
                for pk, token, df in cursor.fetchall():
                    ids[token], dfs[token] = pk, df
        return ids, dfs
    gained = [token for token in names if increments[token] > 0]
    for start in range(0, len(gained), 5000):
        Term.objects.bulk_create([Term(text=t) for t in gained[start : start + 5000]], ignore_conflicts=True)
    for start in range(0, len(names), 5000):
        list(
            Term.objects.select_for_update(no_key=True)
            .filter(text__in=names[start : start + 5000])
            .order_by("text")
            .values_list("id")
        )
    by_count: dict[int, list[str]] = {}
    for token, count in increments.items():
        by_count.setdefault(count, []).append(token)
    for count, tokens in by_count.items():
        for start in range(0, len(tokens), 5000):
            Term.objects.filter(text__in=tokens[start : start + 5000]).update(df=Greatest(F("df") + count, 0))
    for start in range(0, len(names), 5000):
        for pk, token, df in Term.objects.filter(text__in=names[start : start + 5000]).values_list("id", "text", "df"):
            ids[token], dfs[token] = pk, df
    return ids, dfs


def _insert_postings(rows: list[tuple[int, int, float]], chunk: int = 1000) -> None:
    """Write postings without building a model instance per row (the bulk path writes ~80 rows per case):
    COPY on PostgreSQL (measured: most of bulk indexing was these inserts), multi-row INSERTs elsewhere."""
    table = connection.ops.quote_name(Posting._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = io.StringIO("".join(f"{term}\t{case}\t{weight!r}\n" for term, case, weight in rows))
            cursor.copy_expert(f"COPY {table} (term_id, case_id, weight) FROM STDIN", data)
            return
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s)"] * len(part))
            params = [value for row in part for value in row]
            cursor.execute(f"INSERT INTO {table} (term_id, case_id, weight) VALUES {values}", params)
