"""Turning a case's Chinese text into weighted tokens.

Chosen by measurement on 4,270 real residents' messages (bench/similarity.py): jieba words (segmented by rjieba,
the Rust port of jieba: the same dictionary and algorithm, 13 times faster) without stop words
(the title counted twice) plus the title's character bigrams, raw TF × smoothed IDF, cosine. Place names are cut
out first: the registry's estate, neighbourhood and street names, generic place tokens (3号楼, 1088弄, A3区) and
unknown names before a place word (丽发新城, 万家丽路), so that the text says what the problem is, not where it
is. The place is compared through the case's own fields, or through the place keys of its text.
"""

import functools
import hashlib
import heapq
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable

import rjieba

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "我",
        "我们",
        "和",
        "有",
        "也",
        "都",
        "就",
        "不",
        "对",
        "这",
        "那",
        "要",
        "被",
        "为",
        "与",
        "及",
        "等",
        "但",
        "还",
        "而",
        "一个",
        "没有",
        "什么",
        "可以",
        "已经",
        "问题",
        "请",
        "希望",
        "政府",
        "相关",
        "部门",
        "领导",
        "您好",
        "你好",
        "尊敬",
        "反映",
        "现在",
        "目前",
        "进行",
        "情况",
        "如何",
        "能否",
        "是否",
        "怎么",
        "这个",
        "一直",
        "因为",
        "所以",
        "如果",
        "由于",
        "其中",
        "并且",
        "以及",
        "以上",
        "谢谢",
        "非常",
        "严重",
        "多次",
        "今年",
        "去年",
        "一下",
        "一些",
        "这些",
        "那些",
        "他们",
        "你们",
        "自己",
        "给",
        "让",
        "把",
        "从",
        "到",
        "向",
        "于",
        "又",
        "很",
        "更",
        "最",
        "及时",
        "尽快",
        "解决",
        "处理",
        "投诉",
        "咨询",
        "建议",
        "关于",
        "请问",
        "为什么",
        "居民",
        "业主",
        "小区",
        "大楼",
        "楼栋",
        "居委会",
        "居民区",
        "街道",
        "社区",
        "本人",
        "家里",
        "时候",
        "时间",
        "出现",
        "导致",
        "造成",
        "需要",
        "要求",
        "影响",
        "无法",
        "不能",
        "知道",
        "觉得",
        "告诉",
    ]
)
# Generic place tokens: building and house numbers, lanes, masked districts of the benchmark data.
GENERIC_PLACE = re.compile(
    # Bounded runs: with `+`, a long run of digits or letters not followed by 号/栋… was scanned again from each of
    # its characters (quadratic: 30,000 characters took a minute). A house number is never longer than 12.
    r"[0-9０-９一二三四五六七八九十百甲乙丙丁A-Za-z]{1,12}\s{0,2}(?:号楼|号|栋|幢|弄|室|单元|座|楼|层|期|区|支弄)"
    r"|[A-Z]\d*[市区县]|西地省|上海市?|静安区?"
)
# Place names the registry does not know (an estate in an imported message): 2–5 characters before a place word.
# They are cut out of the problem text and kept apart as place keys (see place_keys).
UNKNOWN_PLACE = re.compile(
    r"[\u4e00-\u9fff]{2,5}?(?:小区|花园|家园|新城|之城|公寓|大厦|社区|街道|新村|苑|国际|广场|大道|路|街|湖|镇)"
)
PLACE_SUFFIXES = ("小区", "花园", "新村", "公寓", "大厦", "大楼", "家园", "新苑", "广场", "新城", "居委会", "居民区")
_TOKEN_NOISE = re.compile(r"^[\W\d_A-Za-z]+$")
_BIGRAM_SPLIT = re.compile(r"[\W\d_A-Za-z]+")
TITLE_REPEAT = 2


