import pytest
from django.core.management import call_command
from django.db.models import Q

from cases.models import Case
from matters import services
from matters.models import CaseLink, CaseSignature, LinkKind, LinkStatus


def links_of(case):
    return {link.other(case.pk): link for link in CaseLink.objects.involving(case.pk)}


def logged(actor, neighbourhood, category, texts: list[tuple[str, str]]) -> list:
    """One case per (title, description), logged through the service."""
    from tests.conftest import make_case

    return [
        make_case(actor, neighbourhood=neighbourhood, category=category, title=title, description=description)
        for title, description in texts
    ]


def flagged(actor, neighbourhood, category, texts: list[tuple[str, str]]) -> list:
    """logged(), then each case flagged one by one, as the worker does."""
    cases = logged(actor, neighbourhood, category, texts)
    for case in cases:
        services.flag_case(case_id=case.pk)
    return cases


def test_new_elevator_case_is_linked_by_kind_and_not_to_noise_in_the_same_estate(scene):
    for case in scene.values():
        services.flag_case(case_id=case.pk)
    links = links_of(scene["new"])
    assert links[scene["ageing"].pk].kind == LinkKind.SAME_CLASS
    assert links[scene["same_building"].pk].kind == LinkKind.SAME_MATTER
    assert scene["noise"].pk not in links
    reasons = links[scene["same_building"].pk].reasons
    assert "同一楼栋" in reasons
    assert "同类: 房屋管理›电梯" in reasons
    assert any(reason.startswith("文本相近") and "电梯" in reason for reason in links[scene["ageing"].pk].reasons)
    print(links[scene["ageing"].pk].reasons, links[scene["same_building"].pk].reasons)


def snapshot():
    links = sorted(CaseLink.objects.values_list("case_a", "case_b", "kind", "score", "reasons", "status"))
    signatures = sorted(CaseSignature.objects.values_list("case_id", "content_hash", "computed_at"))
    from matters.models import Posting, Term

    return links, signatures, sorted(Term.objects.values_list("text", "df")), Posting.objects.count()


def test_flagging_a_case_twice_changes_nothing_more(scene):
    from matters.tasks import flag_similar

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    before = snapshot()
    for case in scene.values():
        flag_similar.delay(case.pk)
        services.flag_case(case_id=case.pk)
    assert snapshot() == before
    assert before[0], "the scene produces links"


def test_changing_the_text_drops_links_that_no_longer_hold(scene, staff_user):
    from cases.services import case_update

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    new = scene["new"]
    assert scene["ageing"].pk in links_of(new)
    new.refresh_from_db()
    case_update(
        case_id=new.pk,
        actor=staff_user,
        expected_version=new.version,
        data={"title": "咨询社区食堂开放时间", "description": "想了解社区食堂每天几点开门，老人有没有优惠。"},
    )
    services.flag_case(case_id=new.pk)
    assert scene["ageing"].pk not in links_of(new)


def test_place_names_do_not_make_two_different_problems_similar(
    staff_user, neighbourhood, estate, building, elevator_category
):
    from tests.conftest import make_case

    first = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        estate=estate,
        title="福安大厦福安大厦句容里居委会",
        description="福安大厦1号楼江宁路海防路口 福安大厦电梯故障",
    )
    second = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        estate=estate,
        title="福安大厦福安大厦句容里居委会",
        description="福安大厦1号楼江宁路海防路口 福安大厦物业费上涨",
    )
    services.flag_case(case_id=first.pk)
    services.flag_case(case_id=second.pk)
    vector = CaseSignature.objects.get(case=first).vector
    assert not any("福安" in token or "句容" in token or "号楼" in token for token in vector)
    assert "电梯" in vector


def test_a_rejected_link_stays_rejected_and_hidden(scene, staff_client, staff_user):
    from django.urls import reverse

    from cases.services import case_update

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    new, ageing = scene["new"], scene["ageing"]
    link = links_of(new)[ageing.pk]
    response = staff_client.post(reverse("matters:link_decide", args=[link.pk]), {"decision": "reject", "case": new.pk})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED

    new.refresh_from_db()
    case_update(
        case_id=new.pk,
        actor=staff_user,
        expected_version=new.version,
        data={"description": new.description + " 电梯老化更换，再次反映。"},
    )
    services.flag_case(case_id=new.pk, force=True)
    services.flag_case(case_id=ageing.pk, force=True)
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED
    assert CaseLink.objects.filter(case_a=link.case_a, case_b=link.case_b).count() == 1
    page = staff_client.get(reverse("matters:case_similar", args=[new.pk])).content.decode()
    assert ageing.reference not in page
    assert scene["same_building"].reference in page


