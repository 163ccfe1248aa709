"""Flagging many cases at once: after an import, `flag_similar --all`, or a sweep that finds many stale cases.

The task flags one case through the index in the database (matters.similarity). Done a hundred thousand times
that costs a hundred thousand round trips, so this module reaches the same decisions another way: it reads the
index once into a sparse matrix (ps showed about 1.7 GB resident during the 100,000-case run), finds every case's
candidates as the task's query finds them — the POOL cases sharing most weight through the postings of its
query tokens (similarity.pick_query_terms; one matrix product per block of cases), scored exactly, the best
CANDIDATES kept — adds the open cases at the same place, and judges the pairs with the same rules
(`similarity.relate`, `similarity.best`). Worker processes find and explain a chunk of cases' links each while
this one writes the links of the chunks already done; classes are proposed with the same rules
as `services.class_propose_for`, case after case in id order.

A pair is stored once: when both of its cases are flagged here, as the later one (the higher id) finds it, as
flagging them one by one in id order would leave it. Decided links (confirmed, rejected) are never touched.
"""

import functools
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Q
from scipy import sparse

from cases.models import OPEN_STATUSES, Case
from matters import parallel, similarity, text
from matters.models import CaseLink, CaseSignature, LinkStatus, Posting, Term

BLOCK = 1000  # cases per matrix product: bounds the memory of one product
CHUNK = 10_000  # cases per piece of work of one process


@dataclass
class Index:
    ids: np.ndarray  # row → case id (ascending)
    matrix: sparse.csr_matrix  # row × term id: the stored weights (each row L2-normalised)
    query: sparse.csr_matrix  # row × term id: the row's query tokens (similarity.pick_query_terms)
    impact: sparse.csr_matrix  # term id × row: each term's POSTINGS_PER_TERM heaviest postings

    rows: dict[int, int]  # case id → row

    def row(self, case_id: int) -> int:
        return self.rows[case_id]

    def has(self, case_id: int) -> bool:
        return case_id in self.rows


def _postings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = connection.ops.quote_name(Posting._meta.db_table)
    cases, terms, weights = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT case_id, term_id, weight FROM {table}")
        while rows := cursor.fetchmany(100_000):
            columns = np.array(rows, dtype=np.float64).T
            cases.append(columns[0].astype(np.int64))
            terms.append(columns[1].astype(np.int64))
            weights.append(columns[2])
    if not cases:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(cases), np.concatenate(terms), np.concatenate(weights)