def place_names(names: Iterable[str]) -> list[str]:
    """Registry names and their stems (福安大厦 → 福安大厦, 福安), longest first, ready to cut out of text."""
    out = set()
    for name in names:
        name = (name or "").strip()
        if len(name) < 2:
            continue
        out.add(name)
        for suffix in PLACE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.add(name[: -len(suffix)])
        # Road names inside addresses: 江宁路1088弄 → 江宁路.
        out.update(match for match in re.findall(r"[\u4e00-\u9fff]{2,5}?[路街巷]", name) if len(match) >= 3)
    return sorted(out, key=len, reverse=True)


def strip_places(text: str, names: list[str]) -> str:
    for name in names:
        if name in text:
            text = text.replace(name, " ")
    return UNKNOWN_PLACE.sub(" ", GENERIC_PLACE.sub(" ", text))


# Names in a text, found by what ends them: an estate or building (丽发新城, 伊景园滨河苑), an organisation (长沙学院,
# 恒大地产项目), or an area (万家丽路, 泉塘街道). Up to eight characters before the ending; the words in front that are
# not part of a name (我们, 严重影响, 关于) are then trimmed off by their part of speech.
# 府, 郡 and 岸 end many estates' names (旭辉御府, 林美水郡, 保利西海岸: counted in the real messages, after 政府).
ESTATE_ENDINGS = (
    "小区|花园|家园|新城|之城|公寓|大厦|新村|新苑|苑|国际|广场|华府|庭院|山庄|公馆|名城|府邸|城|府|郡|水岸|海岸|西岸"
)
ORG_ENDINGS = (
    "学院|大学|中学|小学|学校|幼儿园|医院|卫生院|公司|集团|银行|酒店|宾馆|商场|超市|市场|项目|工厂|驿站|会所|"
    "酒吧|网吧|棋牌室|麻将馆|搅拌站|加油站|物业|4S店|驾校"
)
AREA_ENDINGS = "街道|大道|路|街|巷|湖|镇|乡|桥|湾"  # 湾: estates (星湖湾) and places (丁字湾, 王家湾) alike
_ENDINGS = re.compile(rf"(?:{ESTATE_ENDINGS}|{ORG_ENDINGS}|{AREA_ENDINGS})")
_NOT_AFTER_CITY = frozenset("市乡镇区管墙楼里中内外际铁")  # 城铁: the intercity railway
_NOT_BEFORE_FU = frozenset("政市县省镇区乡委")  # 政府, 市府, 县府: the government, not an estate
_INNER_ENDINGS = frozenset(("府", "郡", "水岸", "海岸", "西岸", "湾"))
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def _found_names(whole: str) -> list[str]:
    """The candidate names of a text: each ending with up to eight name characters before it, back to the
    previous name. (What the pattern [\u4e00-\u9fffA-Za-z0-9]{1,8}?(?:endings) finds, found from the endings
    backwards: measured on the 4,270 real messages, the same matches 20 times faster.)"""
    out, last = [], 0
    for match in _ENDINGS.finditer(whole):
        start, end = match.span()
        if start < last or (match.group() == "城" and whole[end : end + 1] in _NOT_AFTER_CITY):
            continue  # 文明城市, 城乡, 城区: not an estate
        if match.group() == "府" and whole[start - 1 : start] in _NOT_BEFORE_FU:
            continue
        if (
            match.group() in _INNER_ENDINGS
            and (after := _ENDINGS.search(whole, end, end + 3))
            and after.start() <= end + 1
        ):
            continue  # 兰亭湾畔小区, 楚府中学, 万境水岸小学: the name goes on to the next ending
        begin = start
        while begin > last and start - begin < 8 and _NAME_CHAR.match(whole[begin - 1]):
            begin -= 1
        if begin == start:
            continue
        out.append(whole[begin:end])
        last = end
    return out


ORG_ENDING = re.compile(rf"(?:{ORG_ENDINGS})$")
SPECIFIC = re.compile(rf"(?:{ESTATE_ENDINGS}|{ORG_ENDINGS})$")
ENDING = re.compile(rf"(?:{ESTATE_ENDINGS}|{ORG_ENDINGS}|{AREA_ENDINGS})$")