def test_confirmations_and_rejections_are_counted(scene, staff_client):
    from django.urls import reverse

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    links = links_of(scene["new"])
    staff_client.post(reverse("matters:link_decide", args=[links[scene["ageing"].pk].pk]), {"decision": "reject"})
    staff_client.post(
        reverse("matters:link_decide", args=[links[scene["same_building"].pk].pk]), {"decision": "confirm"}
    )
    rows = staff_client.get(reverse("matters:class_list")).context["counts"]["rows"]
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["同一件事"]["confirmed"] == 1
    assert by_kind["同一类事"]["rejected"] == 1


def test_broker_down_saves_the_case_and_the_sweep_flags_it_later(
    scene,
    staff_user,
    neighbourhood,
    estate,
    building,
    elevator_category,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from kombu.exceptions import OperationalError

    from matters.tasks import flag_similar
    from tests.conftest import make_case

    for case in scene.values():
        services.flag_case(case_id=case.pk)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(flag_similar, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        late = make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=elevator_category,
            estate=estate,
            building=building,
            title="福安大厦1号楼电梯又坏了",
            description="电梯故障停运，老人下不了楼。",
        )
    assert late.pk
    assert not CaseSignature.objects.filter(case=late).exists()
    monkeypatch.undo()

    call_command("sweep_similarity")
    assert CaseSignature.objects.filter(case=late).exists()
    assert scene["same_building"].pk in links_of(late)
    assert services.similarity_sweep() == 0


def test_an_edit_makes_a_case_stale_until_the_sweep(scene, staff_user):
    from cases.services import case_transition
    from matters.similarity import stale_cases

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    assert not stale_cases().exists()
    case_transition(case_id=scene["noise"].pk, actor=staff_user, action="note", note="已联系城管")
    # A move changes updated_at but not the text: the sweep only confirms the signature.
    before = snapshot()[0]
    assert services.similarity_sweep() >= 0
    assert not stale_cases().exists()
    assert snapshot()[0] == before


@pytest.mark.django_db(transaction=True)
def test_workers_flagging_at_the_same_time_write_each_pair_once(scene):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def flag(case_id):
        try:
            for _attempt in range(5):
                try:
                    return services.flag_case(case_id=case_id)
                except Exception:  # a lock timeout or deadlock: the task would retry the same way
                    continue
        finally:
            connection.close()

    ids = [case.pk for case in scene.values()] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(flag, ids))
    pairs = list(CaseLink.objects.values_list("case_a", "case_b"))
    assert len(pairs) == len(set(pairs))
    concurrent = snapshot()[0]
    for case in scene.values():
        services.flag_case(case_id=case.pk)
    assert snapshot()[0] == concurrent
    assert links_of(scene["new"])[scene["ageing"].pk].kind == LinkKind.SAME_CLASS


def test_flag_similar_command_links_all_cases_in_bulk_and_one_by_reference(scene, capsys):
    call_command("flag_similar", "--all")
    links = links_of(scene["new"])
    assert links[scene["ageing"].pk].kind == LinkKind.SAME_CLASS
    assert links[scene["same_building"].pk].kind == LinkKind.SAME_MATTER
    before = snapshot()
    call_command("flag_similar", "--all")
    call_command("flag_similar", "--case", scene["new"].reference)
    assert snapshot() == before
    assert f"{scene['new'].reference}:" in capsys.readouterr().out


