"""Names for proposed classes of matters, as a clerk would write them ("商品房电梯老化更换", "快递驿站噪音扰民"):
the kind of place the members share, the category where the problem does not already say it, and the distinctive
problem their titles share, in the order the titles say it. Never a list of frequent words (长期、几天)."""

import statistics
from collections import Counter

import rjieba

from matters import text
from places.models import HousingType

# Parts of speech a problem is said with: nouns and verbs (电梯 老化 更换, 屋面 渗漏, 噪音 扰民), not adverbs,
# numerals, times, pronouns or adjectives (长期, 几天, 一个多月, 严重).
_PROBLEM_TAGS = ("n", "v", "vn", "an", "nz", "ng", "vg", "l", "i")
_NOT_A_PROBLEM = frozenset(
    [
        "问题",
        "情况",
        "事情",
        "要求",
        "需要",
        "希望",
        "反映",
        "投诉",
        "咨询",
        "建议",
        "解决",
        "处理",
        "请求",
        "申请",
        "居民",
        "业主",
        "小区",
        "楼栋",
        "大楼",
        "房屋",
        "有人",
        "时间",
        "经常",
        "一直",
        "长期",
        "多次",
        "关于",
        "没有",
        "无人",
        "不管",
        "存在",
        "发生",
        "出现",
        "进行",
        "导致",
        "影响",
        "造成",
        "市民",
        "群众",
        "住户",
        "家中",
        "家里",
    ]
)
PLACE_KINDS = {HousingType.COMMODITY: "商品房", HousingType.SOLD_PUBLIC: "售后公房", HousingType.OLD_LANE: "老式里弄"}


MAX_LENGTH = 8  # characters of the problem phrase, beyond which no shared word is added to it
_FILLER = frozenset(
    [
        "长期",
        "经常",
        "一直",
        "再次",
        "多次",
        "反映",
        "严重",
        "问题",
        "要求",
        "希望",
        "投诉",
        "咨询",
        "请求",
        "家中",
        "家里",
        "总是",
        "还是",
        "仍然",
        "依然",
        "又",
        "再",
        "很",
        "太",
        "非常",
        "最近",
        "近期",
        "多日",
        "几天",
        "请",
        "关于",
        "的",
        "了",
        "且",
        "和",
        "及",
        "等",
        "被",
        "有",
        "要",
        "需要",
    ]
)


def _cleaned(title: str, places: list[str]) -> tuple[str, list[str]]:
    """A title without its places and filler words (长期, 再次反映), as one string, and its problem words."""
    title = text.strip_places(title or "", places)
    kept, words = [], []
    for word, tag in rjieba.tag(title):
        if word in _FILLER:
            continue  # 楼道灯长期不亮 → 楼道灯不亮
        if not any("\u4e00" <= ch <= "\u9fff" for ch in word):
            kept.append(" ")
            continue
        kept.append(word)
        if (
            len(word) >= 2
            and word not in text.STOP_WORDS
            and word not in _NOT_A_PROBLEM
            and tag.startswith(_PROBLEM_TAGS)
        ):
            words.append(word)
    return "".join(kept), words


def _shared_phrase(cleaned: list[str], need: int) -> str:
    """The longest run of characters (two or more, no gap) that at least `need` cleaned titles contain."""
    best = ""
    for source in cleaned:
        for run in source.split():
            for start in range(len(run)):
                for end in range(len(run), start + max(1, len(best)), -1):
                    phrase = run[start:end]
                    if len(phrase) >= 2 and sum(phrase in other for other in cleaned) >= need:
                        if len(phrase) > len(best) or (len(phrase) == len(best) and phrase < best):
                            best = phrase
                        break
    return best


def class_title(category_name: str, members: list[tuple[str, str, dict]], places: list[str] = ()) -> str:
    """A class's name from its members (title, estate housing type or "", index vector {token: weight});
    `places`: the registry's place names (text.registry_place_names()), cut out of the titles first."""
    read = [_cleaned(title, list(places)) for title, _, _ in members]
    cleaned, said = [c for c, _ in read], [w for _, w in read]
    need = max(2, (len(members) + 1) // 2)  # said by at least half of the members (and two)
    problem = _shared_phrase(cleaned, need)
    share = Counter(word for words in said for word in set(words))
    weight = Counter()
    for _, _, vector in members:
        for word in share:
            weight[word] += vector.get(word, 0.0)
    shared = [word for word, n in share.items() if n >= need and word not in problem and problem not in word]
    # The most shared first, then the most distinctive (the index's weights, IDF inside).
    shared.sort(key=lambda word: (-share[word], -weight[word], word))
    extra: list[str] = []
    for word in shared:
        if len(problem) + sum(map(len, extra)) + len(word) > MAX_LENGTH:
            continue
        if not any(word in other or other in word for other in extra):
            extra.append(word)
    if extra:  # in the order the titles say them
        position = {word: statistics.median([words.index(word) for words in said if word in words]) for word in extra}
        problem += "".join(sorted(extra, key=lambda word: (position[word], word)))
    kinds = Counter(kind for _, kind, _ in members if kind)
    kind = ""
    if kinds:
        common, n = kinds.most_common(1)[0]
        if n * 2 > len(members):  # the place kind most members share
            kind = PLACE_KINDS.get(common, "")
    category_said = any(category_name[i : i + 2] in problem for i in range(len(category_name) - 1))
    if not problem:
        return f"{kind}{category_name}问题"
    if category_said and len(problem) <= 2:
        return f"{kind}{category_name}"  # the category says more than the one word its members share
    if category_said or len(problem) > 3:
        return f"{kind}{problem}"
    return f"{kind}{category_name}{problem}"