# Parts of speech that are not part of a name: pronouns, verbs, adverbs, conjunctions, prepositions, particles,
# times, numerals, locality and measure words, adjectives, distinguishing words (整个, 同一), idioms (jieba's tags).
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NOT_A_NAME = _word_set("r v vn vd vg d c p u uj ul uz ug uv ud m f q a ad an b i l y e zg o k h")
COMMON_STEM = 200  # from this frequency a one-word stem is a common word (燃气 221, 口腔 690; 中海 137, 橄榄 181)
_PROPER = ("ns", "nr", "nrt", "nz", "nt", "j")  # place, person, other proper names, organisations, abbreviations
COMMON_WORD = 300  # jieba's frequency from which a word of those parts of speech is a common word, not a name
_NOT_A_NAME_CHARS = frozenset(
    "的了在和与及或是到从向对把被这那个条些每该其距离往近旁边内外里中上下前后附靠沿朝至经米口"
    "现此买谁看将以由给即据因跟称请让为于"  # 现广铁集团, 此代表东能华府, 买万科魅力之城
)
# jieba glues a preposition or verb to an unknown name after it (在丽发 新城, 看丽发 新城, 以不缴 物业): such a
# first word loses its first character.
_GLUED = frozenset("在是看到以现买将由给从对向")
_GLUED_TAGS = frozenset(("v", "p", "d", "vn"))
# Words that end like a name or stand in front of one but name nothing in particular (这条路, 公交线路, 安置小区,
# 物业公司, 商品房…).
GENERIC_NAMES = _word_set(
    "小区 社区 街道 花园 公寓 广场 学校 医院 公司 集团 银行 酒店 市场 项目 物业 道路 马路 公路 铁路 线路 思路 出路 "
    "门路 小路 大路 大街 城镇 乡镇 城乡 农村 新村 住宅 商品房 安置 安置房 老旧 周边 附近 旁边 对面 我们 整个 这条路 "
    "开发商 有限公司 房地产 房地产公司 建筑公司 施工 楼盘 建设 商业 公交 高速 高速公路 城市 城市道路 人行 天桥 "
    "幼儿园 小学 中学 大学 学院 超市 网吧 酒吧 加油站 公办 民办 私立 普惠性 距离 联系 影响 导致 位于 靠近 紧邻 毗邻 "
    "入住 购买 居住 住在 经过 通往 前往 进入 开发 属于 成了 发现 包括 就是 还有 只有 所在 对于 针对 其中 这条 那条 "
    "一条 这个 那个 现在 目前 以前 之前 以后 最近 近期 晚上 夜间 白天 凌晨 每天 当时 过马路 必经之路 走投无路 "
    "十字路 交叉路 快速路 水泥路 通行道路 大马路 人行天桥 过街天桥 高架桥 自来水 供水 燃气 电力 供电 公交 地铁 "
    "城投 交警 商城 县城 古城 省城 京城 全城 满城 进城 城乡 主城 老城 新城"
)


GENERIC_ENDINGS = tuple(_word_set("线路 道路 公路 马路 铁路 思路 出路 门路 大路 小路 改造项目 建设项目"))


@functools.lru_cache(maxsize=65536)
def _frequency(word: str) -> int:
    return rjieba.suggest_freq(word)


_LATIN_AND_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=65536)
def _common_stem(stem: str) -> bool:
    """A name whose distinctive part is one common word names a kind of place, not a place (职业学院, 口腔医院,
    人民医院, 实验学校); a proper name (丽发, 中海, 伊景园) is rare or not a word at all."""
    tagged = rjieba.tag(stem.removesuffix("有限").removesuffix("股份"))  # 置业有限公司
    if len(tagged) == 1:
        word, tag = tagged[0]
        return tag not in _PROPER and (tag.startswith("v") or _frequency(word) >= COMMON_STEM)  # 选聘物业
    # Several words, none of them a name: common words and verbs (餐饮服务项目, 置业有限公司, 职业技术学院,
    # 违建搅拌站, 选聘物业) say what kind of organisation, not which one.
    return all(tag not in _PROPER and (tag.startswith("v") or _frequency(word) >= COMMON_STEM) for word, tag in tagged)