def test_cases_without_an_estate_are_the_same_matter_when_their_texts_name_the_same_place(
    staff_user, neighbourhood, noise_category
):

    texts = [
        ("丽发新城附近建搅拌站噪音扰民", "丽发新城小区旁边违规建设混凝土搅拌站，日夜施工，噪音粉尘严重。"),
        ("投诉丽发新城附近搅拌站污染", "丽发新城小区附近的搅拌站粉尘和噪音污染严重，影响居民休息。"),
        ("星沙花园附近搅拌站噪音扰民", "星沙花园旁边有一个搅拌站，晚上施工噪音很大，粉尘污染。"),
    ]
    cases = flagged(staff_user, neighbourhood, noise_category, texts)
    links = links_of(cases[0])
    assert links[cases[1].pk].kind == LinkKind.SAME_MATTER
    assert "诉求提到同一地点" in links[cases[1].pk].reasons
    assert links[cases[2].pk].kind == LinkKind.SAME_CLASS


def test_texts_are_compared_by_the_names_they_mention_not_by_shared_characters():
    from matters import text

    assert text.place_keys("严重影响小区伊景园滨河苑的居民", "") == ["伊景园滨河苑"]
    assert text.place_keys("A市丽发新城小区旁边的搅拌站", "我们小区这条路太吵") == ["丽发新城"]
    # One name inside another is the same place; two estates sharing characters (新城, 花园) are not.
    assert text.same_names({"万科魅力之城"}, {"魅力之城"}) == 2
    assert text.same_names({"丽发新城"}, {"武广新城"}) == 0
    assert text.same_names({"星沙花园"}, {"星沙湾花园"}) == 0
    # The same road, different estates: different places. The same road and nothing more: the same area.
    assert text.same_names({"开元路", "丽发新城"}, {"开元路", "星沙花园"}) == 0
    assert text.same_names({"开元路"}, {"开元路", "星沙花园"}) == 1
    assert text.same_names({"星沙街道", "开元路"}, {"星沙街道", "东六路"}) == 0  # two roads of one district
    assert text.same_names({"开元路"}, set()) == -1


DIFFERENT_PLACES = {
    # Near-identical texts, but two colleges and two estates: the same class at most, never the same matter.
    "colleges and estates": (
        [
            ("长沙学院宿舍晚上断电", "长沙学院学生宿舍每天晚上十一点断电，学生无法学习，希望学校取消断电。"),
            ("涉外经济学院宿舍晚上断电", "涉外经济学院学生宿舍每天晚上十一点断电，学生无法学习，希望学校取消断电。"),
            ("丽发新城小区电梯经常停运", "丽发新城小区电梯经常停运，物业不管，老人上下楼困难。"),
            ("武广新城小区电梯经常停运", "武广新城小区电梯经常停运，物业不管，老人上下楼困难。"),
        ],
        {(0, 1): LinkKind.SAME_CLASS, (2, 3): LinkKind.SAME_CLASS},
    ),
    "a college named by a common word, districts' schools": (
        [
            # A college named by a common word (经济学院) and another college: two institutions.
            ("A市经济学院强制学生外出实习", "A市经济学院强制学生寒假外出实习，不去就不发毕业证，学生苦不堪言。"),
            (
                "A市商贸旅游职业技术学院强制学生外出实习",
                "A市商贸旅游职业技术学院强制学生寒假外出实习，不去就不发毕业证。",
            ),
            # Two districts' schools (二中, 一中: no name the engine reads), near-identical complaints.
            ("A6区二中暑假收费补课", "A6区二中强制学生暑假补课并收取高额费用，家长敢怒不敢言。"),
            ("A7县一中暑假收费补课", "A7县一中强制学生暑假补课并收取高额费用，家长敢怒不敢言。"),
            ("A6区二中暑假强制收费补课", "A6区二中强制学生暑假补课，并收取高额费用，家长敢怒不敢言！"),
        ],
        # The same complaint twice from one district: the same matter.
        {
            (0, 1): LinkKind.SAME_CLASS,
            (2, 3): LinkKind.SAME_CLASS,
            (3, 4): LinkKind.SAME_CLASS,
            (2, 4): LinkKind.SAME_MATTER,
        },
    ),
}


@pytest.mark.parametrize("texts, expected", DIFFERENT_PLACES.values(), ids=DIFFERENT_PLACES.keys())
def test_cases_naming_different_estates_colleges_or_districts_are_not_the_same_matter_whatever_their_text_shares(
    staff_user, neighbourhood, noise_category, texts, expected
):
    cases = flagged(staff_user, neighbourhood, noise_category, texts)
    for (one, other), kind in expected.items():
        assert links_of(cases[one])[cases[other].pk].kind == kind