def _ranks(groups: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Position of each entry within its group, for entries sorted by `order` (groups ascending)."""
    ranks = np.empty(len(order), np.int64)
    ranks[order] = similarity.group_ranks(groups[order])
    return ranks


def load_index() -> Index:
    case_ids, term_ids, weights = _postings()
    ids, rows = np.unique(case_ids, return_inverse=True)
    shape = (len(ids), int(term_ids.max(initial=0)) + 1)
    matrix = sparse.csr_matrix((weights, (rows, term_ids)), shape=shape)
    # A case's query tokens, as similarity.pick_query_terms picks them: rarest first (then heaviest, then the
    # smaller term id), while their postings fit in the budget, at least one and at most QUERY_TERMS.
    frequencies = np.zeros(shape[1], np.int64)
    for term_id, df in Term.objects.values_list("id", "df").iterator(50_000):
        if term_id < shape[1]:
            frequencies[term_id] = df
    df = frequencies[term_ids]
    by_row = np.lexsort((term_ids, -weights, df, rows))
    rank = _ranks(rows, by_row)[by_row]  # in that order
    cost = np.minimum(df, similarity.POSTINGS_PER_TERM)[by_row]
    spent = np.cumsum(cost)
    first = np.arange(len(by_row)) - rank  # where each entry's case starts
    spent -= spent[first] - cost[first]  # postings read up to each token, counted per case
    keep = np.zeros(len(by_row), bool)
    keep[by_row] = (rank == 0) | ((rank < similarity.QUERY_TERMS) & (spent <= similarity.POSTING_BUDGET))
    query = sparse.csr_matrix((weights[keep], (rows[keep], term_ids[keep])), shape=shape)
    # A term's postings: heaviest first, ties to the smaller case id (as the candidate query orders them).
    by_term = np.lexsort((case_ids, -weights, term_ids))
    keep = _ranks(term_ids, by_term) < similarity.POSTINGS_PER_TERM
    impact = sparse.csr_matrix((weights[keep], (term_ids[keep], rows[keep])), shape=(shape[1], shape[0]))
    rows_of = {case_id: row for row, case_id in enumerate(ids.tolist())}
    return Index(ids=ids, matrix=matrix, query=query, impact=impact, rows=rows_of)


@dataclass
class Registry:
    """What similarity.relate() needs of every case, and the open cases at each place (the same-place candidates)."""

    facts: dict[int, similarity.Facts]
    at_place: dict[tuple, list[int]]  # ("estate", id) or ("address", neighbourhood, address) → open, newest first
    places: dict[int, tuple[str, ...]]  # the place keys of the cases whose names count (not those with an address only)
    neighbourhoods: dict[int, int | None]
    frequencies: dict[str, int]  # name term → document frequency (similarity.name_frequencies)
    documents: int  # the index's case count, for the names' rarity
    estates: frozenset[str]  # the registry's estate names (text.compare_names)

    def same_text_place(self, pk: int, other: int) -> tuple[int | None, float]:
        """similarity.place_relation of two cases' place keys, as find_matches compares them: only where the
        names decide (similarity.names_decide)."""
        facts = self.facts
        if not similarity.names_decide(facts[pk], facts[other]):
            return None, 0.0
        places = self.places
        return similarity.place_relation(
            places.get(pk, ()), places.get(other, ()), self.frequencies, self.documents, self.estates
        )

    def columns(self, ids: np.ndarray) -> similarity.Columns:
        """The facts of these cases as columns (similarity.relate); a case the registry lacks gets empty facts."""
        missing = similarity.Facts(0, None, "", None, None, "", "", None)
        return similarity.Columns.of([self.facts.get(pk, missing) for pk in ids.tolist()])

    def place(self, pk: int) -> tuple | None:
        facts = self.facts[pk]
        if facts.estate_id:
            return ("estate", facts.estate_id)
        if facts.address:
            return ("address", self.neighbourhoods[pk], facts.address)
        return None


def load_registry() -> Registry:
    from cases.models import Category
    from places.models import Building, Estate

    categories = {c.pk: str(c) for c in Category.objects.select_related("parent")}
    housing = {e.pk: e.get_housing_type_display() for e in Estate.objects.only("housing_type")}
    ages = {b.pk: b.elevator_age for b in Building.objects.only("elevator_count", "elevators_installed_year")}
    facts, at_place, neighbourhoods, open_ids = {}, {}, {}, []
    fields = ("pk", "category_id", "estate_id", "building_id", "address", "neighbourhood_id", "status")
    rows = Case.objects.order_by("-received_at", "-pk").values_list(*fields)
    for pk, category_id, estate_id, building_id, address, neighbourhood_id, status in rows.iterator(10_000):
        facts[pk] = similarity.Facts(
            id=pk,
            category_id=category_id,
            category=categories.get(category_id, ""),
            estate_id=estate_id,
            building_id=building_id,
            address=address or "",
            housing_type=housing.get(estate_id, ""),
            elevator_age=ages.get(building_id),
        )
        neighbourhoods[pk] = neighbourhood_id
        if status in OPEN_STATUSES:
            open_ids.append(pk)
    named = CaseSignature.objects.exclude(case__estate__isnull=True, case__address__gt="")
    places = {pk: tuple(keys) for pk, keys in named.values_list("case_id", "places").iterator(10_000) if keys}
    names = Term.objects.filter(text__startswith=similarity.NAME_PREFIX).values_list("text", "df")
    registry = Registry(
        facts=facts,
        at_place=at_place,
        places=places,
        neighbourhoods=neighbourhoods,
        frequencies=dict(names.iterator(50_000)),
        documents=similarity.indexed_count(),
        estates=text.registry_estate_names(),
    )
    for pk in open_ids:  # newest first
        key = registry.place(pk)
        if key is not None:
            at_place.setdefault(key, []).append(pk)
    return registry


def _top(scores: np.ndarray, columns: np.ndarray, ids: np.ndarray, limit: int) -> np.ndarray:
    """The columns of the `limit` best scores, best first, ties (in similarity.SCORE_UNIT) to the smaller case
    id."""
    scores = np.floor(scores * similarity.SCORE_UNIT + 0.5)  # as SQL's ROUND: half away from zero (all are > 0)
    if len(scores) > limit:
        threshold = -np.partition(-scores, limit - 1)[limit - 1]
        keep = np.flatnonzero(scores >= threshold)  # every tie at the limit, to choose among by id below
        scores, columns = scores[keep], columns[keep]
    return columns[np.lexsort((ids[columns], -scores))][:limit]


def _dots(matrix: sparse.csr_matrix, rows: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """matrix[rows] @ dense, read straight from the CSR arrays (scipy's row selection builds a new matrix each
    time: measured, a sixth of finding 100,000 cases' candidates)."""
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    lengths = ends - starts
    if not len(rows) or not lengths.sum():
        return np.zeros(len(rows))
    offsets = np.cumsum(lengths) - lengths  # where each row's products start
    positions = np.arange(lengths.sum()) + np.repeat(starts - offsets, lengths)
    products = dense[matrix.indices[positions]] * matrix.data[positions]
    sums = np.add.reduceat(products, np.minimum(offsets, len(products) - 1))
    return np.where(lengths > 0, sums, 0.0)


def candidate_pairs(case_ids: list[int], index: Index, registry: Registry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidates of these cases as the task finds them (the pool through the query tokens, scored exactly,
    the best CANDIDATES; then the open cases at the same place), as rows of the index: (case rows, candidate
    rows, cosines), only the pairs at MIN_TEXT or above whose cases the registry knows."""
    indexed = [pk for pk in case_ids if pk in registry.facts and index.has(pk)]
    rows = np.array([index.row(pk) for pk in indexed], dtype=np.int64)
    if not len(rows):
        return rows, rows, np.zeros(0)
    scores = (index.query[rows] @ index.impact).tocsr()
    dense = np.zeros(index.matrix.shape[1])  # one case's vector at a time
    pairs_mine, pairs_other, pair_cosines = [], [], []
    for number, pk in enumerate(indexed):
        row = rows[number]
        s, e = scores.indptr[number], scores.indptr[number + 1]
        columns, values = scores.indices[s:e], scores.data[s:e]
        mine = columns != row
        pool = _top(values[mine], columns[mine], index.ids, similarity.POOL)
        newest = registry.at_place.get(registry.place(pk), [])[: similarity.PLACE_CANDIDATES + 1]
        same_place = [other for other in newest if other != pk][: similarity.PLACE_CANDIDATES]
        place_rows = np.array([index.row(o) for o in same_place if index.has(o)], dtype=np.int64)
        # The exact cosine of the pool and of the cases at the same place: their rows times this case's vector.
        s, e = index.matrix.indptr[row], index.matrix.indptr[row + 1]
        dense[index.matrix.indices[s:e]] = index.matrix.data[s:e]
        scored = np.concatenate([pool, place_rows])
        cosines = _dots(index.matrix, scored, dense)
        dense[index.matrix.indices[s:e]] = 0.0
        best = _top(cosines[: len(pool)], np.arange(len(pool)), index.ids[pool], similarity.CANDIDATES)
        cosine_of = dict(zip(scored.tolist(), cosines.tolist(), strict=True))
        others = list(dict.fromkeys([*pool[best].tolist(), *place_rows.tolist()]))
        pairs_mine += [row] * len(others)
        pairs_other += others
        pair_cosines += [cosine_of[other] for other in others]
    mine_rows, other_rows = np.array(pairs_mine, np.int64), np.array(pairs_other, np.int64)
    cosines = np.array(pair_cosines, np.float64)
    known = np.array([pk in registry.facts for pk in index.ids[other_rows].tolist()], bool)
    keep = known & (cosines >= similarity.MIN_TEXT)
    return mine_rows[keep], other_rows[keep], cosines[keep]


class SharedWords:
    """The words two indexed cases share most (text.pick_shared), read from the index's matrix: for the links
    that are kept, as the task explains them."""

    def __init__(self, index: Index):
        self.index = index
        self.vocabulary = dict(Term.objects.values_list("id", "text").iterator(50_000))
        self.vector = functools.lru_cache(maxsize=50_000)(self._vector)

    def _vector(self, case_id: int) -> dict[int, float]:
        matrix, row = self.index.matrix, self.index.row(case_id)
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        return dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True))

    def __call__(self, pk: int, other: int) -> list[str]:
        mine, theirs, words = self.vector(pk), self.vector(other), self.vocabulary
        # As text.shared_terms ranks them, without building the two texts' word dictionaries.
        return text.pick_shared([(mine[t] * theirs[t], words[t]) for t in mine.keys() & theirs.keys()])


def _existing_links(case_ids: list[int]) -> dict[tuple[int, int], tuple[int, str]]:
    """(case a, case b) → (link id, status) of every link involving one of these cases."""
    existing = {}
    for start in range(0, len(case_ids), 5000):
        chunk = case_ids[start : start + 5000]
        rows = CaseLink.objects.filter(Q(case_a_id__in=chunk) | Q(case_b_id__in=chunk))
        for pk, a, b, status in rows.values_list("pk", "case_a", "case_b", "status"):
            existing[(a, b)] = (pk, status)
    return existing


def links_of(case_ids: list[int]) -> list[tuple]:
    """The links these cases decide, explained: (case a, case b, kind, score, reasons), from what link_many
    shares with its worker processes (parallel.shared). Each case keeps what the task keeps (similarity.relate
    and similarity.best over its candidates). As flagging one by one in id order leaves it, a pair's link is what
    its later flagged case decides (that case's flagging replaces what the earlier one wrote), explained from
    that side; decided pairs (confirmed, rejected) are left alone."""
    work = parallel.shared
    index, registry, columns, shared = work["index"], work["registry"], work["columns"], work["shared"]
    flagged, decided = work["flagged"], work["decided"]
    links = []
    for start in range(0, len(case_ids), BLOCK):
        mine_rows, other_rows, cosines = candidate_pairs(case_ids[start : start + BLOCK], index, registry)
        mine_ids, other_ids = index.ids[mine_rows], index.ids[other_rows]
        mine_list, other_list = mine_ids.tolist(), other_ids.tolist()
        places = np.full(len(mine_list), -1, np.int8)  # the texts' places count only for cases without one
        rarity = np.zeros(len(mine_list))
        if registry.places:
            compared = list(map(registry.same_text_place, mine_list, other_list))
            places = similarity.place_codes([code for code, _rarity in compared])
            rarity = np.array([value for _code, value in compared], np.float64)
        relations = similarity.relate(columns.take(mine_rows), columns.take(other_rows), cosines, places, rarity)
        for pair in similarity.best(mine_ids, other_ids, relations).tolist():
            pk, other = mine_list[pair], other_list[pair]
            a, b = min(pk, other), max(pk, other)
            if pk != (b if b in flagged else a) or (a, b) in decided:
                continue
            match = relations.match(pair, registry.facts[pk], other, shared(pk, other))
            links.append((a, b, match.kind, match.score, match.reasons))
    return links


@transaction.atomic
def _upsert_links(links: list[tuple]) -> None:
    """Insert the links (case a, case b, kind, score, reasons), or update kind, score and reasons where the pair
    exists (never its status). On PostgreSQL through COPY into a temporary table (measured: 13,000 links/s with
    bulk_create)."""
    if not links:
        return
    if connection.vendor != "postgresql":
        CaseLink.objects.bulk_create(
            [CaseLink(case_a_id=a, case_b_id=b, kind=k, score=s, reasons=r) for a, b, k, s, r in links],
            batch_size=500,
            update_conflicts=True,
            unique_fields=["case_a", "case_b"],
            update_fields=["kind", "score", "reasons"],
        )
        return
    rows = io.StringIO()
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for a, b, kind, score, reasons in links:
        reasons = dumps(reasons).replace("\\", "\\\\")  # COPY's escape character
        rows.write(f"{a}\t{b}\t{kind}\t{score!r}\t{reasons}\n")
    rows.seek(0)
    table = connection.ops.quote_name(CaseLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bulk_links (a bigint, b bigint, kind varchar(20), score float8, reasons jsonb) "
            "ON COMMIT DROP"
        )
        cursor.copy_expert("COPY bulk_links FROM STDIN", rows)
        cursor.execute(
            f"INSERT INTO {table} (case_a_id, case_b_id, kind, score, reasons, status, created_at) "
            "SELECT a, b, kind, score, reasons, %s, now() FROM bulk_links "
            "ON CONFLICT (case_a_id, case_b_id) DO UPDATE "
            "SET kind = EXCLUDED.kind, score = EXCLUDED.score, reasons = EXCLUDED.reasons",
            [LinkStatus.SUGGESTED],
        )
        cursor.execute("DROP TABLE bulk_links")  # now, not at commit: a caller's transaction may write more


def link_many(case_ids: list[int], progress: Callable[[int, int], None] | None = None) -> int:
    """Store the links of many indexed cases at once: the worker processes find and explain the links of a
    chunk of cases each, while this one writes those of the chunks already done. Returns the number written."""
    if not case_ids:
        return 0
    case_ids = sorted(case_ids)
    existing = _existing_links(case_ids)
    decided = {pair for pair, (_, status) in existing.items() if status != LinkStatus.SUGGESTED}
    stale = {pair: pk for pair, (pk, status) in existing.items() if status == LinkStatus.SUGGESTED}
    index, registry = load_index(), load_registry()
    parallel.shared.update(
        index=index,
        registry=registry,
        columns=registry.columns(index.ids),
        shared=SharedWords(index),
        flagged=set(case_ids),
        decided=decided,
    )
    written = 0
    try:
        chunks = [case_ids[start : start + CHUNK] for start in range(0, len(case_ids), CHUNK)]
        for number, links in enumerate(parallel.run(links_of, chunks), 1):
            _upsert_links(links)
            written += len(links)
            for a, b, *_ in links:
                stale.pop((a, b), None)
            if progress:
                progress(min(number * CHUNK, len(case_ids)), len(case_ids))
    finally:
        parallel.shared.clear()
    # The suggestions of the flagged cases that no longer hold.
    stale_ids = list(stale.values())
    for start in range(0, len(stale_ids), 5000):
        CaseLink.objects.filter(pk__in=stale_ids[start : start + 5000], status=LinkStatus.SUGGESTED).delete()
    return written


def classes_many(case_ids: list[int]) -> int:
    """Propose or extend classes for many linked cases: the rules of services.class_propose_for, applied case
    after case in id order on data read once. Returns the number of memberships created."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Category
    from matters.models import ClassStatus, MatterClass, Membership

    flagged = sorted(set(case_ids))
    since = timezone.now() - timedelta(days=settings.MATTERS_CLASS_RECENT_DAYS)
    recent = Q(status__in=OPEN_STATUSES) | Q(received_at__gte=since)
    with transaction.atomic():
        # The same lock the task takes per category, for every category at once, in one order.
        list(Category.objects.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        linked: dict[int, set[int]] = {}
        for start in range(0, len(flagged), 5000):
            chunk = flagged[start : start + 5000]
            shown = CaseLink.objects.shown().filter(Q(case_a_id__in=chunk) | Q(case_b_id__in=chunk))
            for a, b in shown.values_list("case_a", "case_b").iterator(50_000):
                linked.setdefault(a, set()).add(b)
                linked.setdefault(b, set()).add(a)
        others = sorted(linked)
        category, fresh, member = {}, set(), {}
        for start in range(0, len(others), 5000):
            chunk = others[start : start + 5000]
            category.update(Case.objects.filter(pk__in=chunk).values_list("pk", "category_id"))
            fresh.update(Case.objects.filter(recent, pk__in=chunk).values_list("pk", flat=True))
            for case_id, class_id in Membership.objects.filter(case_id__in=chunk).values_list(
                "case_id", "matter_class"
            ):
                member.setdefault(case_id, set()).add(class_id)
        classes = {
            pk: (category_id, status)
            for pk, category_id, status in MatterClass.objects.active().values_list("pk", "category_id", "status")
        }
        # New classes get provisional ids above every existing one, in creation order (the order of their real
        # ids), so that "the first active class" is chosen as the task chooses it; all are written at the end.
        provisional = itertools.count((MatterClass.objects.aggregate(last=Max("pk"))["last"] or 0) + 1)
        joins: list[tuple[int, int]] = []  # (class id, case id)
        groups: dict[int, tuple[int, list[int]]] = {}  # provisional id → (category id, group)
        for pk in flagged:
            if member.get(pk) or pk not in linked:
                continue
            mine = category.get(pk)
            joined = [
                (classes[c][1], c)
                for other in linked[pk]
                for c in member.get(other, ())
                if c in classes and classes[c][0] == mine
            ]
            if joined:
                class_id = min(joined)[1]
                joins.append((class_id, pk))
                member[pk] = {class_id}
                continue
            same = [o for o in linked[pk] if category.get(o) == mine and not member.get(o)]
            group = [pk] + [o for o in same if o in fresh]
            if len(group) < settings.MATTERS_CLASS_THRESHOLD or pk not in fresh:
                continue
            class_id = next(provisional)
            groups[class_id] = (mine, group)
            classes[class_id] = (mine, ClassStatus.PROPOSED)
            for other in group:
                member[other] = {class_id}
        real = _create_classes(groups)
        memberships = [Membership(matter_class_id=real.get(c, c), case_id=pk) for c, pk in joins]
        memberships += [
            Membership(matter_class_id=real[c], case_id=pk) for c, (_, group) in groups.items() for pk in group
        ]
        Membership.objects.bulk_create(memberships, batch_size=5000)
        count = len(memberships)
    return count


def _create_classes(groups: dict[int, tuple[int, list[int]]]) -> dict[int, int]:
    """Write the proposed classes (named from their members, matters.naming); provisional id → real id."""
    from cases.models import Category
    from matters.models import MatterClass
    from matters.services import proposed_class

    if not groups:
        return {}
    from matters import text
    from matters.services import class_members_facts

    members = sorted({pk for _, group in groups.values() for pk in group})
    facts = {}
    for start in range(0, len(members), 5000):
        facts.update(class_members_facts(members[start : start + 5000]))
    categories = Category.objects.select_related("parent").in_bulk({category for category, _ in groups.values()})
    places = text.registry_place_names()
    order = sorted(groups)
    rows = [
        proposed_class(categories[groups[c][0]], [facts[pk] for pk in sorted(groups[c][1]) if pk in facts], places)
        for c in order
    ]
    MatterClass.objects.bulk_create(rows, batch_size=1000)
    return {c: row.pk for c, row in zip(order, rows, strict=True)}
