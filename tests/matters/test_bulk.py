"""Flagging many cases together (matters.bulk) reaches the decisions of flagging them one by one."""

import os

import pytest
from django.core.management import call_command

from matters import bulk, parallel, services, similarity, text
from matters.models import CaseLink, MatterClass, Membership
from places.models import Building, Estate, HousingType
from tests.conftest import make_case

TEXTS = [
    ("电梯老化需要更换", "{e}电梯运行二十多年，老化严重，故障频发，业主要求更换电梯。"),
    ("电梯经常困人", "{e}电梯上周又困人，电梯故障无人维修，老人出行困难。"),
    ("饭店油烟噪音扰民", "{e}底层饭店深夜营业，油烟直排，空调外机噪音很大，影响休息。"),
    ("楼顶漏水", "{e}顶楼屋面防水层老化，下雨天漏水，墙面发霉。"),
    ("小区停车难", "{e}车位不足，外来车辆乱停，消防通道被占。"),
    ("快递驿站占道", "{e}门口快递驿站包裹堆在人行道，货车装卸噪音吵人。"),
]


@pytest.fixture
def corpus(staff_user, neighbourhood, elevator_category, noise_category):
    from cases.models import Category

    # A name with COPY's and JSON's special characters: the reasons quote it (同类: …).
    odd = Category.objects.create(parent=noise_category.parent, name='驿站\\占道 "货车"\t')
    cases = []
    for number in range(6):
        estate = Estate.objects.create(
            neighbourhood=neighbourhood, name=f"测试{number}号小区", housing_type=HousingType.COMMODITY
        )
        building = Building.objects.create(
            estate=estate, number="1号楼", floors=18, elevator_count=2, elevators_installed_year=2000 + number
        )
        for topic, (title, description) in enumerate(TEXTS):
            category = elevator_category if topic < 2 else odd if topic == 5 else noise_category
            for copy in range(2 if number % 2 else 1):
                cases.append(
                    make_case(
                        staff_user,
                        neighbourhood=neighbourhood,
                        category=category,
                        estate=estate,
                        building=building if (topic + copy) % 2 == 0 else None,
                        title=f"{estate.name}{title}",
                        description=description.format(e=estate.name) + ("又" * copy),
                    )
                )
    return cases


def state():
    links = sorted(CaseLink.objects.values_list("case_a", "case_b", "kind", "score", "reasons", "status"))
    classes = sorted(
        tuple(sorted(Membership.objects.filter(matter_class=c).values_list("case_id", flat=True)))
        + (c.title, c.category_id)
        for c in MatterClass.objects.all()
    )
    return links, classes


@pytest.mark.parametrize(
    "processes, limits", [("forked", "default"), ("here", "default"), ("forked", "tight"), ("here", "tight")]
)
def test_bulk_flagging_reaches_the_links_and_classes_of_flagging_one_by_one(corpus, monkeypatch, processes, limits):
    # Small pieces of work, so that the 54 cases are spread over the worker processes (or run here in order).
    monkeypatch.setattr(bulk, "CHUNK", 5)
    monkeypatch.setattr(parallel, "forkable", lambda: processes == "forked")
    if limits == "tight":
        # Limits this small corpus reaches: a budget that stops after a few tokens, truncated posting lists,
        # a pool and a candidate list shorter than the matches (and ties at their ends: the corpus repeats texts).
        for name, value in {"POSTING_BUDGET": 12, "POSTINGS_PER_TERM": 4, "POOL": 6, "CANDIDATES": 3}.items():
            monkeypatch.setattr(similarity, name, value)
    ids = [case.pk for case in corpus]
    # Index everything first, so that one by one each case is compared with all the others, as in bulk.
    similarity.signatures_bulk(list(corpus[0].__class__.objects.filter(pk__in=ids)))
    for case_id in ids:
        services.flag_case(case_id=case_id)
    one_by_one = state()
    assert len(one_by_one[0]) > 20 and one_by_one[1], "the corpus must give links and at least one class"
    assert any('驿站\\占道 "货车"' in reason for link in one_by_one[0] for reason in link[4])

    CaseLink.objects.all().delete()
    MatterClass.objects.all().delete()
    result = services.flag_many(ids)
    assert result["cases"] == len(ids)
    assert state() == one_by_one