def test_two_bus_routes_are_two_matters_and_one_route_is_one(staff_user, neighbourhood, noise_category):

    texts = [
        ("A市205路公交车经常不按时发车", "205路公交车早上经常不按时发车，乘客在站台等四十分钟，上班迟到。"),
        ("A市205路公交车早上不按时发车", "205路公交车早上总是不按时发车，乘客在站台久等，上班天天迟到。"),
        ("A市204路公交车经常不按时发车", "204路公交车早上经常不按时发车，乘客在站台等四十分钟，上班迟到。"),
    ]
    cases = flagged(staff_user, neighbourhood, noise_category, texts)
    assert links_of(cases[0])[cases[1].pk].kind == LinkKind.SAME_MATTER
    assert links_of(cases[0])[cases[2].pk].kind == LinkKind.SAME_CLASS
    assert links_of(cases[1])[cases[2].pk].kind == LinkKind.SAME_CLASS


def test_names_without_the_words_glued_in_front_and_kinds_of_organisation_named_generically():
    from matters import text

    keys = text.place_keys("丽发新城小区旁建搅拌厂严重扰民", "是丽发新城的业主，现广铁集团的职工，坐805路和地铁3号线。")
    assert {"丽发新城", "广铁集团", "805路", "3号线"} <= set(keys)
    assert text.compare_names(["205路", "丰顺路"], ["204路", "丰顺路"])[0] == 0  # two routes along one road
    # Estates named with endings seen in the real messages; 政府 is no estate, and a name goes on to a later ending.
    keys = text.place_keys("旭辉御府电梯频繁关人", "请市政府关注保利西海岸、林美水郡和兰亭湾畔小区，长郡楚府中学。")
    assert set(keys) == {"旭辉御府", "保利西海岸", "林美水郡", "兰亭湾畔小区", "长郡楚府中学"}
    assert text.compare_names(["旭辉御府"], ["保利西海岸"])[0] == 0
    # A kind of organisation in common words or verbs names none in particular: sharing it is not sharing a place.
    for generic in ("餐饮服务项目", "职业技术学院", "选聘物业", "违建搅拌站"):
        assert text.is_generic(generic), generic
    assert not text.is_generic("广铁集团") and not text.is_generic("长沙学院")
    assert text.compare_names(["星月绿洲小区", "餐饮服务项目"], ["万坤图大厦", "无餐饮服务项目"])[0] == 0


def test_two_problems_at_one_estate_are_not_linked_through_the_characters_of_its_name(
    staff_user, neighbourhood, noise_category
):

    texts = [
        ("谷山庭院3期人防车库违规出售", "谷山庭院3期是国家保障房，开发商把人防车库当作产权车位出售。"),
        ("谷山庭院3期电梯故障近一个月", "谷山庭院3期16栋3号电梯故障近一个月，物业说在等配件，老人上下楼很难。"),
    ]
    cases = flagged(staff_user, neighbourhood, noise_category, texts)
    vector = CaseSignature.objects.get(case=cases[1]).vector
    assert not any(part in token for token in vector for part in ("谷山", "庭院", "山庭"))
    assert "电梯" in vector
    assert cases[1].pk not in links_of(cases[0]) or links_of(cases[0])[cases[1].pk].kind != LinkKind.SAME_MATTER


def test_a_rare_shared_name_weighs_more_than_a_common_one():
    from matters.similarity import Facts, judge, name_term, place_relation

    frequencies = {name_term("丽发新城"): 2, name_term("阳光花园"): 600, name_term("万家丽路"): 2}
    code, rare = place_relation({"丽发新城", "A2区"}, {"丽发新城"}, frequencies, 4000)
    assert code == 2 and rare > 0.9
    code, common = place_relation({"阳光花园"}, {"阳光花园", "A2区"}, frequencies, 4000)
    assert code == 2 and common < 0.5
    # A name the index does not know yet is as rare as can be; a road shared is an area, not an estate.
    assert place_relation({"星沙花园"}, {"星沙花园"}, frequencies, 4000)[1] == 1.0
    assert place_relation({"万家丽路"}, {"万家丽路"}, frequencies, 4000)[0] == 1
    # Different districts and no estate in common: different places, whatever else the texts name.
    assert place_relation({"万家丽路", "A2区"}, {"万家丽路", "A3区"}, frequencies, 4000) == (0, 0.0)

    case = Facts(1, 10, "市容环境›噪音", None, None, "", "", None)
    other = Facts(2, 10, "市容环境›噪音", None, None, "", "", None)
    # The same text shared: the rarer name ranks higher.
    assert judge(case, other, 0.5, [], 2, rare).score > judge(case, other, 0.5, [], 2, common).score
    # A little text in common is the same matter at a rare estate, only the same class at a common one.
    assert judge(case, other, 0.25, [], 2, rare).kind == LinkKind.SAME_MATTER
    assert judge(case, other, 0.25, [], 2, common).kind == LinkKind.SAME_CLASS
    # A shared road needs more text than a shared estate.
    assert judge(case, other, 0.3, [], 1, 1.0).kind == LinkKind.SAME_CLASS
    assert judge(case, other, 0.45, [], 1, 1.0).kind == LinkKind.SAME_MATTER


