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
        pieces = [chunk] if REFERENCE_SHAPE.match(chunk) else rjieba.cut(chunk)
        for piece in pieces:
            piece = piece.strip()
            if not piece or not re.search(r"\w", piece) or piece in FUNCTION_WORDS:
                continue
            if piece.lower() not in (w.lower() for w in words):
                words.append(piece)
    return words[:MAX_WORDS]


def relevance(text: str, words: list[str]):
    """Closer matches first: the query as typed in the title, then in the description, then more words in the title."""
    phrase = "".join(text.split())
    score = Value(0)
    if phrase:
        score = Case(
            When(title__icontains=phrase, then=Value(100)),
            When(description__icontains=phrase, then=Value(50)),
            default=Value(0),
            output_field=IntegerField(),
        )
    for word in words:
        in_title = Case(When(Q(title__icontains=word), then=Value(2)), default=Value(0), output_field=IntegerField())
        score = score + in_title
    return score