PLACELESS = [
    ("丽发新城附近搅拌站噪音扰民", "A2区丽发新城小区旁边违规建设搅拌站，日夜施工，噪音粉尘严重。"),
    ("投诉丽发新城搅拌站污染", "丽发新城小区附近的搅拌站粉尘和噪音污染严重。"),
    ("星沙花园附近搅拌站噪音扰民", "A7县星沙花园旁边有一个搅拌站，晚上施工噪音很大。"),
    ("开元路路灯不亮", "星沙开元路上的路灯晚上不亮，行人看不清路。"),
    ("开元路路灯坏了", "星沙开元路路灯坏了一个月，晚上很黑。"),
    ("开元路夜宵摊油烟", "星沙开元路夜宵摊油烟很大，晚上吵闹。"),
    ("A市经济学院强制实习", "A市经济学院强制学生外出实习，不去不发毕业证。"),
    ("A市职业技术学院强制实习", "A市商贸旅游职业技术学院强制学生外出实习，不去不发毕业证。"),
    ("A6区二中收费补课", "A6区二中强制学生暑假补课并收费。"),
    ("A7县一中收费补课", "A7县一中强制学生暑假补课并收费。"),
]


def test_bulk_flagging_judges_the_places_texts_name_as_one_by_one(staff_user, neighbourhood, noise_category):
    # Cases without an estate: the names their texts mention, and how rare each is, decide as in flag_case.
    cases = [
        make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title=title, description=body)
        for copy in range(3)
        for title, body in PLACELESS
        if copy == 0 or "丽发" in title or "开元路" in title
    ]
    ids = [case.pk for case in cases]
    similarity.signatures_bulk(list(cases[0].__class__.objects.filter(pk__in=ids)))
    for case_id in ids:
        services.flag_case(case_id=case_id)
    one_by_one = state()
    reasons = [reason for link in one_by_one[0] for reason in link[4]]
    assert "诉求提到同一地点" in reasons and any(link[2] == "same_class" for link in one_by_one[0])
    CaseLink.objects.all().delete()
    MatterClass.objects.all().delete()
    services.flag_many(ids)
    assert state() == one_by_one


def _process(chunk):
    return [os.getpid()] * len(chunk)


def test_bulk_work_runs_in_worker_processes_only_where_forking_is_safe(monkeypatch):
    chunks = [[1, 2], [3], [4, 5, 6]]
    monkeypatch.setattr(parallel, "forkable", lambda: True)
    forked = list(parallel.run(_process, chunks))
    assert [len(part) for part in forked] == [2, 1, 3]  # every chunk's result, in order
    assert os.getpid() not in {pid for part in forked for pid in part}
    monkeypatch.setattr(parallel, "forkable", lambda: False)  # a Celery prefork child, a threaded server
    assert list(parallel.run(_process, chunks)) == [[os.getpid()] * 2, [os.getpid()], [os.getpid()] * 3]


def test_many_texts_are_read_on_every_cpu_as_one_by_one(monkeypatch):
    places = text.place_names(["丽发新城", "江宁路1088弄"])
    messages = [("丽发新城电梯故障", "江宁路1088弄3号楼电梯每周都坏，老人被困"), ("楼道灯不亮", "万家丽路口夜里很黑")]
    texts = [(f"{title}{n}", body) for n in range(1500) for title, body in messages]
    expected = [(text.tokens(t, b, places), text.place_keys(t, b, places)) for t, b in texts]
    run, chunks = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda function, parts: chunks.append(len(parts)) or run(function, parts))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for forked in (True, False):
        monkeypatch.setattr(parallel, "forkable", lambda forked=forked: forked)
        assert similarity.read_texts(texts, places) == expected
    assert chunks == [2, 2]
    assert "places" not in parallel.shared


def test_a_celery_child_or_a_threaded_process_does_not_fork(monkeypatch):
    import multiprocessing
    import threading

    process = multiprocessing.current_process()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(process, "daemon", False)
    assert parallel.forkable()
    monkeypatch.setattr(process, "daemon", True)  # a prefork pool's child may not have children
    assert not parallel.forkable()
    monkeypatch.setattr(process, "daemon", False)
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # runserver's threads, a live test server
    assert not parallel.forkable()