def test_the_index_counts_the_cases_naming_each_place_one_by_one_and_in_bulk(staff_user, neighbourhood, noise_category):
    from matters import similarity
    from matters.models import Term

    def counts():
        rows = Term.objects.filter(text__startswith=similarity.NAME_PREFIX, df__gt=0).values_list("text", "df")
        return dict(rows)

    texts = [
        ("丽发新城附近搅拌站扰民", "A2区丽发新城小区旁边的搅拌站日夜施工。"),
        ("丽发新城搅拌站粉尘", "丽发新城小区附近搅拌站粉尘很大。"),
        ("开元路路灯不亮", "星沙开元路上的路灯晚上不亮。"),
    ]
    cases = logged(staff_user, neighbourhood, noise_category, texts)
    similarity.signatures_bulk(list(Case.objects.filter(pk__in=[c.pk for c in cases])))
    in_bulk = counts()
    assert in_bulk == {
        similarity.name_term("丽发新城"): 2,
        similarity.name_term("A2区"): 1,
        similarity.name_term("星沙开元路"): 1,
    }
    CaseSignature.objects.all().delete()
    Term.objects.all().update(df=0)
    for case in cases:
        services.flag_case(case_id=case.pk)
    assert counts() == in_bulk
    # A text that no longer names the estate no longer counts for it.
    cases[1].title, cases[1].description = "搅拌站粉尘", "附近搅拌站粉尘很大。"
    cases[1].save()
    services.flag_case(case_id=cases[1].pk)
    assert counts()[similarity.name_term("丽发新城")] == 1


def test_the_case_page_partial_lists_same_matter_and_same_class_apart(scene, staff_client):
    from django.urls import reverse

    for case in scene.values():
        services.flag_case(case_id=case.pk)
    response = staff_client.get(reverse("matters:case_similar", args=[scene["new"].pk]))
    assert [s.case for s in response.context["same_matter"]] == [scene["same_building"]]
    assert [s.case for s in response.context["same_class"]] == [scene["ageing"]]
    html = response.content.decode()
    assert "同一楼栋" in html and "确认相似" in html
    assert scene["noise"].reference not in html


def test_flag_similar_can_hand_the_linking_to_the_workers(scene):
    call_command("flag_similar", "--all", "--enqueue")  # tasks run in process here (no broker in unit tests)
    assert links_of(scene["new"])[scene["same_building"].pk].kind == LinkKind.SAME_MATTER


def test_query_tokens_are_the_rarest_that_fit_the_budget(monkeypatch):
    from matters import similarity

    monkeypatch.setattr(similarity, "POSTING_BUDGET", 100)
    monkeypatch.setattr(similarity, "POSTINGS_PER_TERM", 60)
    monkeypatch.setattr(similarity, "QUERY_TERMS", 3)
    # (document frequency, weight, term id)
    terms = [(500, 0.9, 1), (2, 0.1, 2), (40, 0.3, 3), (2, 0.4, 4), (70, 0.5, 5)]
    # 4 and 2 (df 2: the heavier first), 3 (40 more postings: 44), then 5 would read 60 more: over the budget.
    assert similarity.pick_query_terms(terms) == [(0.4, 4), (0.1, 2), (0.3, 3)]
    monkeypatch.setattr(similarity, "QUERY_TERMS", 2)
    assert similarity.pick_query_terms(terms) == [(0.4, 4), (0.1, 2)]
    # The rarest token is read even when it alone exceeds the budget (its heaviest postings only).
    monkeypatch.setattr(similarity, "POSTING_BUDGET", 10)
    assert similarity.pick_query_terms([(500, 0.9, 1), (900, 0.2, 7)]) == [(0.9, 1)]
    assert similarity.pick_query_terms([]) == []


