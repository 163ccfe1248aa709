"""Similar-case benchmark: quality on real messages, and speed of the index at 10k / 100k / 1M cases.

Quality (reads the file only when it exists; nothing is written to the database):

    .venv/bin/python bench/similarity.py --eval bench/data/hot_messages.csv

  The messages are the public data set of the 2020 TipDM Cup, problem C ("智慧政务中的文本挖掘应用"): see README.md,
  "Benchmarks", for where it comes from and the CSV it is read as. It is not in the repository; without it
  --eval stops saying so, and the speed runs recombine a synthetic vocabulary instead (and say so).

  precision@5 of the similar list for groups labelled by subject keywords (same matter: one place's problem;
  same class: one kind of problem anywhere), for the production representation (matters/text.py) against a
  plain character-bigram TF-IDF cosine over the same text. Both rank exhaustively in memory.

Speed (PostgreSQL; the database is migrated, seeded in bulk, and grows from one size to the next):

    createdb -h 127.0.0.1 -U postgres ruziniu_simbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_simbench \\
        .venv/bin/python bench/similarity.py --sizes 10000 100000
    DATABASE_URL=... .venv/bin/python bench/similarity.py --sizes 1000000 --replicate-above 100000

  per size: the bulk rate (services.flag_many on the new cases: index, link and propose classes, with the time
  of each phase), the latency of flagging one new case (p50/p95: index + candidates + exact scoring + link upsert
  + class proposal, one transaction), and the recall of the index's top 10 against an exhaustive scoring of every
  posting of every token. Sizes above --replicate-above are reached by copying the cases in SQL (see replicate()).

End to end, on an empty database: `import_cases` of a CSV of N recombined messages, then `flag_similar --all`:

    DATABASE_URL=... .venv/bin/python bench/similarity.py --import-rows 100000
"""

import argparse
import csv
import math
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django

django.setup()

from dashboards import rollups  # noqa: E402
from matters import text  # noqa: E402

# The public messages data set (README, "Benchmarks"), where you put it: not part of the repository.
DEFAULT_DATA = Path(os.environ.get("RUZINIU_MESSAGES", Path(__file__).resolve().parent / "data/hot_messages.csv"))

# Groups labelled by hand from subject keywords (every alternative in a slot is OR, slots are AND).
SAME_MATTER = {
    "伊景园滨河苑捆绑车位": ["伊景园", "车位|捆绑|绑定|绑售"],
    "丽发新城搅拌站": ["丽发", "搅拌"],
    "魅力之城楼板开裂": ["魅力之城", "开裂"],
    "魅力之城商铺扰民": ["魅力之城", "油烟|噪音|扰民|门面|商铺"],
    "月亮岛路高压线": ["月亮岛", "高压"],
    "中海国际夜间施工": ["中海国际", "施工"],
}
SAME_CLASS = {
    "电梯": ["电梯"],
    "麻将馆": ["麻将"],
    "油烟": ["油烟"],
    "公积金": ["公积金"],
    "渣土车": ["渣土"],
    "幼儿园": ["幼儿园"],
    "拖欠工资": ["拖欠", "工资"],
    "高压线": ["高压线|高压电"],
}


def read_messages(path: Path) -> list[dict]:
    seen, out = set(), []
    with path.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            key = (row["subject"], row["body"])
            if key not in seen:  # 56 exact duplicates
                seen.add(key)
                out.append(row)
    return out


def label(messages, spec) -> dict[str, set[int]]:
    def hit(subject, slots):
        return all(any(k in subject for k in slot.split("|")) for slot in slots)

    return {name: {i for i, m in enumerate(messages) if hit(m["subject"], slots)} for name, slots in spec.items()}


def label_whole(messages, spec) -> dict[str, set[int]]:
    """label(), with the first slot (the place) found in the subject or the body: a resident often names the
    estate only in the body ("车位捆绑违规销售 … 伊景园滨河苑 …"); the problem stays in the subject."""

    def hit(message, slots):
        first, *rest = slots
        whole = message["subject"] + message["body"]
        return any(k in whole for k in first.split("|")) and all(
            any(k in message["subject"] for k in slot.split("|")) for slot in rest
        )

    return {name: {i for i, m in enumerate(messages) if hit(m, slots)} for name, slots in spec.items()}