@functools.lru_cache(maxsize=65536)
def _trim_name(found: str) -> str:
    """The name at the end of a match: its words from the last one back to the first that cannot be part of a
    name ("" when nothing is left but the ending, or a generic word)."""
    tagged = rjieba.tag(found)
    start = len(tagged)
    while start > 0:
        word, tag = tagged[start - 1]
        if start < len(tagged) and (
            word in STOP_WORDS
            or word in GENERIC_NAMES
            or word in _NOT_A_NAME_CHARS
            # A single character, or a rare word, is often part of a name (之 in 魅力之城, 丽发 in 丽发新城).
            or (len(word) > 1 and tag in _NOT_A_NAME and _frequency(word) >= COMMON_WORD)
        ):
            break
        start -= 1
    first = tagged[start][0] if start < len(tagged) - 1 else ""
    glued = len(first) > 1 and first[0] in _GLUED and tagged[start][1] in _GLUED_TAGS
    name = "".join(word for word, _ in tagged[start:])[1 if glued else 0 :].lstrip(_LATIN_AND_DIGITS)
    stem = ENDING.sub("", name)
    if (
        len(stem) < 2
        or any(ch.isdigit() for ch in name)
        or name in GENERIC_NAMES
        or stem in GENERIC_NAMES
        or stem in STOP_WORDS
        or name.endswith(GENERIC_ENDINGS)
    ):
        return ""
    return name


# Districts: the masked ones of the benchmark data (A3区, A7县) and Shanghai's. Two texts naming different
# districts are about different places, unless they share an estate or organisation; a shared district says
# nothing more (a whole district is not one place).
DISTRICT = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]\d{1,2}[区县]|(?:黄浦|徐汇|长宁|静安|普陀|虹口|杨浦|闵行|宝山|嘉定|浦东新|金山|松江|青浦|奉贤|崇明)区"
)


def is_district(name: str) -> bool:
    return bool(DISTRICT.fullmatch(name))


# Numbered bus routes and metro lines (205路, X205路, 3号线): named like a road, an area (a metro line's problems
# at two stations are two matters), and a different number is a different route: 205路 and 204路 are two
# matters. An address's number follows its road (人民路205号), so a number before 路 is a route.
ROUTE = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]?\d{1,4}(?:路(?![口段面灯边])|号线)")


def place_keys(title: str, description: str, names: list[str] = ()) -> list[str]:
    """The names of the places and organisations a text mentions (registry names and unknown ones), and the
    districts it names, each once: two texts name the same place when they share a name (丽发新城; one may be
    part of the other: 万科魅力之城 and 魅力之城), different ones when they name different estates, organisations
    or districts (see same_names)."""
    raw = f"{title or ''} {description or ''}"
    districts = set(DISTRICT.findall(raw))
    whole = GENERIC_PLACE.sub(" ", raw)
    found = {name for name in names if name in whole and len(name) >= 3}
    found.update(route.upper() for route in ROUTE.findall(raw))
    for match in _found_names(whole):
        name = _trim_name(match)
        if name:
            found.add(name)
    return sorted({*_outermost(found), *districts})


def _outermost(found) -> list[str]:
    # A name inside a longer one found too (伊景园滨河苑 → 滨河苑) adds nothing.
    return sorted({name for name in found if not any(name != other and name in other for other in found)})


def with_estate(keys: list[str], estate: str = "") -> list[str]:
    """place_keys() with the case's registry estate added as one more name: a case registered at an estate
    names it as surely as a text that mentions it (compare_names)."""
    estate = (estate or "").strip()
    if len(estate) < 2:
        return list(keys)
    districts = {key for key in keys if is_district(key)}
    return sorted({*_outermost({*(key for key in keys if key not in districts), estate}), *districts})


def is_specific(name: str, estates: frozenset[str] = frozenset()) -> bool:
    """An estate, building or organisation (丽发新城, 长沙学院), not an area (万家丽路, 泉塘街道). `estates`: the
    registry's estate names, estates whatever they end with (晶华园, 句容里)."""
    return bool(SPECIFIC.search(name)) or name in estates


