from methods import seed
from methods.models import Method


def test_the_seed_holds_only_the_five_methods_the_article_describes(reference_data):
    seed.load()

    assert list(Method.objects.values_list("number", "name")) == [
        (1, "一线工作法"),
        (2, "钥匙工作法"),
        (3, "三好工作法"),
        (4, "以心换心工作法"),
        (5, "望闻问切工作法"),
    ]
    assert all(m.number_provisional and "报道" in m.source for m in Method.objects.all())


def test_the_seed_tells_the_articles_stories_and_links_fitting_categories(reference_data):
    seed.load()

    first = Method.objects.get(name="一线工作法")
    assert "福安大厦" in first.example and "句容里居委会" in first.example
    assert "房屋管理›电梯" in [str(c) for c in first.categories.all()]
    key = Method.objects.get(name="钥匙工作法")
    assert "一户一表" in key.steps and "海防路、新丰路、西康路" in key.example
    assert {c.name for c in key.categories.all()} >= {"零星旧改"}
    assert "新就业群体" in Method.objects.get(name="三好工作法").when_to_use
    for name in ("以心换心工作法", "望闻问切工作法"):
        heart = Method.objects.get(name=name)
        assert "一老一小" in heart.summary and "待依据汇编原文补充" in heart.summary
        assert heart.steps == ""


def test_loading_the_seed_twice_changes_nothing_and_keeps_admin_edits(reference_data):
    assert seed.load() > 5
    Method.objects.filter(name="钥匙工作法").update(motto="管理员改过")

    assert seed.load() == 0
    assert Method.objects.count() == 5
    assert Method.objects.get(name="钥匙工作法").motto == "管理员改过"