def tfidf(bags: list[list[str]], *, sublinear: bool) -> list[dict[str, float]]:
    df = Counter()
    for bag in bags:
        df.update(set(bag))
    n = len(bags)
    if sublinear:  # the name is historical: the production weighing (matters.text.weigh)
        return [text.weigh(bag, {t: df[t] - 1 for t in set(bag)}, n - 1) for bag in bags]
    vectors = []
    for bag in bags:  # the baseline: raw tf × smooth idf (sklearn's default), L2-normalised
        raw = {t: c * (math.log((n + 1) / (df[t] + 1)) + 1) for t, c in Counter(bag).items()}
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1
        vectors.append({t: v / norm for t, v in raw.items()})
    return vectors


def representations(messages: list[dict]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """The vectors of the messages (subject, body): the baseline's character-bigram TF-IDF of the whole text,
    and the production tokens (matters/text.py) weighed as the index weighs them."""
    whole = [re.sub(r"\s+", "", m["subject"] + "。" + m["body"]) for m in messages]
    baseline = tfidf([[s[i : i + 2] for i in range(len(s) - 1)] for s in whole], sublinear=False)
    return baseline, tfidf([text.tokens(m["subject"], m["body"]) for m in messages], sublinear=True)


def ranker(vectors):
    index = defaultdict(list)
    for j, vector in enumerate(vectors):
        for t, w in vector.items():
            index[t].append((j, w))

    def top(i, k=5):
        scores = defaultdict(float)
        for t, w in vectors[i].items():
            for j, v in index[t]:
                if j != i:
                    scores[j] += w * v
        return sorted(scores, key=lambda j: (-scores[j], j))[:k]

    return top


def precision(top, groups: dict[str, set[int]], all_groups: list[set[int]]) -> dict:
    per_group, normalised = {}, {}
    for name, members in groups.items():
        hits = [sum(1 for j in top(i) if j in members) for i in members]
        per_group[name] = sum(hits) / (5 * len(members))
        normalised[name] = sum(h / min(5, len(members) - 1) for h in hits) / len(members)
    return {
        "per_group": per_group,
        "macro": statistics.mean(per_group.values()),
        "macro_norm": statistics.mean(normalised.values()),
    }


def evaluate(path: Path) -> None:
    messages = read_messages(path)
    matter, klass = label(messages, SAME_MATTER), label(messages, SAME_CLASS)
    all_groups = [*matter.values(), *klass.values()]
    labelled = set().union(*all_groups)
    print(
        f"data: {path.name}, {len(messages)} distinct messages; {len(labelled)} labelled in "
        f"{len(matter)} same-matter and {len(klass)} same-class groups"
    )
    for name, members in {**matter, **klass}.items():
        print(f"  {name}: {len(members)}")

    started = time.perf_counter()
    baseline, production = representations(messages)
    places = [set(text.place_keys(m["subject"], m["body"])) for m in messages]
    print(f"tokenised and weighed in {time.perf_counter() - started:.1f}s\n")
    # The product shows two lists. Same class: the place-free text alone. Same matter: the same candidates,
    # re-ranked with the bonus matters.similarity.judge gives two cases whose texts name the same place.
    from matters.similarity import TEXT_PLACE_BONUS, place_relation

    frequencies = message_name_counts(places)

    def same_matter_ranker(vectors):
        top60 = ranker(vectors)

        def top(i, k=5):
            candidates = top60(i, 60)
            score = {j: text.cosine(vectors[i], vectors[j]) for j in candidates}
            relation = {j: place_relation(places[i], places[j], frequencies, len(places)) for j in candidates}
            bonus = {j: TEXT_PLACE_BONUS * relation[j][1] * ((relation[j][0] or 0) >= 1) for j in candidates}
            return sorted(candidates, key=lambda j: (-(score[j] + bonus[j]), j))[:k]

        return top

    rows = [
        ("baseline: character-bigram TF-IDF cosine", ranker(baseline), ranker(baseline)),
        ("production (matters/text.py + place keys)", same_matter_ranker(production), ranker(production)),
    ]
    for name, matter_top, class_top in rows:
        m, c = precision(matter_top, matter, all_groups), precision(class_top, klass, all_groups)
        overall = []
        for i in labelled:
            for groups, top in ((matter, matter_top), (klass, class_top)):
                mine = [g for g in groups.values() if i in g]
                if mine:
                    relevant = set().union(*mine) - {i}
                    overall.append(sum(1 for j in top(i) if j in relevant) / 5)
        print(name)
        print(f"  precision@5, every labelled message in each of its groups: {statistics.mean(overall):.3f}")
        print(
            f"  same matter: macro {m['macro']:.3f} (normalised for groups under 6: {m['macro_norm']:.3f})  "
            + " ".join(f"{k}:{v:.2f}" for k, v in m["per_group"].items())
        )
        print(f"  same class:  macro {c['macro']:.3f}  " + " ".join(f"{k}:{v:.2f}" for k, v in c["per_group"].items()))
    as_linked(messages, production, matter, klass)
    organisers_labels(path.parent / "messages_labelled.csv")


MAX_SHOWN = 20  # similarity.MAX_SAME_CLASS: the whole same-class list, behind 更多


def message_name_counts(places: list[set[str]]) -> dict[str, int]:
    """The document frequency of each name over the messages, as the index counts it (similarity.name_term)."""
    from matters.similarity import name_term

    return Counter(name_term(name) for names in places for name in names)


def linked_lists(
    vectors, rows: list[dict], categories: list | None = None, shown: int = 5, estates: list[str] | None = None
):
    """What the product shows for imported messages (no estate, no address, no category unless given): each
    message's CANDIDATES best texts judged by similarity.relate() with the place names of their texts, kept by
    similarity.best(), as its same-matter and same-class lists (the best `shown` of each, by score). `estates`:
    each message's registry estate ("" for none), a name of its own (text.with_estate)."""
    import numpy as np

    from matters import similarity

    top = ranker(vectors)
    estates = estates or [""] * len(rows)
    names = [
        set(text.with_estate(text.place_keys(r["subject"], r["body"]), e)) for r, e in zip(rows, estates, strict=True)
    ]
    frequencies = message_name_counts(names)
    registry = {name: number for number, name in enumerate(sorted(set(estates) - {""}), 1)}
    known = frozenset(registry)
    facts = [
        similarity.Facts(
            i + 1, None if categories is None else categories[i], "", registry.get(estates[i]), None, "", "", None
        )
        for i in range(len(rows))
    ]
    matter_lists, class_lists = [], []
    for i in range(len(rows)):
        others = top(i, similarity.CANDIDATES)
        cosines = [text.cosine(vectors[i], vectors[j]) for j in others]
        compared = [
            similarity.place_relation(names[i], names[j], frequencies, len(rows), known)
            if similarity.names_decide(facts[i], facts[j])
            else (None, 0.0)
            for j in others
        ]
        codes = similarity.place_codes([code for code, _ in compared])
        relations = similarity.relate(
            similarity.Columns.of([facts[i]]),
            similarity.Columns.of([facts[j] for j in others]),
            cosines,
            codes,
            [rarity for _, rarity in compared],
        )
        kept = similarity.best(np.zeros(len(others), np.int64), np.array(others, np.int64), relations).tolist()
        matter_lists.append([others[p] for p in kept if relations.kind[p] == similarity.SAME_MATTER][:shown])
        class_lists.append([others[p] for p in kept if relations.kind[p] == similarity.SAME_CLASS][:shown])
    return matter_lists, class_lists


def shown_precision(lists, groups: dict[str, set[int]]) -> tuple[float, float, float]:
    """Over every labelled message: precision of what its list shows (hits ÷ shown, lists with something),
    hits ÷ 5, and the share of messages whose list shows anything."""
    shown, per5, nonempty = [], [], 0
    for members in groups.values():
        for i in members:
            listed = lists[i]
            hits = sum(1 for j in listed if j in members)
            per5.append(hits / 5)
            if listed:
                nonempty += 1
                shown.append(hits / len(listed))
    total = sum(len(m) for m in groups.values())
    return (statistics.mean(shown) if shown else 0.0), statistics.mean(per5), nonempty / total


def estates_named(message: dict) -> set[str]:
    """The estates a message names (text.place_keys: names that end like an estate's, not organisations')."""
    keys = text.place_keys(message["subject"], message["body"])
    return {key for key in keys if text.is_specific(key) and text.is_place(key)}


def cross_estate(class_lists, messages, klass) -> tuple[float, int]:
    """Same class across estates: for each message of a same-class group whose members name several estates,
    and which names one itself, the first five of its same-class list that name an estate and none of its own
    (text.compare_names' same name); precision of those (lists with any), and how many messages had one."""
    estates = {i: estates_named(messages[i]) for members in klass.values() for i in members}
    precisions = []
    for members in klass.values():
        named = [estates[i] for i in members if estates[i]]
        if len({min(names) for names in named}) < 2:
            continue
        for i in members:
            if not estates[i]:
                continue
            elsewhere = []
            for j in class_lists[i]:
                theirs = estates.get(j) if j in estates else estates_named(messages[j])
                if theirs and not any(text.same_names([a], [b]) == 2 for a in estates[i] for b in theirs):
                    elsewhere.append(j)
            if elsewhere[:5]:
                precisions.append(sum(1 for j in elsewhere[:5] if j in members) / len(elsewhere[:5]))
    return (statistics.mean(precisions) if precisions else 0.0), len(precisions)


def as_linked(messages, production, matter, klass) -> None:
    matter_lists, long_class_lists = linked_lists(production, messages, shown=MAX_SHOWN)
    matter_lists, class_lists = [listed[:5] for listed in matter_lists], [listed[:5] for listed in long_class_lists]
    print("\nas linked (similarity.relate + best on the imported messages, no category): precision@5 of the lists")
    for name, lists, groups in (("same matter", matter_lists, matter), ("same class", class_lists, klass)):
        shown, per5, covered = shown_precision(lists, groups)
        print(f"  {name}: precision of what is shown {shown:.3f}, hits/5 {per5:.3f}, with a list {covered:.2f}")
    # The other way round: of every same-matter link shown for any message, how many join two messages the
    # labels put in different same-matter groups (two estates' matters linked as one).
    wide = label_whole(messages, SAME_MATTER)
    shown, per5, covered = shown_precision(matter_lists, wide)
    print(
        f"  same matter, the place found in subject or body ({sum(map(len, wide.values()))} labelled): precision "
        f"of what is shown {shown:.3f}, hits/5 {per5:.3f}, messages with a list {covered:.2f}"
    )
    owner = {i: name for name, members in matter.items() for i in members}
    wrong = sum(
        1 for i, listed in enumerate(matter_lists) for j in listed if i in owner and j in owner and owner[i] != owner[j]
    )
    print(f"  same-matter links between two different labelled matters: {wrong}")
    precision_elsewhere, counted = cross_estate(long_class_lists, messages, klass)
    print(
        f"  same class at other estates (groups naming several estates; the first five of a list naming an estate "
        f"and not the message's own): precision {precision_elsewhere:.3f} over {counted} messages"
    )
    # As if every other message naming exactly one estate had been registered at it (Case.estate): a registry
    # estate is a name of its case (text.with_estate), two estates decide between themselves.
    estates = []
    for number, message in enumerate(messages):
        named = sorted(estates_named(message))
        estates.append(named[0] if len(named) == 1 and number % 2 == 0 else "")
    matter_lists, class_lists = linked_lists(production, messages, estates=estates)
    at = sum(1 for e in estates if e)
    for name, lists, groups in (("same matter", matter_lists, matter), ("same class", class_lists, klass)):
        shown, per5, covered = shown_precision(lists, groups)
        print(
            f"  with {at} messages at a registry estate, {name}: precision of what is shown {shown:.3f}, "
            f"hits/5 {per5:.3f}, with a list {covered:.2f}"
        )


def organisers_labels(path: Path) -> None:
    """Precision@5 of the same class on labels we did not make: the contest organisers' level-1 categories of
    messages_labelled.csv (7 broad categories such as 城乡建设 and 环境保护), when the file is there."""
    if not path.exists():
        return
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    labels = [row["label_level1"] for row in rows]
    baseline, production = representations(rows)
    print(f"\n{path.name}: {len(rows)} messages, the organisers' level-1 category as the class")
    for name, vectors in (("baseline", baseline), ("production", production)):
        top = ranker(vectors)
        hits = [sum(1 for j in top(i) if labels[j] == labels[i]) / 5 for i in range(len(rows))]
        print(f"  {name}: precision@5 {statistics.mean(hits):.3f}")
    matter_lists, class_lists = linked_lists(production, rows)
    for name, lists in (("same matter", matter_lists), ("same class", class_lists)):
        shown = [
            sum(1 for j in listed if labels[j] == labels[i]) / len(listed) for i, listed in enumerate(lists) if listed
        ]
        print(
            f"  as linked, {name}: precision of what is shown {statistics.mean(shown) if shown else 0:.3f} "
            f"({len(shown)} messages with a list)"
        )


# --- speed ---------------------------------------------------------------------------------------


def texts_source(path: Path):
    """(title, description) pairs: real messages recombined when the file exists, else a synthetic vocabulary."""
    if path.exists():
        print(f"texts: real messages of {path}, recombined")
        messages = read_messages(path)
        sentences = [s for m in messages for s in re.split(r"(?<=[。！？])", m["body"]) if len(s) > 6]

        def make(rng):
            m = rng.choice(messages)
            body = m["body"][:300] + "".join(rng.choice(sentences) for _ in range(rng.randint(0, 2)))
            return m["subject"][:200], body
    else:
        print(f"texts: a synthetic vocabulary ({path} not found): short texts of common words, not like real ones")
        words = [
            "电梯",
            "故障",
            "更换",
            "噪音",
            "扰民",
            "漏水",
            "物业",
            "停车",
            "垃圾",
            "维修",
            "油烟",
            "楼道",
            "老人",
            "施工",
            "违建",
            "消防",
            "充电",
            "快递",
            "绿化",
            "路灯",
            "渗水",
            "困人",
            "收费",
            "业委会",
        ]
        words += [f"词{i}" for i in range(5000)]
        weights = [1 / (i + 1) for i in range(len(words))]

        def make(rng):
            pick = rng.choices(words, weights, k=40)
            return "".join(pick[:5]), "，".join(pick[5:])

    return make


def seed(n: int, make, rng) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from cases import reference
    from cases.models import Case, Category
    from places import demo as places_demo
    from places.models import Building

    reference.load()
    places_demo.load()
    have = Case.objects.filter(external_id__startswith="simbench-").count()
    if have >= n:
        return
    user, _ = User.objects.get_or_create(username="simbench", defaults={"is_superuser": True})
    leaves = list(Category.objects.filter(parent__isnull=False))
    buildings = list(Building.objects.select_related("estate"))
    now = timezone.now()
    started = time.perf_counter()
    batch = []
    for number in range(have, n):
        title, description = make(rng)
        building = rng.choice(buildings)
        batch.append(
            Case(
                reference=f"SB-{number:07d}",
                external_id=f"simbench-{number}",
                title=title,
                description=description,
                category=rng.choice(leaves),
                neighbourhood_id=building.estate.neighbourhood_id,
                estate=building.estate,
                building=building if rng.random() < 0.5 else None,
                received_at=now - timezone.timedelta(days=rng.uniform(0, 1000)),
                status=rng.choice(["new", "in_progress", "closed", "closed", "closed"]),
                created_by=user,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    print(f"  seeded {n - have} cases in {time.perf_counter() - started:.0f}s")


def replicate(n: int) -> None:
    """Grow the bench cases to n by copying the flagged ones in SQL, index rows and all (PostgreSQL only).

    Indexing a million messages through the application costs hours; copies give the same index a million
    cases would (the same texts recurring ten times over: document frequencies and case count scale together,
    so the stored weights stay right). Only the latency of new cases is measured on it. The copies' database
    drops the case search index (the list's text search, which similarity never reads)."""
    from django.db import connection

    from cases.models import Case
    from matters import similarity
    from matters.models import IndexStats

    base = list(Case.objects.filter(external_id__regex=r"^simbench-[0-9]+$").values_list("pk", flat=True))
    have = Case.objects.filter(external_id__startswith="simbench-").count()
    if have >= n:
        return
    started = time.perf_counter()
    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    copied = [
        "'R' || %(round)s || '-' || reference"
        if c == "reference"
        else "external_id || '-r' || %(round)s"
        if c == "external_id"
        else c
        for c in columns
    ]
    with connection.cursor() as cursor:
        # The case search index (a GIN over text bigrams) is not read by similarity and makes copying slow.
        cursor.execute("DROP INDEX IF EXISTS case_search_bigrams")
    # The postings' key and index are built once after copying, not maintained row by row.
    with similarity.postings_unindexed(), connection.cursor() as cursor:
        rounds = math.ceil((n - have) / len(base))
        first = have // len(base)  # copies made by an earlier run are rounds 1 .. first - 1
        for number in range(first, first + rounds):
            take = min(len(base), n - have)
            params = {"round": number, "take": take}
            cursor.execute(
                f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {', '.join(copied)} FROM cases_case "
                "WHERE external_id ~ '^simbench-[0-9]+$' ORDER BY id LIMIT %(take)s",
                params,
            )
            cursor.execute(
                "CREATE TEMP TABLE copy_map AS SELECT o.id AS old, c.id AS new FROM cases_case c "
                "JOIN cases_case o ON c.external_id = o.external_id || '-r' || %(round)s "
                "WHERE c.external_id LIKE %(pattern)s",
                {**params, "pattern": f"simbench-%-r{number}"},
            )
            cursor.execute(
                "INSERT INTO matters_casesignature (case_id, content_hash, vector, places, computed_at) "
                "SELECT m.new, s.content_hash, s.vector, s.places, now() FROM copy_map m "
                "JOIN matters_casesignature s ON s.case_id = m.old"
            )
            cursor.execute(
                "INSERT INTO matters_posting (term_id, case_id, weight) SELECT p.term_id, m.new, p.weight "
                "FROM copy_map m JOIN matters_posting p ON p.case_id = m.old"
            )
            cursor.execute(
                "UPDATE matters_term t SET df = t.df + c.n FROM (SELECT p.term_id, count(*) AS n FROM copy_map m "
                "JOIN matters_posting p ON p.case_id = m.new GROUP BY p.term_id) c WHERE t.id = c.term_id"
            )
            # The names' counts too (similarity.name_term: a term per name, no postings): a copy names what its
            # original names, so a name's rarity stays what it was.
            cursor.execute(
                "UPDATE matters_term t SET df = t.df + c.n FROM (SELECT LEFT(%(prefix)s || k.name, 40) AS text, "
                "count(DISTINCT m.new) AS n FROM copy_map m JOIN matters_casesignature s ON s.case_id = m.new "
                "CROSS JOIN LATERAL jsonb_array_elements_text(s.places) AS k (name) GROUP BY 1) c "
                "WHERE t.text = c.text",
                {"prefix": similarity.NAME_PREFIX},
            )
            cursor.execute("DROP TABLE copy_map")
            have += take
            print(f"  copied {have:,} cases", flush=True)
        print("  rebuilding the postings' key and index", flush=True)
    IndexStats.objects.filter(pk=1).update(documents=Case.objects.filter(signature__isnull=False).count())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) cases_case, matters_casesignature, matters_posting, matters_term")
    print(f"  replicated to {n:,} cases in {time.perf_counter() - started:.0f}s")


def flag_new(since: int) -> tuple[int, float]:
    """What an import's sweep or `flag_similar --all` does: index, link and class the cases above id `since`."""
    from cases.models import Case
    from matters import services

    ids = list(Case.objects.filter(pk__gt=since).values_list("pk", flat=True))
    started = time.perf_counter()
    if ids:
        services.flag_many(ids)
    return len(ids), time.perf_counter() - started


def exhaustive_top(case_id: int, vector: dict[str, float], k: int = 10) -> list[tuple[int, float]]:
    """Score every posting of every token of the case: the exact cosine against the whole index."""
    from django.db.models import Case as SqlCase
    from django.db.models import F, FloatField, Sum, Value, When

    from matters.models import Posting, Term

    terms = list(Term.objects.filter(text__in=list(vector)).values_list("id", "text"))
    weight = SqlCase(*[When(term_id=pk, then=Value(vector[t])) for pk, t in terms], output_field=FloatField())
    rows = (
        Posting.objects.filter(term_id__in=[pk for pk, _ in terms])
        .exclude(case_id=case_id)
        .values("case_id")
        .annotate(score=Sum(F("weight") * weight))
        .order_by("-score", "case_id")[:k]
    )
    return [(r["case_id"], r["score"]) for r in rows]


def approximate_top(case, vector, k: int = 10) -> list[tuple[int, float]]:
    """The index's candidates (matters.similarity.candidates), scored exactly: the best k."""
    from matters import similarity
    from matters.models import CaseSignature

    ids = [pk for pk, _ in similarity.candidates(case, vector)]
    vectors = dict(CaseSignature.objects.filter(case_id__in=ids).values_list("case_id", "vector"))
    scored = sorted((-text.cosine(vector, vectors.get(pk, {})), pk) for pk in ids)[:k]
    return [(pk, -score) for score, pk in scored]


def recall(approximate: list[tuple[int, float]], exact: list[tuple[int, float]]) -> tuple[float, float]:
    """(strict, tie-aware) recall of the exhaustive top k. Recombined messages tie often (two copies of one
    message score the same), so the tie-aware figure counts a found case whose exact score reaches the k-th
    best exhaustive score as a hit: it is as good an answer as the one it displaced."""
    if not exact:
        return 1.0, 1.0
    wanted = {pk for pk, _ in exact}
    strict = len(wanted & {pk for pk, _ in approximate}) / len(exact)
    floor = exact[-1][1] - 1e-6
    tied = sum(1 for _, score in approximate if score >= floor) / len(exact)
    return strict, min(1.0, tied)


def speed(sizes: list[int], queries: int, data: Path, replicate_from: int | None, reflag: bool) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    import matters.services
    from cases.models import Case, Channel, RequestType
    from cases.services import case_create
    from matters import services
    from matters.models import CaseLink, CaseSignature, MatterClass

    call_command("migrate", verbosity=0)
    from cases import hooks

    hooks.unregister(hooks.CASE_SIMILARITY_STALE, matters.services.enqueue_flag)  # the bench calls the service itself
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    rng = random.Random(5)
    make = texts_source(data)
    for n in sizes:
        print(f"\n== {n:,} cases")
        before = 0 if reflag else Case.objects.aggregate(last=Max("pk"))["last"] or 0
        if replicate_from and n > replicate_from:
            replicate(n)
            flagged = 0
        else:
            seed(n, make, rng)
            flagged, seconds = flag_new(before)
        rollups.rebuild()  # bulk inserts pass by the case services: the dashboards' roll-ups are recounted
        if flagged:
            print(
                f"  bulk (index + link + classes, services.flag_many): {flagged:,} cases in {seconds:.0f}s "
                f"= {flagged / seconds:,.0f} cases/s; {CaseLink.objects.count():,} links, "
                f"{MatterClass.objects.count():,} classes in all"
            )
        user = User.objects.get(username="simbench")
        channel, request_type = Channel.objects.order_by("pk").first(), RequestType.objects.order_by("pk").first()
        sample = list(Case.objects.filter(external_id__startswith="simbench-").order_by("?")[:queries])
        latencies, strict, tied, flagged_cases = [], [], [], []
        for base in sample:
            title, description = make(rng)
            new = case_create(
                actor=user,
                data={
                    "title": title,
                    "description": description,
                    "category": base.category,
                    "neighbourhood": base.neighbourhood,
                    "estate": base.estate,
                    "building": base.building,
                    "received_at": timezone.now(),
                    "channel": channel,
                    "request_type": request_type,
                },
            )
            started = time.perf_counter()
            services.flag_case(case_id=new.pk)
            latencies.append((time.perf_counter() - started) * 1000)
            flagged_cases.append(new)
        # Recall afterwards: an exhaustive scoring reads a large part of the index and would leave the next
        # timed case a colder cache than any real one finds.
        for new in flagged_cases:
            vector = CaseSignature.objects.get(pk=new.pk).vector
            one, two = recall(approximate_top(new, vector), exhaustive_top(new.pk, vector))
            strict.append(one)
            tied.append(two)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"  flag one new case (services.flag_case): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {queries} new cases")
        print(
            f"  recall@10 of the index against exhaustive scoring: {statistics.mean(tied):.3f} "
            f"(ties counted; strict set overlap {statistics.mean(strict):.3f})"
        )


def import_then_flag(rows: int, data: Path) -> None:
    """The issue's end-to-end figure: `import_cases` of a CSV of `rows` messages, then `flag_similar --all`."""
    import tempfile

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cases import reference
    from cases.models import Case, Category
    from matters.models import CaseLink, MatterClass
    from places import demo as places_demo
    from places.models import Building

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if Case.objects.exists():
        sys.exit("--import-rows needs an empty database (the figure is for a fresh import)")
    reference.load()
    places_demo.load()
    user, _ = User.objects.get_or_create(username="simbench", defaults={"is_superuser": True})
    rng, make = random.Random(11), texts_source(data)
    leaves = [str(c) for c in Category.objects.filter(parent__isnull=False).select_related("parent")]
    buildings = list(Building.objects.select_related("estate__neighbourhood"))
    now = timezone.now()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="", delete=False) as f:
        writer = csv.writer(f)
        writer.writerow(
            ["external_id", "received_at", "title", "description", "category", "neighbourhood", "estate", "building"]
        )
        for number in range(rows):
            title, description = make(rng)
            b = rng.choice(buildings)
            received = now - timezone.timedelta(days=rng.uniform(0, 1000))
            writer.writerow(
                [
                    f"imp-{number}",
                    received.strftime("%Y-%m-%d %H:%M"),
                    title,
                    description,
                    rng.choice(leaves),
                    b.estate.neighbourhood.name,
                    b.estate.name,
                    b.number if rng.random() < 0.5 else "",
                ]
            )
    print(f"  {rows:,} rows written to {f.name}")
    started = time.perf_counter()
    call_command("import_cases", f.name, "--user", user.username)
    imported = time.perf_counter() - started
    print(f"  import_cases: {imported:.0f}s")
    started = time.perf_counter()
    call_command("flag_similar", "--all")
    flagged = time.perf_counter() - started
    print(
        f"  flag_similar --all: {flagged:.0f}s; {CaseLink.objects.count():,} links, "
        f"{MatterClass.objects.count():,} classes"
    )
    print(f"  import + similarity of {rows:,} rows: {(imported + flagged) / 60:.1f} min")
    os.unlink(f.name)


def main():
    import logging

    # services.flag_many logs the time of each phase (index, link, classes).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    logging.getLogger("matters.services").addHandler(handler)
    logging.getLogger("matters.services").setLevel(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--eval", nargs="?", const="", help="hot_messages.csv (quality only; default: --data, else ../shared/…)"
    )
    parser.add_argument("--sizes", nargs="*", type=int, default=[])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--reflag", action="store_true", help="flag every case again (else only the new ones)")
    parser.add_argument("--import-rows", type=int, metavar="N", help="time import_cases + flag_similar --all")
    parser.add_argument(
        "--replicate-above", type=int, metavar="N", help="reach sizes above N by copying the cases in SQL"
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="real messages to recombine, when present")
    args = parser.parse_args()
    if args.eval is not None:
        path = Path(args.eval or args.data)
        if not path.exists():
            sys.exit(f"{path} not found: the quality evaluation needs the messages file")
        evaluate(path)
    if args.import_rows:
        import_then_flag(args.import_rows, Path(args.data))
    if args.sizes:
        speed(args.sizes, args.queries, Path(args.data), args.replicate_above, args.reflag)


if __name__ == "__main__":
    main()
