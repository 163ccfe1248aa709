"""What a search box query means: the words in it (Chinese has no spaces), and which matches come first.

"福安大厦电梯" is cut by rjieba (jieba's dictionary, the segmentation the similarity index uses) into 福安 · 大厦 ·
电梯, and a case must contain every word — so it finds "福安大厦两部电梯…", as people expect from a search box.
A word shaped like a case number stays whole. Punctuation and a few function words (的, 了…) are dropped: they
would only make a query miss.
"""

import re

import rjieba
from django.db.models import Case, IntegerField, Q, Value, When

REFERENCE_SHAPE = re.compile(r"^[A-Za-z]{1,8}-\d{4}-\d{1,8}$")
FUNCTION_WORDS = frozenset("的了和与及或在是有吗呢啊吧把被就也都很请我你他她它")
MAX_WORDS = 12  # a pasted paragraph still makes a bounded query


def query_words(text: str) -> list[str]:
    """The words a case must all contain, in the order typed, without repeats."""
    words: list[str] = []
    for chunk in text.split():
        pieces = [chunk] if REFERENCE_SHAPE.match(chunk) else _joined_singles(rjieba.cut(chunk))
        for piece in pieces:
            piece = piece.strip()
            if not piece or not re.search(r"\w", piece) or piece in FUNCTION_WORDS:
                continue
            if piece.lower() not in (w.lower() for w in words):
                words.append(piece)
    return words[:MAX_WORDS]


def _joined_singles(pieces: list[str]) -> list[str]:
    """Single characters cut apart from one run are one word again: "电梯困人" is cut 电梯 · 困 · 人, and a person
    searching it means 困人 (the dictionary does not know it), not 困 and 人 anywhere in the text."""
    joined: list[str] = []
    run = ""
    for piece in [*pieces, ""]:
        if len(piece) == 1 and re.match(r"\w", piece) and piece not in FUNCTION_WORDS:
            run += piece
            continue
        if run:
            joined.append(run)
            run = ""
        if piece:
            joined.append(piece)
    return joined


# The weights of relevance(): levels() walks the same values, so they are named once.
PHRASE_IN_TITLE, PHRASE_IN_DESCRIPTION, WORD_IN_TITLE = 100, 50, 2


def relevance(text: str, words: list[str]):
    """Closer matches first: the query as typed in the title, then in the description, then more words in the title."""
    phrase = "".join(text.split())
    score = Value(0)
    if phrase:
        score = Case(
            When(title__icontains=phrase, then=Value(PHRASE_IN_TITLE)),
            When(description__icontains=phrase, then=Value(PHRASE_IN_DESCRIPTION)),
            default=Value(0),
            output_field=IntegerField(),
        )
    for word in words:
        in_title = Case(
            When(Q(title__icontains=word), then=Value(WORD_IN_TITLE)), default=Value(0), output_field=IntegerField()
        )
        score = score + in_title
    return score


def levels(text: str) -> list[Q]:
    """The levels of relevance(text, …) among cases that match every word, best first, each as a filter.

    The phrase is the words written together, so a title holding the phrase holds every word: the best level is
    simply "the phrase in the title", a condition PostgreSQL can estimate (and walk the date index for) where an
    equality on the ranking expression looks rare to it. A single word that is the whole phrase is in the title
    or, failing that, in the description; longer queries go through the remaining values of the ranking."""
    words = query_words(text)
    phrase = "".join(text.split())
    if not words or not phrase:
        return []
    # Text without letter case (Chinese) is looked up case-sensitively: the same rows, but PostgreSQL estimates
    # `title LIKE` from the column's statistics, and has none for the UPPER(title) that icontains compares.
    lookup = "contains" if phrase.lower() == phrase.upper() else "icontains"
    in_title = Q(**{f"title__{lookup}": phrase})
    if len(words) == 1 and words[0].lower() == phrase.lower():
        return [in_title, ~in_title & Q(**{f"description__{lookup}": phrase})]
    k = len(words)
    in_words = [WORD_IN_TITLE * m for m in range(k, -1, -1)]
    rest = [*(PHRASE_IN_DESCRIPTION + value for value in in_words), *in_words]
    return [in_title, *(~in_title & Q(search_rank=value) for value in rest)]