WORDS = [
    "电梯",
    "故障",
    "漏水",
    "停车",
    "噪音",
    "垃圾",
    "绿化",
    "路灯",
    "油烟",
    "快递",
    "物业",
    "维修",
    "消防",
    "楼道",
    "施工",
    "违建",
    "充电",
    "收费",
    "渗水",
    "困人",
    "老人",
    "水泵",
    "车库",
    "积水",
    "下楼",
    "买菜",
]


def test_a_long_texts_twin_is_found_when_short_texts_fill_its_words_postings(
    staff_user, neighbourhood, elevator_category, monkeypatch
):
    """The case the candidate query once missed: the long text's heaviest words are words it repeats, and their
    heaviest postings all belong to short texts (where a word weighs more); its twin is reached through the
    words only the two share, and ranked first by its exact score."""
    from matters import similarity
    from tests.conftest import make_case

    monkeypatch.setattr(similarity, "POSTINGS_PER_TERM", 5)
    for word in WORDS:
        for _copy in range(6):
            make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=word, description=word)
    long_text = "，".join(f"{word}{word}{word}" for word in WORDS) + "，福寿螺养殖场洋泾浜摆渡口"
    twin, new = (
        make_case(
            staff_user, neighbourhood=neighbourhood, category=elevator_category, title="综合", description=long_text
        )
        for _ in range(2)
    )
    services.flag_many([case.pk for case in Case.objects.all()])
    vector = CaseSignature.objects.get(pk=new.pk).vector
    assert similarity.candidates(new, vector)[0][0] == twin.pk
    assert CaseLink.objects.involving(new.pk).filter(Q(case_a=twin) | Q(case_b=twin)).exists()


