"""A stored link's reasons in the reader's language.

A link's reasons are written once, in the language active where the link was made (the worker: Chinese; an
eager task: the language of whoever saved the case), and read by everyone. `readable()` recognises each reason
as one of similarity.REASON_TEXTS in any configured language and says it again in the active language; a
reason it does not recognise is shown as stored.
"""

import functools
import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from matters.similarity import REASON_TEXTS

_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([sdf])")


def _regex(text: str) -> re.Pattern:
    """A reason's text, such as "文本相近 %(score).2f: %(terms)s", as a pattern with a group for each placeholder."""
    parts, last = [], 0
    for found in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last : found.start()]))
        parts.append(f"(?P<{found.group(1)}>.*?)")
        last = found.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts))


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for key, msgid in REASON_TEXTS.items():
        forms = {msgid}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                forms.add(_(msgid))
        patterns += [(key, _regex(form)) for form in sorted(forms)]
    return patterns


def readable(reasons: list[str]) -> list[str]:
    return [_say(reason) for reason in reasons]


def _say(reason: str) -> str:
    for key, pattern in _patterns():
        found = pattern.fullmatch(reason)
        if found is None:
            continue
        values = found.groupdict()
        try:
            if "score" in values:
                values["score"] = float(values["score"])
        except ValueError:
            return reason
        if "type" in values:
            values["type"] = _(values["type"])  # a housing type's Chinese label is its msgid
        return _(REASON_TEXTS[key]) % values
    return reason
