"""Similar-case benchmark: quality on real messages, and speed of the index at 10k / 100k / 1M cases.

Quality (reads the file only when it exists; nothing is written to the database):

    .venv/bin/python bench/similarity.py --eval ../shared/data/taidi2020c/hot_messages.csv

  precision@5 of the similar list for groups labelled by subject keywords (same matter: one place's problem;
  same class: one kind of problem anywhere), for the production representation (matters/text.py) against a
  plain character-bigram TF-IDF cosine over the same text. Both rank exhaustively in memory.

Speed (PostgreSQL; the database is migrated, seeded in bulk, and grows from one size to the next):

    createdb -h 127.0.0.1 -U postgres ruziniu_simbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_simbench \\
        .venv/bin/python bench/similarity.py --sizes 10000 100000 [1000000]

  per size: the bulk rate (index in bulk, then link each case: what `flag_similar --all` does), the latency of
  flagging one new case (p50/p95: index + candidates + exact scoring + link upsert + class proposal), and the
  recall of the index's top 10 against an exhaustive scoring of every posting of every token.
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

from matters import text  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/taidi2020c/hot_messages.csv"

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

    def whole(m):
        return m["subject"] + "。" + m["body"]

    started = time.perf_counter()
    baseline = tfidf(
        [[s[i : i + 2] for i in range(len(s) - 1)] for s in (re.sub(r"\s+", "", whole(m)) for m in messages)],
        sublinear=False,
    )
    production = tfidf([text.tokens(m["subject"], m["body"]) for m in messages], sublinear=True)
    places = [set(text.place_keys(m["subject"], m["body"])) for m in messages]
    print(f"tokenised and weighed in {time.perf_counter() - started:.1f}s\n")
    # The product shows two lists. Same class: the place-free text alone. Same matter: the same candidates,
    # re-ranked with the bonus matters.similarity.judge gives two cases whose texts name the same place.
    from matters.similarity import SHARED_PLACE_KEYS, TEXT_PLACE_BONUS

    def same_matter_ranker(vectors):
        top60 = ranker(vectors)

        def top(i, k=5):
            candidates = top60(i, 60)
            score = {j: text.cosine(vectors[i], vectors[j]) for j in candidates}
            bonus = {j: TEXT_PLACE_BONUS * (len(places[i] & places[j]) >= SHARED_PLACE_KEYS) for j in candidates}
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


# --- speed ---------------------------------------------------------------------------------------


def texts_source(path: Path):
    """(title, description) pairs: real messages recombined when the file exists, else a synthetic vocabulary."""
    if path.exists():
        messages = read_messages(path)
        sentences = [s for m in messages for s in re.split(r"(?<=[。！？])", m["body"]) if len(s) > 6]

        def make(rng):
            m = rng.choice(messages)
            body = m["body"][:300] + "".join(rng.choice(sentences) for _ in range(rng.randint(0, 2)))
            return m["subject"][:200], body
    else:
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


def index_all(batch: int = 1000) -> tuple[int, float]:
    from cases.models import Case
    from matters import similarity

    started, count = time.perf_counter(), 0
    while True:
        cases = list(Case.objects.filter(signature__isnull=True).order_by("pk")[:batch])
        if not cases:
            break
        count += similarity.signatures_bulk(cases)
    if count:
        similarity.analyze_tables()  # as flag_all does (and autovacuum would, where it runs)
    return count, time.perf_counter() - started


def exhaustive_top(case_id: int, vector: dict[str, float], k: int = 10) -> list[int]:
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
    return [r["case_id"] for r in rows]


def approximate_top(case, vector, k: int = 10) -> list[int]:
    from matters import similarity
    from matters.models import CaseSignature

    ids = similarity.candidate_ids(case, vector)
    vectors = dict(CaseSignature.objects.filter(case_id__in=ids).values_list("case_id", "vector"))
    return sorted(ids, key=lambda pk: (-text.cosine(vector, vectors.get(pk, {})), pk))[:k]


def speed(sizes: list[int], queries: int, link_sample: int, data: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    import matters.services
    from cases.models import Case
    from cases.services import case_create
    from matters import services
    from matters.models import CaseSignature

    call_command("migrate", verbosity=0)
    matters.services.enqueue_flag = lambda case_id: None  # the bench calls the service itself
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    rng = random.Random(5)
    make = texts_source(data)
    for n in sizes:
        print(f"\n== {n:,} cases")
        seed(n, make, rng)
        indexed, seconds = index_all()
        if indexed:
            print(f"  bulk index: {indexed:,} cases in {seconds:.0f}s = {indexed / seconds:,.0f} cases/s")
        sample = list(Case.objects.filter(external_id__startswith="simbench-").order_by("?")[:link_sample])
        started = time.perf_counter()
        for case in sample:
            services.flag_case(case_id=case.pk)
        link_rate = len(sample) / (time.perf_counter() - started)
        print(f"  linking (per case, as the task): {link_rate:,.0f} cases/s over {len(sample)} cases")
        if indexed:
            total = indexed / (indexed / seconds) + indexed / link_rate
            print(
                f"  bulk rate (index + link every case): {indexed / total:,.0f} cases/s "
                f"-> {indexed:,} cases in {total / 60:.1f} min"
            )

        from django.contrib.auth.models import User
        from django.utils import timezone

        from cases.models import Channel, RequestType

        user = User.objects.get(username="simbench")
        channel, request_type = Channel.objects.order_by("pk").first(), RequestType.objects.order_by("pk").first()
        latencies, recalls = [], []
        for _ in range(queries):
            title, description = make(rng)
            base = rng.choice(sample)
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
            vector = CaseSignature.objects.get(pk=new.pk).vector
            exact = exhaustive_top(new.pk, vector)
            if exact:
                recalls.append(len(set(approximate_top(new, vector)) & set(exact)) / len(exact))
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"  flag one new case: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {queries} new cases")
        print(f"  recall@10 of the index against exhaustive scoring: {statistics.mean(recalls):.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", nargs="?", const=str(DEFAULT_DATA), help="hot_messages.csv (quality only)")
    parser.add_argument("--sizes", nargs="*", type=int, default=[])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--link-sample", type=int, default=1000)
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="real messages to recombine, when present")
    args = parser.parse_args()
    if args.eval:
        path = Path(args.eval)
        if not path.exists():
            sys.exit(f"{path} not found: the quality evaluation needs the messages file")
        evaluate(path)
    if args.sizes:
        speed(args.sizes, args.queries, args.link_sample, Path(args.data))


if __name__ == "__main__":
    main()