def test_the_postings_key_carries_the_weight_on_postgresql(db):
    """Scoring a pool of candidates exactly reads the postings' key alone (migration matters/0004)."""
    from django.db import connection

    from tests.conftest import require

    require(connection.vendor == "postgresql", "an INCLUDE key is PostgreSQL's (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'matters_posting'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (case_id, term_id) INCLUDE (weight)"


def _rules(case, other, similarity, same_text_place, rarity=1.0):
    """The rules for one pair, written plainly (README, "Similar cases"): an oracle for similarity.relate()."""
    same_building = bool(case.building_id) and case.building_id == other.building_id
    same_estate = bool(case.estate_id) and case.estate_id == other.estate_id
    same_address = not case.estate_id and bool(case.address) and case.address == other.address
    other_building = bool(case.building_id and other.building_id) and not same_building
    same_category = case.category_id == other.category_id
    # The names decide unless both cases have an estate or one has an address and no estate; a case's
    # registry estate is one of its names.
    by_names = not (case.estate_id and other.estate_id) and not any(
        c.address and not c.estate_id for c in (case, other)
    )
    text_place = by_names and same_text_place in (1, 2)  # a shared estate, organisation or area
    ages = (case.elevator_age, other.elevator_age)
    alike = (
        None not in ages
        and abs(ages[0] - ages[1]) <= 3
        and case.housing_type == other.housing_type
        and not same_building
    )
    score = similarity + 0.15 * same_category + 0.1 * same_building + 0.05 * alike + 0.5 * rarity * text_place
    at_same_place = (same_building or same_estate or same_address) and not other_building
    place_matter = similarity >= 0.40 or (same_category and similarity >= 0.08)
    # A shared estate or organisation needs 0.20 of text, a shared area 0.40; a common name up to 0.15 more.
    needed = (0.20 if same_text_place == 2 else 0.40) + 0.15 * (1 - rarity)
    text_matter = (similarity >= 0.55 and same_text_place != 0) or (text_place and similarity >= needed - 1e-12)
    if (at_same_place and place_matter) or (by_names and text_matter):
        return LinkKind.SAME_MATTER, round(min(1.0, score), 3)
    if similarity >= 0.45 or (same_category and similarity >= 0.12):
        return LinkKind.SAME_CLASS, round(min(1.0, score), 3)
    return None


def test_judging_many_pairs_at_once_follows_the_rules_for_each_pair():
    import random

    from matters.similarity import Columns, Facts, judge, place_codes, relate

    rng = random.Random(7)

    def facts(number):
        estate = rng.choice([None, 1, 2])
        return Facts(
            id=number,
            category_id=rng.choice([None, 10, 11]),
            category=rng.choice(["房屋管理›电梯", "市容环境›噪音"]),
            estate_id=estate,
            building_id=rng.choice([None, 100, 101]) if estate else None,
            address=rng.choice(["", "江宁路1088弄"]) if not estate else "",
            housing_type=rng.choice(["", "商品房", "售后公房"]),
            elevator_age=rng.choice([None, 20, 22, 30]),
        )

    # Similarities on and around every threshold, the four answers of place_relation() and names' rarities.
    levels = [0.0, 0.079, 0.08, 0.12, 0.2, 0.3, 0.35, 0.4, 0.45, 0.55, 0.7, 0.95, 1.0]
    pairs = [
        (facts(n), facts(n + 1000), rng.choice(levels), rng.choice([None, 0, 1, 2]), rng.choice([0.0, 1 / 3, 1.0]))
        for n in range(1500)
    ]
    mine, others, similarities, places, rarities = zip(*pairs, strict=True)
    relations = relate(Columns.of(mine), Columns.of(others), similarities, place_codes(places), rarities)
    kinds = set()
    for number, (case, other, similarity, same_place, rarity) in enumerate(pairs):
        expected = _rules(case, other, similarity, same_place, rarity)
        one = judge(case, other, similarity, ["电梯"], same_place, rarity)
        assert (one and (one.kind, one.score)) == (expected and (expected[0], pytest.approx(expected[1], abs=1e-9)))
        assert relations.match(number, case, other.id, ["电梯"]) == one
        kinds.add(expected and expected[0])
    assert kinds == {LinkKind.SAME_MATTER, LinkKind.SAME_CLASS, None}  # every outcome was exercised


def test_a_pairs_kind_score_and_reasons_follow_the_rules():
    from matters.similarity import Facts, judge

    lift = {"category_id": 10, "category": "房屋管理›电梯", "housing_type": "商品房"}
    here = Facts(id=1, estate_id=1, building_id=100, address="", elevator_age=23, **lift)
    same_building = Facts(id=2, estate_id=1, building_id=100, address="", elevator_age=23, **lift)
    elsewhere = Facts(id=3, estate_id=2, building_id=200, address="", elevator_age=21, **lift)
    # Same building, same category: the same matter; 0.3 + 0.15 (category) + 0.1 (building).
    match = judge(here, same_building, 0.3, ["电梯", "故障"])
    assert (match.kind, match.score) == (LinkKind.SAME_MATTER, 0.55)
    assert match.reasons == ["同一楼栋", "同类: 房屋管理›电梯", "文本相近 0.30: 电梯 故障"]
    # Another estate, alike buildings (商品房, elevators 21 and 23 years old): the same class, with the profile bonus.
    match = judge(here, elsewhere, 0.3, ["电梯"])
    assert (match.kind, match.score) == (LinkKind.SAME_CLASS, 0.5)
    assert match.reasons[-1] == "楼栋条件相同: 商品房, 电梯 21 年"
    # Too little text in common for either kind, whatever the place.
    assert judge(here, same_building, 0.05) is None


def test_a_registry_estate_is_an_estate_whatever_its_name_ends_with():
    from matters import text

    estates = frozenset({"晶华园", "句容里"})
    assert text.with_estate(["A3区", "江宁路"], "晶华园") == ["A3区", "晶华园", "江宁路"]
    # 晶华园 ends like no estate name: without the registry it would be an area, shared by many problems.
    assert text.compare_names(["晶华园"], ["晶华园", "江宁路"], estates) == (2, ["晶华园"])
    assert text.compare_names(["晶华园"], ["西康公寓"], estates)[0] == 0
    assert text.compare_names(["句容里", "江宁路"], ["晶华园", "江宁路"], estates)[0] == 0
