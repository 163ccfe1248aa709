"""Residents' personal data (个人信息保护法): the one place that recognises, masks and scrubs phone and ID numbers.

Every path that shows a phone (page, timeline, 409 page, API, export, Open311, notification) masks it with
`mask_phone`, and every path that shows free text a clerk typed masks the numbers inside it with `mask_text`.
The patterns are written to be linear in the length of the text (no nested repetition): they run on
descriptions of many thousands of characters.
"""

import functools
import re
import unicodedata

from django.utils.translation import gettext as _

PHONE_REMOVED = "[电话已删除]"
ID_REMOVED = "[证件号已删除]"
REMOVED = "[已删除]"
PERSONAL_FIELDS = frozenset({"reporter_name", "reporter_phone"})

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")
_AREA = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))-?")


@functools.cache
def _ascii_table() -> dict[int, str]:
    """Every non-ASCII decimal digit of Unicode (full-width １, Arabic-Indic ٣…) to its ASCII digit, ＋ to +: made
    once, on first use, for str.translate. Decimal digits live in the first two planes (the last, U+1FBF0-9)."""
    table = {ord(ch): str(unicodedata.decimal(ch)) for ch in map(chr, range(128, 0x20000)) if ch.isdecimal()}
    table[ord("＋")] = "+"
    return table


def to_ascii_digits(text: str) -> str:
    """Full-width and other Unicode decimal digits as 0-9, ＋ as +; every other character unchanged (one character
    for one: positions agree)."""
    if text.isascii():
        return text
    return text.translate(_ascii_table())


def normalise_phone(value: str) -> str:
    """One way to store one resident's number: ASCII digits, no spaces or brackets, no +86, one dash after an
    area code (021-62181234) or none."""
    value = to_ascii_digits(value or "").strip()
    value = re.sub(r"[\s\u00a0()（）]", "", value)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    value = value.lstrip("-")
    digits = re.sub(r"[\-－]", "", value)
    return digits if MOBILE.match(digits) else value


def mask_phone(value: str) -> str:
    """138****5678 for a mobile; 021-****1234 for a landline with its area code; ****1234 for a local number.

    At least half of the digits are hidden whatever was typed: never stars added with nothing hidden."""
    if "*" in (value or ""):
        return value  # masked already (a timeline line written masked)
    number = normalise_phone(value)
    digits = re.sub(r"\D", "", number)
    if not digits:
        return ""
    if MOBILE.match(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    area = ""
    match = _AREA.match(number) if number.startswith("0") else None
    if match and len(digits) >= 10:
        area = match.group(1) + "-"
        digits = digits[len(match.group(1)) :]
    if len(digits) <= 4:
        return area + "*" * len(digits)
    shown = min(4, len(digits) // 2)
    return f"{area}{'*' * (len(digits) - shown)}{digits[-shown:]}"


# In free text. Digits are first made ASCII and separators between them are allowed; each pattern is a run of
# digit groups with a bounded count, so matching stays linear. An ID first: 18 characters (the last may be X)
# or the old 15; digits on either side mean a longer number, which is left alone.
_SEP = r"[ \u3000\u00a0\-－]?"
_ID = re.compile(r"(?<![\dA-Za-z])(?:(?:\d" + _SEP + r"){17}[\dXx]|[1-9](?:" + _SEP + r"\d){14})(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\-\s]?)?1[3-9]\d(?:" + _SEP + r"\d){8}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?" + _SEP + r"[2-9](?:" + _SEP + r"\d){6,7}(?:-\d{1,6})?(?!\d)")
# A bare 7-8 digit number is only taken for a phone when a word such as 电话 comes just before it.
_BARE_PHONE = re.compile(
    r"((?:电话|手机|座机|联系方式|联系|号码|回电|致电|来电|拨打|回拨|tel|Tel|TEL)[:：\s是为]{0,3})([2-9](?:"
    + _SEP
    + r"\d){6,7})(?!\d)"
)


def _numbers(text: str, replace_id, replace_phone) -> str:
    # Every number these patterns find has at least seven digits (a bare local number): most notes have fewer.
    if not text or sum(map(str.isdecimal, text)) < 7:
        return text
    # Matched on a copy with ASCII digits; replaced in the text itself, so that full-width digits that are not part
    # of a number (１楼) stay as they were typed. to_ascii_digits maps one character to one: positions agree.
    original, ascii_ = text, to_ascii_digits(text)
    steps = (
        (_ID, lambda m: replace_id(m.group(0))),
        (_MOBILE, lambda m: replace_phone(m.group(0))),
        (_LANDLINE, lambda m: replace_phone(m.group(0))),
        (_BARE_PHONE, lambda m: m.group(1) + replace_phone(m.group(2))),
    )
    for pattern, replace in steps:
        out_original, out_ascii, last = [], [], 0
        for match in pattern.finditer(ascii_):
            new = replace(match)
            out_original += [original[last : match.start()], new]
            out_ascii += [ascii_[last : match.start()], new]
            last = match.end()
        if last:
            original = "".join(out_original) + original[last:]
            ascii_ = "".join(out_ascii) + ascii_[last:]
    return original


def mask_id(value: str) -> str:
    digits = re.sub(r"[^\dXx]", "", value)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_text(text: str) -> str:
    """Free text with every phone and ID number in it masked (138****5678, 310***********1234)."""
    return _numbers(text, mask_id, lambda number: mask_phone(re.sub(r"^\+?86", "", number)))


def restore_numbers(edited: str, original: str) -> str:
    """`edited` (a form that showed `original` through mask_text) with each masked number put back as it was, so
    that editing the rest of a text never loses its numbers; a number typed anew is kept as typed."""
    pairs: dict[str, str] = {}

    def keep(masker):
        def replace(number: str) -> str:
            masked = masker(number)
            pairs.setdefault(masked, number)
            return masked

        return replace

    _numbers(original or "", keep(mask_id), keep(lambda number: mask_phone(re.sub(r"^\+?86", "", number))))
    for masked, number in pairs.items():
        if masked != number:
            edited = edited.replace(masked, number)
    return edited


def scrub_numbers(text: str) -> str:
    """Free text with every phone and ID number in it removed (anonymisation)."""
    return _numbers(text, lambda _m: ID_REMOVED, lambda _m: PHONE_REMOVED)


def contains_numbers(text: str) -> bool:
    return bool(text) and scrub_numbers(text) != text


def visible_changes(changes: list, *, can_see_reporter: bool) -> list:
    """A timeline line's field changes as a viewer may see them: the same rules as the fields themselves.

    A phone is always masked (the full number only through a recorded reveal of the current one); a resident's
    name is hidden from a viewer who may not see the resident; free text is masked like free text elsewhere."""
    shown = []
    for change in changes or []:
        change = dict(change)
        field = change.get("field")
        for side in ("old", "new"):
            value = change.get(side)
            if not isinstance(value, str) or not value:
                continue
            if field in PERSONAL_FIELDS and not can_see_reporter:
                change[side] = _("（保密）")
            elif field == "reporter_phone":
                change[side] = mask_phone(value)
            else:
                change[side] = mask_text(value)
        shown.append(change)
    return shown