def test_bulk_flagging_twice_changes_nothing_and_keeps_decisions(corpus, staff_user):
    ids = [case.pk for case in corpus]
    services.flag_many(ids)
    link = CaseLink.objects.order_by("pk").first()
    services.link_decide(actor=staff_user, link_id=link.pk, confirm=False)
    before = state()
    services.flag_many(ids)
    assert state() == before
    assert CaseLink.objects.get(pk=link.pk).status == "rejected"


def test_the_sweep_and_the_command_flag_many_stale_cases_in_bulk(corpus, monkeypatch, capsys):
    calls = []
    flag_many = services.flag_many
    monkeypatch.setattr(services, "BULK_FROM", 5)
    monkeypatch.setattr(services, "flag_many", lambda ids, **kw: calls.append(len(ids)) or flag_many(ids, **kw))
    assert services.similarity_sweep() == len(corpus)
    assert calls == [len(corpus)]
    assert CaseLink.objects.exists()
    assert services.similarity_sweep() == 0
    call_command("flag_similar", "--all")
    assert calls == [len(corpus), len(corpus)]
    assert f"{len(corpus)} cases flagged" in capsys.readouterr().out


def test_a_sweep_that_finds_a_full_batch_queues_the_next_one_until_none_is_stale(corpus):
    from matters.tasks import sweep_similarity

    sweep_similarity.delay(limit=10)  # in process here: each follow-up sweep runs as soon as it is queued
    assert not similarity.stale_cases().exists()
    assert CaseLink.objects.exists()


def test_deleting_a_case_deletes_its_postings_and_signature(corpus):
    from matters.models import CaseSignature, Posting

    services.flag_many([case.pk for case in corpus])
    gone = corpus[0]
    assert Posting.objects.filter(case_id=gone.pk).exists()
    gone.delete()
    assert not Posting.objects.filter(case_id=gone.pk).exists()
    assert not CaseSignature.objects.filter(case_id=gone.pk).exists()
    assert not CaseLink.objects.filter(case_a_id=gone.pk).exists()


def _posting_schema():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'matters_posting'::regclass "
            "UNION ALL SELECT indexdef FROM pg_indexes WHERE tablename = 'matters_posting' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_first_big_bulk_index_rebuilds_the_postings_key_and_index_to_the_same_result(corpus, monkeypatch):
    from django.db import connection

    from matters.models import CaseSignature, IndexStats, Posting, Term
    from tests.conftest import require

    require(connection.vendor == "postgresql", "the rebuild is PostgreSQL's (set DATABASE_URL)")
    ids = [case.pk for case in corpus]
    schema = _posting_schema()
    monkeypatch.setattr(similarity, "REBUILD_FROM", 1)
    rebuilt = []
    real = similarity.postings_rebuilt

    def spy(fresh):
        manager = real(fresh)
        rebuilt.append(len(fresh))
        return manager

    monkeypatch.setattr(similarity, "postings_rebuilt", spy)
    services.flag_many(ids)
    assert rebuilt == [len(ids)]
    assert _posting_schema() == schema  # the key (with its INCLUDE) and the index are back as they were
    rebuilt_state = state()
    words = dict(Term.objects.values_list("id", "text"))
    postings = sorted((c, words[t], w) for c, t, w in Posting.objects.values_list("case_id", "term_id", "weight"))
    assert len(postings) == sum(len(v) for v in CaseSignature.objects.values_list("vector", flat=True))

    for model in (CaseLink, MatterClass, CaseSignature, Posting, Term, IndexStats):
        model.objects.all().delete()
    monkeypatch.setattr(similarity, "REBUILD_FROM", 10**9)  # the same cases, indexed into the indexed table
    services.flag_many(ids)
    assert state() == rebuilt_state
    words = dict(Term.objects.values_list("id", "text"))  # new ids
    assert (
        sorted((c, words[t], w) for c, t, w in Posting.objects.values_list("case_id", "term_id", "weight")) == postings
    )


def test_a_failure_while_the_postings_are_unindexed_restores_their_key_and_index(corpus, monkeypatch):
    from django.db import connection

    from matters.models import CaseSignature
    from tests.conftest import require

    require(connection.vendor == "postgresql", "the rebuild is PostgreSQL's (set DATABASE_URL)")
    schema = _posting_schema()
    monkeypatch.setattr(similarity, "REBUILD_FROM", 1)

    def broken(cases, *, clear=True):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(similarity, "signatures_bulk", broken)
    with pytest.raises(RuntimeError):
        services.flag_many([case.pk for case in corpus])
    assert _posting_schema() == schema
    assert not CaseSignature.objects.exists()  # nothing half-written: the sweep indexes them again