def is_place(name: str) -> bool:
    """An estate or an area (丽发新城, 万家丽路): cut out of the problem text. An organisation's name (长沙学院,
    搅拌站) stays in it: it often says what the problem is."""
    return not ORG_ENDING.search(name) and not is_district(name)


def is_generic(name: str) -> bool:
    """An organisation named by a common word and its kind (经济学院, 口腔医院, 人民医院): it tells two texts
    apart from one naming another organisation, but two texts sharing it may name two different ones."""
    return bool(ORG_ENDING.search(name)) and _common_stem(ENDING.sub("", name))


def _same_name(a: str, b: str) -> bool:
    return a == b or (len(a) >= 3 and len(b) >= 3 and (a in b or b in a))


def compare_names(mine, theirs, estates: frozenset[str] = frozenset()) -> tuple[int, list[str]]:
    """How the names two texts mention compare, and the names (of `mine`) that the answer rests on: 2, they
    share an estate or organisation (its names); 1, they share an area, or an organisation named generically,
    but name no different estates or organisations (the shared names); 0, they name different places (a
    different estate, organisation or district whatever else they share, or no name in common); -1, one of
    them names none (a district alone is no name). `estates`: the registry's estate names (is_specific)."""
    districts_mine = {a for a in mine if is_district(a)}
    districts_theirs = {b for b in theirs if is_district(b)}
    mine = [a for a in mine if a not in districts_mine]
    theirs = [b for b in theirs if b not in districts_theirs]
    code, names = _compare(mine, theirs, estates)
    if code != 2 and districts_mine and districts_theirs and not districts_mine & districts_theirs:
        return 0, []  # two districts: whatever the texts share, not one place
    return code, names


def _compare(mine: list[str], theirs: list[str], estates: frozenset[str]) -> tuple[int, list[str]]:
    if not (mine and theirs):
        return -1, []

    def specific(name: str) -> bool:
        return is_specific(name, estates)

    pairs = [(a, b) for a in mine for b in theirs if _same_name(a, b)]
    strong = sorted({a for a, b in pairs if specific(a) and specific(b) and not (is_generic(a) or is_generic(b))})
    if strong:
        return 2, strong
    shared = sorted({a for a, _ in pairs})
    if not shared:
        return 0, []
    specific_mine = [a for a in mine if specific(a)]
    specific_theirs = [b for b in theirs if specific(b)]
    matched_theirs = {b for _, b in pairs}
    if any(a not in shared for a in specific_mine) and any(b not in matched_theirs for b in specific_theirs):
        return 0, []  # the same road (or a generic name), different estates or organisations
    if any(a not in shared for a in mine) and any(b not in matched_theirs for b in theirs):
        return 0, []  # the same district, but each names a road the other does not: different places
    return 1, shared


def same_names(mine, theirs, estates: frozenset[str] = frozenset()) -> int:
    """compare_names() without the names."""
    return compare_names(mine, theirs, estates)[0]


def words(text: str) -> list[str]:
    return [w for w in rjieba.cut(text) if len(w) > 1 and w not in STOP_WORDS and not _TOKEN_NOISE.match(w)]