def test_row_dot_products_read_from_the_sparse_arrays_equal_scipys():
    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng(3)
    entries = sparse.random(40, 30, density=0.2, format="lil", random_state=4)
    entries[7] = 0  # a row without entries
    matrix = entries.tocsr()
    matrix.eliminate_zeros()
    dense = rng.random(30)
    rows = np.array([3, 7, 0, 39, 3, 12], dtype=np.int64)
    assert np.allclose(bulk._dots(matrix, rows, dense), matrix[rows] @ dense, rtol=0, atol=1e-12)
    assert bulk._dots(matrix, np.array([7], dtype=np.int64), dense).tolist() == [0.0]
    assert bulk._dots(matrix, np.zeros(0, dtype=np.int64), dense).tolist() == []


def test_a_few_stale_cases_in_a_big_index_are_flagged_one_by_one(corpus, monkeypatch):
    from django.utils import timezone

    from cases.models import Case

    services.flag_many([case.pk for case in corpus])
    calls = []
    monkeypatch.setattr(services, "BULK_FROM", 2)
    monkeypatch.setattr(services, "BULK_SHARE", 2)  # in bulk only for at least half of the indexed cases
    monkeypatch.setattr(services, "flag_many", lambda ids, **kw: calls.append(len(ids)))
    few, many = corpus[:2], corpus[: len(corpus) // 2 + 1]
    Case.objects.filter(pk__in=[case.pk for case in few]).update(updated_at=timezone.now())  # edited since
    assert services.similarity_sweep() == 2
    assert calls == [] and not similarity.stale_cases().exists()  # flagged one by one
    Case.objects.filter(pk__in=[case.pk for case in many]).update(updated_at=timezone.now())
    assert services.similarity_sweep() == len(many)
    assert calls == [len(many)]


def test_a_registry_estate_is_a_name_of_its_cases_in_bulk_as_one_by_one(staff_user, neighbourhood, noise_category):
    # A case registered at 丽发新城 and a text that names 丽发新城 are at one place; a case registered at 星沙花园
    # is not where a text naming 丽发新城 is, however alike the texts.
    lifa = Estate.objects.create(neighbourhood=neighbourhood, name="丽发新城", housing_type=HousingType.COMMODITY)
    xingsha = Estate.objects.create(neighbourhood=neighbourhood, name="星沙花园", housing_type=HousingType.COMMODITY)
    problem = ("小区旁边搅拌站噪音扰民", "小区旁边违规建设搅拌站，日夜施工，噪音粉尘严重。")
    at_lifa, at_xingsha, at_address = (
        make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=noise_category,
            title=problem[0],
            description=problem[1],
            **place,
        )
        for place in ({"estate": lifa}, {"estate": xingsha}, {"address": "开元路8号"})
    )
    placeless = [
        make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title=title, description=body)
        for title, body in PLACELESS
    ]
    cases = [at_lifa, at_xingsha, at_address, *placeless]
    ids = [case.pk for case in cases]
    similarity.signatures_bulk(list(cases[0].__class__.objects.filter(pk__in=ids)))
    for case_id in ids:
        services.flag_case(case_id=case_id)
    one_by_one = state()
    matter = {(a, b) for a, b, kind, *_ in one_by_one[0] if kind == "same_matter"}

    def linked(case, other):
        return (min(case.pk, other.pk), max(case.pk, other.pk)) in matter

    lifa_texts, xingsha_text = placeless[:2], placeless[2]
    assert all(linked(at_lifa, other) for other in lifa_texts)
    assert not any(linked(at_xingsha, other) for other in lifa_texts) and linked(at_xingsha, xingsha_text)
    assert not linked(at_lifa, xingsha_text) and not linked(at_lifa, at_xingsha)
    assert not any(linked(at_address, other) for other in placeless)  # an address decides, not names
    CaseLink.objects.all().delete()
    MatterClass.objects.all().delete()
    services.flag_many(ids)
    assert state() == one_by_one