def bigrams(text: str) -> list[str]:
    out = []
    for run in _BIGRAM_SPLIT.split(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def read(title: str, description: str, places: list[str] = (), estate: str = "") -> tuple[list[str], list[str]]:
    """The bag of tokens of a case (repeated tokens count) and its place keys (place_keys, with its registry
    `estate`'s name: with_estate). The estates and areas the text names are cut out of the bag with the
    registry's names: two cases at one estate otherwise share its name's words and bigrams (谷山 庭院 山庭),
    whatever their problems."""
    keys = place_keys(title, description, places)
    names = sorted([*places, *(key for key in keys if is_place(key))], key=len, reverse=True)
    title = strip_places(title or "", names)
    description = strip_places(description or "", names)
    bag = [token[:40] for token in words(title) * TITLE_REPEAT + words(description) + bigrams(title)]
    return bag, with_estate(keys, estate)


def tokens(title: str, description: str, places: list[str] = ()) -> list[str]:
    """The bag of tokens of a case (repeated tokens count): read() without the place keys."""
    return read(title, description, places)[0]


def idf(df: int, documents: int) -> float:
    # Smoothed, so that a tiny index (a new installation, a test) still gives sensible weights.
    return math.log((documents + 1) / (df + 1)) + 1


def weigh(bag: list[str], df: dict[str, int], documents: int) -> dict[str, float]:
    """Raw TF × smoothed IDF, L2-normalised; `df` and `documents` count the index without this text.
    (Raw TF beat sublinear TF on the measured same-class groups: a resident repeats what the problem is.)"""
    counts = Counter(bag)
    raw = {t: c * idf(df.get(t, 0) + 1, documents + 1) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {t: v / norm for t, v in raw.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


def is_word(token: str) -> bool:
    """A dictionary word (电梯, 更换) rather than a bigram that straddles two words (中适)."""
    return rjieba.has_word(token)


def shared_terms(a: dict[str, float], b: dict[str, float], limit: int = 3) -> list[str]:
    """The dictionary words that contribute most to the cosine (other tokens only when no word is shared), none
    inside another, for a reader."""
    if len(a) > len(b):
        a, b = b, a
    return pick_shared([(weight * b[t], t) for t, weight in a.items() if t in b], limit)


def pick_shared(common: list[tuple[float, str]], limit: int = 3) -> list[str]:
    """shared_terms() from the shared tokens with their products, in any order. Words are picked from the
    heaviest down: when the 12 heaviest give `limit` dictionary words, the rest cannot change them and need no
    sorting (linking 100,000 cases, sorting every shared token of 1.1 million links took 30 s of 192)."""
    heaviest = heapq.nlargest(12, common)
    picked = _pick(heaviest, limit, words_only=True)
    if len(picked) == limit or len(common) <= len(heaviest):
        return picked or _pick(heaviest, limit, words_only=False)
    common = sorted(common, reverse=True)
    return _pick(common, limit, words_only=True) or _pick(common, limit, words_only=False)


def _pick(common: list[tuple[float, str]], limit: int, *, words_only: bool) -> list[str]:
    picked: list[str] = []
    for _, token in common:
        if words_only and not is_word(token):
            continue
        if any(token in other or other in token for other in picked):
            continue
        picked.append(token)
        if len(picked) == limit:
            break
    return picked


def content_hash(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p or "") for p in parts).encode()).hexdigest()


# --- the registry's place names, cached per process for a short while ---------------------------

_cache: dict = {"at": 0.0, "key": None, "names": [], "estates": frozenset()}
_lock = threading.Lock()
REGISTRY_TTL = 300


def registry_place_names() -> list[str]:
    """Estate names and addresses and neighbourhood names from places.models; rebuilt when the registry grows,
    and every few minutes (renames)."""
    return _registry()["names"]


def registry_estate_names() -> frozenset[str]:
    """The registry's estate names (compare_names' `estates`), cached as registry_place_names()."""
    return _registry()["estates"]


def _registry() -> dict:
    from django.db import connection

    from places.models import Estate, Neighbourhood

    # One statement for both tables (asked at every case flagged): their sizes and highest ids.
    tables = [connection.ops.quote_name(model._meta.db_table) for model in (Estate, Neighbourhood)]
    with connection.cursor() as cursor:
        parts = ", ".join(f"(SELECT COUNT(*) FROM {table}), (SELECT MAX(id) FROM {table})" for table in tables)
        cursor.execute(f"SELECT {parts}")
        key = cursor.fetchone()
    with _lock:
        if _cache["key"] == key and time.monotonic() - _cache["at"] < REGISTRY_TTL:
            return dict(_cache)
    estates = list(Estate.objects.values_list("name", flat=True))
    names = list(estates)
    names += [a for a in Estate.objects.values_list("address", flat=True) if a]
    names += list(Neighbourhood.objects.values_list("name", flat=True))
    result = place_names(names)
    with _lock:
        _cache.update(at=time.monotonic(), key=key, names=result, estates=frozenset(e.strip() for e in estates))
        return dict(_cache)
